/** The RTP-Info header (RFC 2326 §12.33): per stream, its URL and first seq/rtptime. */
export interface RtpInfoEntry {
  readonly url: string;
  readonly seq?: number;
  readonly rtptime?: number;
  readonly ssrc?: string;
}

export function formatRtpInfo(entries: readonly RtpInfoEntry[]): string {
  return entries
    .map((e) => {
      let text = `url=${e.url}`;
      if (e.seq !== undefined) text += `;seq=${e.seq}`;
      if (e.ssrc !== undefined) text += `;ssrc=${e.ssrc}`;
      if (e.rtptime !== undefined) text += `;rtptime=${e.rtptime}`;
      return text;
    })
    .join(',');
}

/**
 * Parses RTP-Info. URLs may themselves contain commas and semicolons in query
 * strings, so a new entry starts only at `,url=`.
 */
export function parseRtpInfo(value: string): RtpInfoEntry[] {
  return value
    .split(/,\s*(?=url=)/i)
    .map((entry) => {
      const fields = new Map<string, string>();
      let url = '';
      for (const part of entry.split(/;(?=\s*(?:seq|rtptime|ssrc)=)/i)) {
        const eq = part.indexOf('=');
        if (eq < 0) continue;
        const key = part.slice(0, eq).trim().toLowerCase();
        const val = part.slice(eq + 1).trim();
        if (key === 'url') url = val;
        else fields.set(key, val);
      }
      const seq = fields.get('seq');
      const rtptime = fields.get('rtptime');
      const ssrc = fields.get('ssrc');
      return {
        url,
        ...(seq !== undefined && /^\d+$/.test(seq) ? { seq: Number(seq) } : {}),
        ...(rtptime !== undefined && /^\d+$/.test(rtptime) ? { rtptime: Number(rtptime) } : {}),
        ...(ssrc !== undefined ? { ssrc } : {}),
      };
    })
    .filter((e) => e.url !== '');
}
