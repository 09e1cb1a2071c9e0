/**
 * Parses a session description (RFC 4566) from a broadcaster's ANNOUNCE or an .sdp
 * file. Strict on structure (every line `x=value`, `v=0` first, `m=` lines well
 * formed) so a bad description is refused naming its line; lenient on content
 * (unknown attributes and payload types are kept as they are, to be relayed).
 */
export interface ParsedSdpMedia {
  readonly type: string;
  readonly port: number;
  /** Number of ports from `m=<type> <port>/<count>`; 1 when not given. */
  readonly portCount: number;
  readonly protocol: string;
  readonly formats: readonly string[];
  /** c= address of this media, or of the session. */
  readonly connectionAddress: string | null;
  readonly ttl: number | null;
  readonly control: string | null;
  /** Attribute lines without `a=`. */
  readonly attributes: readonly string[];
  /** The lines of this media section as written (from m= on), for re-serving. */
  readonly lines: readonly string[];
}

export interface ParsedSdp {
  readonly sessionName: string;
  readonly connectionAddress: string | null;
  readonly ttl: number | null;
  readonly control: string | null;
  /** Session-level lines (before the first m=), as written. */
  readonly sessionLines: readonly string[];
  readonly media: readonly ParsedSdpMedia[];
}

export type SdpParseResult = { ok: true; sdp: ParsedSdp } | { ok: false; line: number; error: string };

function parseConnection(value: string): { address: string; ttl: number | null } | null {
  const m = /^IN IP[46] ([^/\s]+)(?:\/(\d+))?(?:\/\d+)?$/.exec(value.trim());
  if (!m) return null;
  return { address: m[1]!, ttl: m[2] === undefined ? null : Number(m[2]) };
}

const MAX_LINES = 2000;

export function parseSdp(text: string): SdpParseResult {
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (lines.length === 0) return { ok: false, line: 1, error: 'empty description' };
  if (lines.length > MAX_LINES) return { ok: false, line: MAX_LINES + 1, error: `more than ${MAX_LINES} lines` };

  let sessionName = '';
  let session: { address: string; ttl: number | null } | null = null;
  let sessionControl: string | null = null;
  const sessionLines: string[] = [];
  const media: Array<{ type: string; port: number; portCount: number; protocol: string; formats: string[]; connection: { address: string; ttl: number | null } | null; control: string | null; attributes: string[]; lines: string[] }> = [];

  for (let i = 0; i < lines.length; i++) {
    const number = i + 1;
    const line = lines[i]!;
    if (!/^[a-z]=/.test(line)) return { ok: false, line: number, error: `expected "<letter>=<value>", got ${JSON.stringify(line.slice(0, 60))}` };
    if (i === 0 && line !== 'v=0') return { ok: false, line: 1, error: 'a description starts with v=0' };
    const key = line[0]!;
    const value = line.slice(2);
    const current = media[media.length - 1];
    if (key === 'm') {
      const m = /^(\w+) (\d{1,5})(?:\/(\d+))? (\S+) (.+)$/.exec(value);
      if (!m || Number(m[2]) > 65535) return { ok: false, line: number, error: `malformed media line ${JSON.stringify(line.slice(0, 80))}` };
      media.push({
        type: m[1]!,
        port: Number(m[2]),
        portCount: m[3] === undefined ? 1 : Number(m[3]),
        protocol: m[4]!,
        formats: m[5]!.trim().split(/\s+/),
        connection: null,
        control: null,
        attributes: [],
        lines: [line],
      });
      continue;
    }
    if (current) current.lines.push(line);
    else sessionLines.push(line);
    if (key === 's' && !current) sessionName = value;
    if (key === 'c') {
      const connection = parseConnection(value);
      if (!connection) return { ok: false, line: number, error: `malformed connection line ${JSON.stringify(line.slice(0, 80))}` };
      if (current) current.connection = connection;
      else session = connection;
    }
    if (key === 'a') {
      if (current) current.attributes.push(value);
      if (value.startsWith('control:')) {
        if (current) current.control = value.slice(8).trim();
        else sessionControl = value.slice(8).trim();
      }
    }
  }
  return {
    ok: true,
    sdp: {
      sessionName,
      connectionAddress: session?.address ?? null,
      ttl: session?.ttl ?? null,
      control: sessionControl,
      sessionLines,
      media: media.map((m) => ({
        type: m.type,
        port: m.port,
        portCount: m.portCount,
        protocol: m.protocol,
        formats: m.formats,
        connectionAddress: m.connection?.address ?? session?.address ?? null,
        ttl: m.connection?.ttl ?? session?.ttl ?? null,
        control: m.control,
        attributes: m.attributes,
        lines: m.lines,
      })),
    },
  };
}
