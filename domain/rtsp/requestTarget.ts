/**
 * Resolves a request URI to the presentation it names and, for per-track URLs, the
 * track. Real clients vary: ffmpeg appends the control after a query string
 * (`/movie.mp4?x=y/trackID=1`), some send `//`, QuickTime uses absolute URLs, tests
 * sometimes send bare paths. Hostile paths (`..`, encoded slashes, NUL, backslashes)
 * are refused here so no caller can forget to.
 */
export type RequestTarget =
  | { readonly kind: 'star' }
  | {
      readonly kind: 'path';
      /** Decoded presentation path segments, e.g. ['folder', 'movie.mp4']. */
      readonly segments: readonly string[];
      /** Segments joined with '/', no leading slash. */
      readonly path: string;
      readonly query: string | null;
      /** From a trailing `trackID=N` / `streamid=N` segment. */
      readonly track: number | null;
      /** The URI as sent, less the track segment and any trailing slash: the Content-Base root. */
      readonly presentationUri: string;
    };

export type RequestTargetResult =
  | { readonly ok: true; readonly target: RequestTarget }
  | { readonly ok: false; readonly hostile: boolean; readonly reason: string };

const TRACK_SUFFIX = /\/(?:trackID|streamid|stream)=(\d{1,9})\/?$/i;

export function parseRequestTarget(uri: string): RequestTargetResult {
  if (uri === '*') return { ok: true, target: { kind: 'star' } };
  let rest: string;
  const absolute = /^(?:rtsp[su]?|https?):\/\/[^/?#]*(.*)$/i.exec(uri);
  if (absolute) rest = absolute[1] === '' ? '/' : absolute[1]!;
  else if (uri.startsWith('/')) rest = uri;
  else return { ok: false, hostile: false, reason: `malformed URI ${uri.slice(0, 80)}` };

  let track: number | null = null;
  let presentationUri = uri;
  const trackMatch = TRACK_SUFFIX.exec(rest);
  if (trackMatch) {
    track = Number(trackMatch[1]);
    rest = rest.slice(0, trackMatch.index);
    presentationUri = uri.slice(0, uri.length - trackMatch[0].length);
  }
  presentationUri = presentationUri.replace(/\/+$/, '');

  const hash = rest.indexOf('#');
  if (hash >= 0) rest = rest.slice(0, hash);
  const q = rest.indexOf('?');
  const query = q >= 0 ? rest.slice(q + 1) : null;
  const rawPath = q >= 0 ? rest.slice(0, q) : rest;

  const segments: string[] = [];
  for (const raw of rawPath.split('/')) {
    if (raw === '') continue;
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return { ok: false, hostile: true, reason: `bad percent-encoding in ${raw.slice(0, 80)}` };
    }
    if (segment === '.' || segment === '..' || /[\\/\0]/.test(segment)) {
      return { ok: false, hostile: true, reason: `refused path segment ${JSON.stringify(segment.slice(0, 80))}` };
    }
    segments.push(segment);
  }
  return { ok: true, target: { kind: 'path', segments, path: segments.join('/'), query, track, presentationUri } };
}
