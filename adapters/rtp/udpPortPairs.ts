import { UdpPortPair } from './udpPortPair.js';

/**
 * One shared RTP/RTCP pair per listen address (IPv4 and IPv6 side by side). A
 * session uses the pair bound to the address its RTSP connection arrived on, or the
 * wildcard pair of the same family.
 */
export class UdpPortPairs {
  private constructor(private readonly pairs: ReadonlyMap<string, UdpPortPair>) {}

  /** Binds a pair on each address it can; an address that fails is reported, none bound is an error. */
  static async bind(addresses: readonly string[], port: number, onFailure: (address: string, error: unknown) => void): Promise<UdpPortPairs> {
    const pairs = new Map<string, UdpPortPair>();
    for (const address of addresses) {
      try {
        pairs.set(address, await UdpPortPair.bind(address, port));
      } catch (error) {
        onFailure(address, error);
      }
    }
    if (pairs.size === 0) throw new Error(`no UDP port pair could be bound on ${addresses.join(', ')}`);
    return new UdpPortPairs(pairs);
  }

  forLocalAddress(localAddress: string): UdpPortPair | null {
    const exact = this.pairs.get(localAddress);
    if (exact) return exact;
    const v6 = localAddress.includes(':');
    return this.pairs.get(v6 ? '::' : '0.0.0.0') ?? null;
  }

  /** The first pair's RTP port (for logs). */
  get ports(): string {
    return [...this.pairs.entries()].map(([address, pair]) => `${address.includes(':') ? `[${address}]` : address}:${pair.rtpPort}-${pair.rtcpPort}`).join(', ');
  }

  get first(): UdpPortPair {
    return this.pairs.values().next().value as UdpPortPair;
  }

  close(): void {
    for (const pair of this.pairs.values()) pair.close();
  }
}
