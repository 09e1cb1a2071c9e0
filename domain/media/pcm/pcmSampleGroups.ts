/**
 * QuickTime stores uncompressed sound one frame per "sample" (4 bytes of 16-bit stereo),
 * so a PCM track has tens of thousands of tiny samples a second. Streaming those one by
 * one would send a packet per frame; this regroups them into samples of about 20 ms
 * (never across a chunk, a gap in the file or a change of sample description), which
 * the PCM packetizers then send as one packet each, or a few when the payload limit
 * demands.
 *
 * Version 0 sound descriptions may give every sample size 1 whatever the frame width;
 * then the bytes of frame k of a chunk are at chunk start + k * bytes per frame, which
 * is what the regrouped table records.
 */
import type { MovieTrack, SampleTable } from '../movie.js';
import { chunkFirstSample } from '../mp4/sampleChunks.js';
import { pcmLayoutOf } from './pcmFormat.js';
import { DEFAULT_PACKET_MS } from './pcmPackets.js';

/**
 * The track with PCM frames grouped into ~packetMs samples; the same track when it is
 * not PCM/G.711 or its samples are already that long.
 */
export function groupPcmSamples(track: MovieTrack, packetMs = DEFAULT_PACKET_MS): MovieTrack {
  const description = track.descriptions[0];
  if (description === undefined || track.samples.count === 0) return track;
  const layout = pcmLayoutOf(description);
  if ('unsupported' in layout) return track;
  const s = track.samples;
  const bpf = layout.bytesPerFrame;
  const targetUnits = Math.max(1, Math.round((track.timescale * packetMs) / 1000));
  // Already several frames a sample (a synthesized table, a rewritten movie): nothing to do.
  if (s.sizes[0]! > bpf || s.durations[0]! >= targetUnits) return track;

  const offsets: number[] = [];
  const sizes: number[] = [];
  const decodeTimes: number[] = [];
  const durations: number[] = [];
  const descriptionIndexes: number[] = [];
  let groupEnd = -1;
  let groupUnits = 0;
  let chunkFirst = -1;
  let chunkStart = 0;
  for (let i = 0; i < s.count; i++) {
    const size = s.sizes[i]!;
    // Frames this sample holds, and where its bytes really are.
    const frames = size >= bpf ? Math.floor(size / bpf) : 1;
    const bytes = frames * bpf;
    let offset = s.offsets[i]!;
    if (size < bpf) {
      const first = chunkFirstSample(s, i);
      if (first !== chunkFirst) {
        chunkFirst = first;
        chunkStart = s.offsets[first]!;
      }
      offset = chunkStart + (i - first) * bpf;
    }
    const last = offsets.length - 1;
    const joins =
      last >= 0 &&
      offset === groupEnd &&
      s.descriptionIndexes[i] === descriptionIndexes[last] &&
      groupUnits + s.durations[i]! <= targetUnits;
    if (joins) {
      sizes[last] = sizes[last]! + bytes;
      durations[last] = durations[last]! + s.durations[i]!;
      groupUnits += s.durations[i]!;
    } else {
      offsets.push(offset);
      sizes.push(bytes);
      decodeTimes.push(s.decodeTimes[i]!);
      durations.push(s.durations[i]!);
      descriptionIndexes.push(s.descriptionIndexes[i]!);
      groupUnits = s.durations[i]!;
    }
    groupEnd = offset + bytes;
  }
  const count = offsets.length;
  const samples: SampleTable = {
    count,
    offsets: Float64Array.from(offsets),
    sizes: Uint32Array.from(sizes),
    decodeTimes: Float64Array.from(decodeTimes),
    compositionOffsets: new Int32Array(count),
    durations: Uint32Array.from(durations),
    syncSamples: null,
    descriptionIndexes: Uint16Array.from(descriptionIndexes),
  };
  return { ...track, samples };
}
