/**
 * A packetizer turns one media sample into RTP payloads for one codec. Payloads are
 * lists of Buffer chunks so sample bytes are never copied: the sender writes the RTP
 * header and hands all chunks to the socket in one scatter/gather call.
 */
export interface RtpPayload {
  readonly chunks: readonly Buffer[];
  /** The RTP marker bit: set on the last packet of a video frame (and per codec rules). */
  readonly marker: boolean;
  /**
   * RTP clock units to add to the sample's timestamp for this packet; absent means 0.
   * Only codecs whose one sample becomes packets of different times use it: PCM split
   * into packets of about 20 ms advances the timestamp by the frames already sent.
   */
  readonly timestampOffset?: number;
}

export interface Packetizer {
  /** RTP payload type to use (dynamic 96+ for most codecs). */
  readonly payloadType: number;
  /** RTP clock rate in Hz. */
  readonly clockRate: number;
  /** SDP media type: 'video' or 'audio'. */
  readonly mediaType: 'video' | 'audio';
  /** `a=rtpmap:` value without the payload type prefix, e.g. 'H264/90000'. */
  readonly rtpmap: string;
  /** `a=fmtp:` value without the payload type prefix, or null when the codec has none. */
  readonly fmtp: string | null;
  /** Extra SDP attribute lines for this media (without 'a='), e.g. framesize. */
  readonly extraAttributes: readonly string[];
  /** Splits one sample into payloads no larger than maxPayloadSize bytes each. */
  packetize(sample: Buffer, maxPayloadSize: number): RtpPayload[];
}
