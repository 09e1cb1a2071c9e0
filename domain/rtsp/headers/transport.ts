/**
 * The Transport header (RFC 2326 §12.39): a comma-separated list of transports the
 * client accepts, in order of preference, each `RTP/AVP[/UDP|/TCP]` plus parameters.
 * Parsing is lenient where real clients differ (ffmpeg says `RTP/AVP/UDP`, QuickTime
 * `RTP/AVP`, some send `mode=play` unquoted) and strict where a wrong value would
 * misdirect media (port ranges, channel numbers).
 */
export interface TransportSpec {
  /** e.g. 'RTP/AVP', 'RTP/AVPF', 'RTP/SAVP' (without the lower transport). */
  readonly profile: string;
  readonly lowerTransport: 'UDP' | 'TCP';
  readonly delivery?: 'unicast' | 'multicast';
  readonly destination?: string;
  readonly source?: string;
  readonly interleaved?: readonly [number, number];
  readonly clientPort?: readonly [number, number];
  readonly serverPort?: readonly [number, number];
  /** Multicast port pair. */
  readonly port?: readonly [number, number];
  readonly ttl?: number;
  readonly ssrc?: string;
  /** Upper-cased, unquoted: 'PLAY', 'RECORD'. */
  readonly mode?: string;
  readonly append?: boolean;
  /** Parameters we do not interpret, kept so they can be echoed. */
  readonly extensions: ReadonlyArray<readonly [string, string | undefined]>;
}

export type TransportParseResult = { ok: true; spec: TransportSpec } | { ok: false; error: string };

/** Splits on commas outside double quotes. */
function splitOutsideQuotes(text: string, separator: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    if (ch === separator && !quoted) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  return parts;
}

function parsePortRange(value: string): readonly [number, number] | null {
  const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(value.trim());
  if (!m) return null;
  const low = Number(m[1]);
  const high = m[2] === undefined ? low + 1 : Number(m[2]);
  if (low > 65535 || high > 65535 || high < low) return null;
  return [low, high];
}

function parseChannelRange(value: string): readonly [number, number] | null {
  const range = parsePortRange(value);
  if (range === null || range[0] > 255 || range[1] > 255) return null;
  return range;
}

export function parseTransport(entry: string): TransportParseResult {
  const params = splitOutsideQuotes(entry.trim(), ';').map((p) => p.trim()).filter((p) => p !== '');
  const head = params.shift();
  if (head === undefined) return { ok: false, error: 'empty transport' };
  const protocol = /^(RTP\/[A-Z]+)(?:\/(UDP|TCP))?$/i.exec(head);
  if (!protocol) return { ok: false, error: `unknown transport protocol ${head}` };
  const spec: {
    -readonly [K in keyof TransportSpec]: TransportSpec[K];
  } = {
    profile: protocol[1]!.toUpperCase(),
    lowerTransport: (protocol[2]?.toUpperCase() ?? 'UDP') as 'UDP' | 'TCP',
    extensions: [],
  };
  const extensions: Array<[string, string | undefined]> = [];
  for (const param of params) {
    const eq = param.indexOf('=');
    const key = (eq < 0 ? param : param.slice(0, eq)).trim().toLowerCase();
    const raw = eq < 0 ? undefined : param.slice(eq + 1).trim();
    const value = raw?.replace(/^"(.*)"$/, '$1');
    switch (key) {
      case 'unicast':
      case 'multicast':
        spec.delivery = key;
        break;
      case 'destination':
        if (value) spec.destination = value;
        break;
      case 'source':
        if (value) spec.source = value;
        break;
      case 'interleaved': {
        const range = value === undefined ? null : parseChannelRange(value);
        if (!range) return { ok: false, error: `bad interleaved=${value ?? ''}` };
        spec.interleaved = range;
        break;
      }
      case 'client_port':
      case 'server_port':
      case 'port': {
        const range = value === undefined ? null : parsePortRange(value);
        if (!range) return { ok: false, error: `bad ${key}=${value ?? ''}` };
        if (key === 'client_port') spec.clientPort = range;
        else if (key === 'server_port') spec.serverPort = range;
        else spec.port = range;
        break;
      }
      case 'ttl': {
        if (value === undefined || !/^\d{1,3}$/.test(value) || Number(value) > 255) return { ok: false, error: `bad ttl=${value ?? ''}` };
        spec.ttl = Number(value);
        break;
      }
      case 'ssrc':
        if (value === undefined || !/^[0-9a-fA-F]{1,8}$/.test(value)) return { ok: false, error: `bad ssrc=${value ?? ''}` };
        spec.ssrc = value.toUpperCase().padStart(8, '0');
        break;
      case 'mode':
        if (value) spec.mode = value.toUpperCase();
        break;
      case 'append':
        spec.append = true;
        break;
      default:
        extensions.push([key, raw]);
    }
  }
  spec.extensions = extensions;
  return { ok: true, spec };
}

/** Parses every entry of a Transport header; entries that do not parse are reported, not fatal. */
export function parseTransportList(header: string): { specs: TransportSpec[]; errors: string[] } {
  const specs: TransportSpec[] = [];
  const errors: string[] = [];
  for (const entry of splitOutsideQuotes(header, ',')) {
    if (entry.trim() === '') continue;
    const result = parseTransport(entry);
    if (result.ok) specs.push(result.spec);
    else errors.push(result.error);
  }
  return { specs, errors };
}

const range = (r: readonly [number, number]): string => `${r[0]}-${r[1]}`;

export function formatTransport(spec: TransportSpec): string {
  const parts: string[] = [spec.lowerTransport === 'TCP' ? `${spec.profile}/TCP` : spec.profile];
  if (spec.delivery) parts.push(spec.delivery);
  if (spec.destination) parts.push(`destination=${spec.destination}`);
  if (spec.source) parts.push(`source=${spec.source}`);
  if (spec.interleaved) parts.push(`interleaved=${range(spec.interleaved)}`);
  if (spec.port) parts.push(`port=${range(spec.port)}`);
  if (spec.ttl !== undefined) parts.push(`ttl=${spec.ttl}`);
  if (spec.clientPort) parts.push(`client_port=${range(spec.clientPort)}`);
  if (spec.serverPort) parts.push(`server_port=${range(spec.serverPort)}`);
  if (spec.ssrc) parts.push(`ssrc=${spec.ssrc}`);
  if (spec.mode) parts.push(`mode="${spec.mode}"`);
  if (spec.append) parts.push('append');
  return parts.join(';');
}
