/**
 * A session description (RFC 4566) as the server writes it for DESCRIBE. Only the
 * fields a streaming server emits are modelled; attribute lines are kept as text
 * because codecs add their own.
 */
export interface SdpMedia {
  readonly type: 'video' | 'audio' | 'application' | 'text';
  readonly port: number;
  readonly protocol: string;
  readonly formats: readonly number[];
  /** b=AS: in kbit/s. */
  readonly bandwidthKbps?: number;
  /** Attribute lines without the `a=` prefix. */
  readonly attributes: readonly string[];
}

export interface SessionDescription {
  readonly origin: { readonly username: string; readonly sessionId: string; readonly version: string; readonly address: string };
  readonly name: string;
  readonly information?: string;
  /** c= address, e.g. '0.0.0.0'. */
  readonly connectionAddress: string;
  readonly attributes: readonly string[];
  readonly media: readonly SdpMedia[];
}

/** Formats an SDP body with CRLF line ends. */
export function formatSdp(sd: SessionDescription): string {
  const addressType = sd.origin.address.includes(':') ? 'IP6' : 'IP4';
  const connectionType = sd.connectionAddress.includes(':') ? 'IP6' : 'IP4';
  const lines = [
    'v=0',
    `o=${sd.origin.username} ${sd.origin.sessionId} ${sd.origin.version} IN ${addressType} ${sd.origin.address}`,
    `s=${sd.name}`,
  ];
  if (sd.information) lines.push(`i=${sd.information}`);
  lines.push(`c=IN ${connectionType} ${sd.connectionAddress}`, 't=0 0');
  for (const a of sd.attributes) lines.push(`a=${a}`);
  for (const m of sd.media) {
    lines.push(`m=${m.type} ${m.port} ${m.protocol} ${m.formats.join(' ')}`);
    if (m.bandwidthKbps !== undefined) lines.push(`b=AS:${m.bandwidthKbps}`);
    for (const a of m.attributes) lines.push(`a=${a}`);
  }
  return `${lines.join('\r\n')}\r\n`;
}
