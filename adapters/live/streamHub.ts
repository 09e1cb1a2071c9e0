import { buildBye } from '../../domain/rtp/rtcpSenderReport.js';
import { readRtcpCompound } from '../../domain/rtp/rtcpPacket.js';
import type { RtpSink } from '../rtp/rtpSink.js';

/**
 * The fan-out of one live path. The source's packets arrive here and go, as the very
 * same Buffer, to every reader's sink: no copy and no rewrite per reader, so readers
 * see the source's SSRC, sequence numbers and timestamps, and the source's sender
 * reports stay correct for them. A reader whose TCP connection is backed up has
 * packets dropped and counted rather than stalling the source or the others.
 */
export interface HubTrackInfo {
  /** Index of the track in the announced description (0-based). */
  readonly index: number;
  /** Its control name in the description we serve: `trackID=<index+1>`. */
  readonly trackId: number;
}

export class HubTrackState {
  packetsIn = 0;
  bytesIn = 0;
  lastSequence = -1;
  lastTimestamp = 0;
  ssrc = 0;
  /** The last sender report from the source, forwarded to late joiners at once. */
  lastSenderReport: Buffer | null = null;
}

export class HubReader {
  packetsSent = 0;
  bytesSent = 0;
  dropped = 0;
  /** From the reader's receiver reports: fraction lost (0..1) and jitter in RTP units. */
  fractionLost = 0;
  jitter = 0;

  constructor(
    readonly id: string,
    /** Sink per hub track index; undefined for tracks the reader did not set up. */
    readonly sinks: ReadonlyArray<RtpSink | undefined>,
    /** Called when the hub ends (the broadcast is over). */
    readonly onEnded: () => void,
  ) {}

  /** Receiver reports from this reader, for per-reader loss and jitter. */
  noteRtcp(packet: Buffer): void {
    const summary = readRtcpCompound(packet);
    const block = summary?.reports[0];
    if (block) {
      this.fractionLost = block.fractionLost / 256;
      this.jitter = block.jitter;
    }
  }
}

export class StreamHub {
  readonly tracks: HubTrackState[];
  private readers: HubReader[] = [];
  packetsIn = 0;
  ended = false;

  constructor(
    readonly path: string,
    readonly sdp: string,
    trackCount: number,
  ) {
    this.tracks = Array.from({ length: trackCount }, () => new HubTrackState());
  }

  /** The packet path: called for every RTP packet of the source. */
  onRtp(index: number, packet: Buffer): void {
    const track = this.tracks[index];
    if (!track || packet.length < 12) return;
    track.packetsIn++;
    track.bytesIn += packet.length;
    this.packetsIn++;
    track.lastSequence = packet.readUInt16BE(2);
    track.lastTimestamp = packet.readUInt32BE(4);
    track.ssrc = packet.readUInt32BE(8);
    const readers = this.readers;
    for (let i = 0; i < readers.length; i++) {
      const reader = readers[i]!;
      const sink = reader.sinks[index];
      if (sink === undefined) continue;
      if (!sink.writable()) {
        reader.dropped++;
        continue;
      }
      sink.sendPacket(packet);
      reader.packetsSent++;
      reader.bytesSent += packet.length;
    }
  }

  /** The source's RTCP (sender reports), forwarded to every reader of the track. */
  onRtcp(index: number, packet: Buffer): void {
    const track = this.tracks[index];
    if (!track) return;
    if (packet.length >= 8 && packet[1] === 200) track.lastSenderReport = packet;
    for (const reader of this.readers) reader.sinks[index]?.sendRtcp(packet);
  }

  /** Where a reader joining now starts: the next sequence number and the current RTP time. */
  joinPoint(index: number): { seq: number; rtptime: number } | null {
    const track = this.tracks[index];
    if (!track || track.lastSequence < 0) return null;
    return { seq: (track.lastSequence + 1) & 0xffff, rtptime: track.lastTimestamp };
  }

  addReader(reader: HubReader): void {
    if (this.ended) {
      reader.onEnded();
      return;
    }
    // Copy on write: the packet path iterates the array without guarding against changes.
    this.readers = [...this.readers, reader];
    reader.sinks.forEach((sink, index) => {
      const report = this.tracks[index]?.lastSenderReport;
      if (sink && report) sink.sendRtcp(report);
    });
  }

  removeReader(reader: HubReader): void {
    this.readers = this.readers.filter((r) => r !== reader);
  }

  get readerCount(): number {
    return this.readers.length;
  }

  get readerList(): readonly HubReader[] {
    return this.readers;
  }

  /** Sends every reader an RTCP BYE for each track's source SSRC. */
  sayBye(): void {
    for (const reader of this.readers) {
      reader.sinks.forEach((sink, index) => {
        const ssrc = this.tracks[index]?.ssrc ?? 0;
        if (sink) sink.sendRtcp(byeCompound(ssrc));
      });
    }
  }

  /** Ends the broadcast for every reader. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.sayBye();
    const readers = this.readers;
    this.readers = [];
    for (const reader of readers) reader.onEnded();
  }
}

/** An RTCP compound must start with SR or RR (RFC 3550 §6.1): an empty RR, then BYE. */
function byeCompound(ssrc: number): Buffer {
  const packet = Buffer.alloc(8);
  packet[0] = 0x80;
  packet[1] = 201;
  packet.writeUInt16BE(1, 2);
  packet.writeUInt32BE(ssrc >>> 0, 4);
  return Buffer.concat([packet, buildBye(ssrc)]);
}

