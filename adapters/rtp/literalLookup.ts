import dns from 'node:dns';
import net from 'node:net';

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string, family: number) => void;

/**
 * The `lookup` for media sockets. dgram resolves the destination of every send, and
 * dns.lookup answers even an IP literal on the next tick: an extra queued callback and
 * closure per packet. Destinations here are always the literal addresses of connected
 * clients, so they are answered at once; anything else still goes through dns.lookup.
 *
 * Answering synchronously means `listening` is emitted inside bind(): listen through
 * bind's callback (as UdpPortPair does), not an event handler added after the call.
 */
export function literalLookup(hostname: string, options: unknown, callback: LookupCallback): void {
  const family = net.isIP(hostname);
  if (family !== 0) {
    callback(null, hostname, family);
    return;
  }
  const wanted = typeof options === 'number' ? options : ((options as { family?: number } | undefined)?.family ?? 0);
  dns.lookup(hostname, { family: wanted }, (error, address, resolvedFamily) => callback(error, address, resolvedFamily));
}
