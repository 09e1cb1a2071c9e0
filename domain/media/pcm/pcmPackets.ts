/**
 * Cutting a run of PCM frames into RTP packets: about `packetMs` each and never more
 * than the payload limit, in equal parts so no runt packet trails, each with the RTP
 * timestamp advanced by the frames before it (RFC 3551 section 4.2: one clock tick per
 * frame, at the sampling rate).
 */
import type { RtpPayload } from '../packetizer.js';

/** RFC 3551's default packetization interval. */
export const DEFAULT_PACKET_MS = 20;

export function pcmPayloads(
  sample: Buffer,
  bytesPerFrame: number,
  framesPerPacket: number,
  maxPayloadSize: number,
  convert?: (bytes: Buffer) => Buffer,
): RtpPayload[] {
  const frames = Math.floor(sample.length / bytesPerFrame);
  if (frames === 0) return [];
  const fitting = Math.floor(maxPayloadSize / bytesPerFrame);
  if (fitting < 1) throw new RangeError(`maxPayloadSize ${maxPayloadSize} cannot hold a ${bytesPerFrame}-byte frame`);
  const limit = Math.max(1, Math.min(framesPerPacket, fitting));
  const packets = Math.ceil(frames / limit);
  const each = Math.ceil(frames / packets);
  const payloads: RtpPayload[] = [];
  for (let first = 0; first < frames; first += each) {
    const count = Math.min(each, frames - first);
    const bytes = sample.subarray(first * bytesPerFrame, (first + count) * bytesPerFrame);
    payloads.push({ chunks: [convert === undefined ? bytes : convert(bytes)], marker: false, timestampOffset: first });
  }
  return payloads;
}
