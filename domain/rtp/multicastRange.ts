/** The n-th address of an IPv4 CIDR range (skipping the network address), or null past its end. */
export function addressInRange(cidr: string, n: number): string | null {
  const [base, bitsText] = cidr.split('/');
  const bits = Number(bitsText);
  const parts = (base ?? '').split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !(p >= 0 && p <= 255)) || !(bits >= 0 && bits <= 32)) return null;
  const size = 2 ** (32 - bits);
  if (n < 0 || n + 1 >= size) return null;
  const start = ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
  const network = bits === 0 ? 0 : (start & (0xffffffff << (32 - bits))) >>> 0;
  const address = (network + n + 1) >>> 0;
  return [address >>> 24, (address >>> 16) & 255, (address >>> 8) & 255, address & 255].join('.');
}
