import type { ParsedSdp } from './parseSdp.js';

/**
 * The description readers of a live path get: the broadcaster's media sections as
 * they were announced (codecs, fmtp, unknown payloads untouched), with our own
 * origin, aggregate control, and `trackID=N` controls.
 */
export function buildLiveSdp(announced: ParsedSdp, params: { path: string; serverAddress: string; sessionId: number }): string {
  const lines = [
    'v=0',
    `o=StreamingServer ${Math.floor(params.sessionId)} ${Math.floor(params.sessionId)} IN ${params.serverAddress.includes(':') ? 'IP6' : 'IP4'} ${params.serverAddress}`,
    `s=${announced.sessionName || params.path}`,
    'c=IN IP4 0.0.0.0',
    't=0 0',
    'a=control:*',
    'a=range:npt=now-',
  ];
  announced.media.forEach((media, index) => {
    lines.push(`m=${media.type} 0 ${media.protocol} ${media.formats.join(' ')}`);
    for (const line of media.lines.slice(1)) {
      if (line.startsWith('c=') || line.startsWith('a=control:') || line.startsWith('a=sendonly') || line.startsWith('a=recvonly')) continue;
      lines.push(line);
    }
    lines.push(`a=control:trackID=${index + 1}`);
  });
  return `${lines.join('\r\n')}\r\n`;
}

/** The encoding name of a media section (from rtpmap, or the static payload type). */
export function encodingOf(media: { formats: readonly string[]; attributes: readonly string[] }): string {
  const pt = media.formats[0] ?? '';
  const rtpmap = media.attributes.find((a) => a.startsWith(`rtpmap:${pt} `));
  if (rtpmap) return rtpmap.slice(`rtpmap:${pt} `.length).split('/')[0]!;
  return `PT${pt}`;
}
