/**
 * What a reader needs from a DESCRIBE answer: each media section's control URL and RTP
 * clock rate. (The domain's SDP module only writes SDP; a player only needs this much.)
 */
export interface SdpTrack {
  readonly mediaType: string;
  /** Absolute URL to SETUP. */
  readonly url: string;
  readonly clockRate: number;
}

export function tracksOf(sdp: string, baseUrl: string): SdpTrack[] {
  const tracks: Array<{ mediaType: string; control: string | null; clockRate: number }> = [];
  let current: { mediaType: string; control: string | null; clockRate: number } | null = null;
  for (const raw of sdp.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith('m=')) {
      current = { mediaType: line.slice(2).split(' ')[0] ?? '', control: null, clockRate: 90_000 };
      tracks.push(current);
    } else if (current && line.startsWith('a=control:')) {
      current.control = line.slice('a=control:'.length).trim();
    } else if (current && line.startsWith('a=rtpmap:')) {
      const m = /^a=rtpmap:\d+\s+[^/]+\/(\d+)/.exec(line);
      if (m) current.clockRate = Number(m[1]);
    }
  }
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  return tracks.map((t, i) => {
    const control = t.control ?? `trackID=${i + 1}`;
    const url = /^rtsp:\/\//i.test(control) ? control : control === '*' ? baseUrl : base + control;
    return { mediaType: t.mediaType, url, clockRate: t.clockRate };
  });
}
