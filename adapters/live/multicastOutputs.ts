import dgram from 'node:dgram';
import { addressInRange } from '../../domain/rtp/multicastRange.js';
import type { RtpSink } from '../rtp/rtpSink.js';
import type { Broadcast } from './broadcastRegistry.js';
import { HubReader } from './streamHub.js';

/**
 * Multicast out: a live path offered to its readers as one multicast group, each
 * track on its own port pair. The group is one more reader of the stream hub, added
 * when the first multicast viewer plays and removed with the last, so the source's
 * packets go out once however many viewers tune in.
 */
export interface MulticastSettings {
  readonly range: string;
  readonly basePort: number;
  readonly ttl: number;
  readonly interfaceAddress: string;
}

export interface MulticastGroup {
  readonly address: string;
  /** RTP port of each track (RTCP = +1). */
  readonly ports: readonly number[];
  readonly ttl: number;
}

class MulticastSink implements RtpSink {
  readonly transport = 'UDP' as const;
  readonly copiesHeader = false;
  constructor(
    private readonly socket: dgram.Socket,
    private readonly address: string,
    private readonly port: number,
  ) {}
  sendRtp(header: Buffer, chunks: readonly Buffer[]): void {
    this.socket.send([header, ...chunks], this.port, this.address);
  }
  sendRtcp(packet: Buffer): void {
    this.socket.send(packet, this.port + 1, this.address);
  }
  sendPacket(packet: Buffer): void {
    this.socket.send(packet, this.port, this.address);
  }
  writable(): boolean {
    return true;
  }
}

interface Output {
  readonly group: MulticastGroup;
  readonly index: number;
  /** Each viewer's "the broadcast is over" callback. */
  readonly viewers: Set<() => void>;
  reader: HubReader | null;
}

export class MulticastOutputs {
  private socket: Promise<dgram.Socket> | null = null;
  private readonly outputs = new Map<Broadcast, Output>();

  constructor(private readonly settings: MulticastSettings) {}

  /** The group of a broadcast, allocated on first use. */
  groupFor(broadcast: Broadcast): MulticastGroup {
    const existing = this.outputs.get(broadcast);
    if (existing) return existing.group;
    const used = new Set([...this.outputs.values()].map((o) => o.index));
    let index = 0;
    while (used.has(index)) index++;
    const address = addressInRange(this.settings.range, index);
    if (address === null) throw new Error(`no multicast group left in ${this.settings.range}`);
    const ports = broadcast.hub.tracks.map((_, track) => this.settings.basePort + 2 * track);
    const output: Output = { group: { address, ports, ttl: this.settings.ttl }, index, viewers: new Set(), reader: null };
    this.outputs.set(broadcast, output);
    return output.group;
  }

  /** A multicast viewer starts: the group joins the hub if it was not sending yet. */
  async join(broadcast: Broadcast, onEnded: () => void): Promise<void> {
    const output = this.outputs.get(broadcast);
    if (!output) return;
    output.viewers.add(onEnded);
    if (output.reader) return;
    const socket = await this.sender();
    if (output.reader) return;
    const sinks = output.group.ports.map((port) => new MulticastSink(socket, output.group.address, port));
    output.reader = new HubReader(`multicast:${output.group.address}`, sinks, () => {
      this.forget(broadcast);
      for (const viewerEnded of output.viewers) viewerEnded();
    });
    broadcast.hub.addReader(output.reader);
  }

  leave(broadcast: Broadcast, onEnded: () => void): void {
    const output = this.outputs.get(broadcast);
    if (!output) return;
    output.viewers.delete(onEnded);
    if (output.viewers.size === 0) {
      if (output.reader) broadcast.hub.removeReader(output.reader);
      this.forget(broadcast);
    }
  }

  async close(): Promise<void> {
    const socket = await this.socket;
    socket?.close();
    this.socket = null;
    this.outputs.clear();
  }

  private forget(broadcast: Broadcast): void {
    this.outputs.delete(broadcast);
  }

  /** One sending socket for every group, bound and configured before its first packet. */
  private sender(): Promise<dgram.Socket> {
    this.socket ??= new Promise((resolve, reject) => {
      const socket = dgram.createSocket('udp4');
      socket.once('error', reject);
      socket.bind(0, () => {
        socket.setMulticastTTL(this.settings.ttl);
        socket.setMulticastLoopback(true);
        if (this.settings.interfaceAddress) socket.setMulticastInterface(this.settings.interfaceAddress);
        socket.on('error', () => {});
        resolve(socket);
      });
    });
    return this.socket;
  }
}
