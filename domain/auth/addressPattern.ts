/**
 * Client addresses and the patterns of the broadcast allow-list. Patterns, as QTSS
 * wrote them and a little more:
 *   127.0.0.*      IPv4 with `*` octets (trailing octets may be left out: `10.*`)
 *   192.168.1.20   one IPv4 address
 *   10.0.0.0/8     IPv4 CIDR
 *   ::1, fe80::/10 IPv6 address or CIDR
 *   *              every address
 * IPv4-mapped IPv6 client addresses (`::ffff:127.0.0.1`, what a dual-stack socket
 * reports) are matched as the IPv4 address they carry; zone ids (`%eth0`) are ignored.
 */
export type ParsedAddress = { readonly family: 4; readonly bytes: readonly number[] } | { readonly family: 6; readonly bytes: readonly number[] };

export type AddressPattern =
  | { readonly kind: 'any'; readonly text: string }
  | { readonly kind: 'prefix'; readonly family: 4 | 6; readonly bytes: readonly number[]; readonly bits: number; readonly text: string };

function parseIpv4(text: string): number[] | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  const bytes: number[] = [];
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return null;
    const value = Number(part);
    if (value > 255) return null;
    bytes.push(value);
  }
  return bytes;
}

function parseIpv6(text: string): number[] | null {
  if (text.length === 0 || text.length > 45) return null;
  let head = text;
  let tailV4: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (lastColon >= 0 && text.slice(lastColon + 1).includes('.')) {
    const v4 = parseIpv4(text.slice(lastColon + 1));
    if (!v4) return null;
    tailV4 = v4;
    head = text.slice(0, lastColon + 1);
    // `head` ends with the colon before the IPv4 part; keep it only when it is `::`.
    if (!head.endsWith('::')) head = head.slice(0, -1);
  }
  const groupsNeeded = tailV4.length ? 6 : 8;
  const double = head.indexOf('::');
  if (double !== head.lastIndexOf('::')) return null;
  const toGroups = (part: string): number[] | null => {
    if (part === '') return [];
    const out: number[] = [];
    for (const group of part.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return null;
      out.push(parseInt(group, 16));
    }
    return out;
  };
  let groups: number[];
  if (double >= 0) {
    const left = toGroups(head.slice(0, double));
    const right = toGroups(head.slice(double + 2));
    if (!left || !right || left.length + right.length > groupsNeeded - 1) return null;
    groups = [...left, ...new Array<number>(groupsNeeded - left.length - right.length).fill(0), ...right];
  } else {
    const all = toGroups(head);
    if (!all || all.length !== groupsNeeded) return null;
    groups = all;
  }
  const bytes: number[] = [];
  for (const group of groups) bytes.push(group >> 8, group & 0xff);
  return [...bytes, ...tailV4];
}

/** Parses a client address; IPv4-mapped IPv6 becomes IPv4. Null when not an IP address. */
export function parseAddress(address: string): ParsedAddress | null {
  let text = address.trim();
  if (text.startsWith('[') && text.endsWith(']')) text = text.slice(1, -1);
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  const v4 = parseIpv4(text);
  if (v4) return { family: 4, bytes: v4 };
  const v6 = parseIpv6(text);
  if (!v6) return null;
  const mapped = v6.slice(0, 10).every((b) => b === 0) && v6[10] === 0xff && v6[11] === 0xff;
  if (mapped) return { family: 4, bytes: v6.slice(12) };
  return { family: 6, bytes: v6 };
}

/** 127.0.0.0/8, ::1 (and IPv4-mapped loopback). */
export function isLoopbackAddress(address: string): boolean {
  const parsed = parseAddress(address);
  if (!parsed) return false;
  if (parsed.family === 4) return parsed.bytes[0] === 127;
  return parsed.bytes.slice(0, 15).every((b) => b === 0) && parsed.bytes[15] === 1;
}

export function parseAddressPattern(text: string): AddressPattern | null {
  const pattern = text.trim();
  if (pattern === '*') return { kind: 'any', text: pattern };
  const slash = pattern.indexOf('/');
  if (slash >= 0) {
    const base = parseAddress(pattern.slice(0, slash));
    const bitsText = pattern.slice(slash + 1);
    if (!base || !/^\d{1,3}$/.test(bitsText)) return null;
    const bits = Number(bitsText);
    if (bits > base.bytes.length * 8) return null;
    return { kind: 'prefix', family: base.family, bytes: base.bytes, bits, text: pattern };
  }
  if (pattern.includes('*')) {
    const parts = pattern.split('.');
    if (parts.length > 4) return null;
    const star = parts.indexOf('*');
    // Every part after the first `*` must be `*`; missing trailing parts count as `*`.
    if (star < 0 || parts.slice(star).some((p) => p !== '*')) return null;
    const fixed = parts.slice(0, star);
    const bytes: number[] = [];
    for (const part of fixed) {
      if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return null;
      bytes.push(Number(part));
    }
    while (bytes.length < 4) bytes.push(0);
    return { kind: 'prefix', family: 4, bytes, bits: fixed.length * 8, text: pattern };
  }
  const exact = parseAddress(pattern);
  if (!exact) return null;
  return { kind: 'prefix', family: exact.family, bytes: exact.bytes, bits: exact.bytes.length * 8, text: pattern };
}

export function addressMatches(pattern: AddressPattern, address: string): boolean {
  if (pattern.kind === 'any') return parseAddress(address) !== null;
  const parsed = parseAddress(address);
  if (!parsed || parsed.family !== pattern.family) return false;
  let bits = pattern.bits;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((parsed.bytes[i]! & mask) !== (pattern.bytes[i]! & mask)) return false;
  }
  return true;
}

/** Parses a list of patterns; the ones that do not parse are returned apart, never matched. */
export function parseAddressPatterns(texts: readonly string[]): { patterns: AddressPattern[]; invalid: string[] } {
  const patterns: AddressPattern[] = [];
  const invalid: string[] = [];
  for (const text of texts) {
    const pattern = parseAddressPattern(text);
    if (pattern) patterns.push(pattern);
    else invalid.push(text);
  }
  return { patterns, invalid };
}
