import { RtspError, type ConnectionRef } from '../../actors/rtspSession/sessionMedia.js';

/**
 * Who may broadcast before access control files are consulted: loopback clients and
 * addresses matching the allow-list (`127.0.0.*` style, `*` standing for one or more
 * characters). Everyone else is refused until they authenticate.
 */
export function addressMatches(address: string, pattern: string): boolean {
  const plain = address.replace(/^::ffff:/, '');
  const regex = new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.+')}$`);
  return regex.test(plain);
}

export function isLoopback(address: string): boolean {
  const plain = address.replace(/^::ffff:/, '');
  return plain === '::1' || plain.startsWith('127.');
}

export function loopbackOrAllowList(allowList: readonly string[]): (path: string, origin: ConnectionRef) => void {
  return (path, origin) => {
    if (isLoopback(origin.remoteAddress)) return;
    if (allowList.some((pattern) => addressMatches(origin.remoteAddress, pattern))) return;
    throw new RtspError(403, `${origin.remoteAddress} may not broadcast to ${path}`);
  };
}
