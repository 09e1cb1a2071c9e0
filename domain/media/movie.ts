/**
 * The model of a parsed QuickTime/MP4 movie: what the server needs to stream it.
 * Produced by domain/media/mp4/parseMovie.ts from the bytes of the `moov` box; the
 * sample data itself stays in the file and is read by the adapters.
 */

/** Per-sample tables, flattened from stsz/stco/co64/stsc/stts/ctts/stss for O(1) access. */
export interface SampleTable {
  readonly count: number;
  /**
   * Absolute byte offset of each sample in its file (Float64 so files > 4 GiB work). Once
   * placed for streaming (movieDataSpace.ts), samples kept in files beside a reference
   * movie have positions whose window also says which file.
   */
  readonly offsets: Float64Array;
  readonly sizes: Uint32Array;
  /** Decode time of each sample, in the track's timescale. */
  readonly decodeTimes: Float64Array;
  /** Composition offset (ctts) of each sample, in the track's timescale; all 0 without ctts. */
  readonly compositionOffsets: Int32Array;
  /** Duration of each sample in the track's timescale. */
  readonly durations: Uint32Array;
  /**
   * 0-based indexes (into these arrays, unlike stss's 1-based numbers) of sync samples in
   * ascending order, or null when every sample is a sync sample (no stss).
   */
  readonly syncSamples: Uint32Array | null;
  /** Index of the sample whose data reference (stsd index) applies; 1-based like stsc. */
  readonly descriptionIndexes: Uint16Array;
  /**
   * The chunks of stco/co64 as the samples fill them: the 0-based index of each chunk's
   * first sample (ascending) and its file offset. Hint constructors with compressed
   * blocks count bytes from the start of a chunk. Absent in synthesized tables.
   */
  readonly chunkFirstSamples?: Uint32Array;
  readonly chunkOffsets?: Float64Array;
}

export type TrackKind = 'video' | 'audio' | 'hint' | 'text' | 'other';

/** Codec-specific configuration read from the sample description (stsd). */
export interface SampleDescription {
  /** Four-character code of the sample entry: 'avc1', 'avc3', 'mp4a', 'hvc1', 'rtp ', ... */
  readonly format: string;
  /** Video only. */
  readonly width?: number;
  readonly height?: number;
  /** Audio only. */
  readonly channelCount?: number;
  readonly sampleRate?: number;
  readonly sampleSize?: number;
  /** H.264: the raw avcC record. */
  readonly avcConfig?: Buffer;
  /** AAC and other MPEG-4 audio: the DecoderSpecificInfo (AudioSpecificConfig) from esds. */
  readonly audioSpecificConfig?: Buffer;
  /** MPEG-4 object type indication from esds (0x40 = MPEG-4 audio, ...). */
  readonly objectTypeIndication?: number;
  /** RTP hint entries ('rtp '/'srtp'): the largest packet the hinter produced. */
  readonly maxPacketSize?: number;
  /** Every child box of the sample entry by type, raw bodies, for codecs handled later. */
  readonly extensions: ReadonlyMap<string, Buffer>;
  /** 1-based index into the track's data references (dref) where samples of this description live. */
  readonly dataReferenceIndex?: number;
  /** The whole sample entry, header included: what hint sample-description constructors copy from. */
  readonly raw?: Buffer;
  /**
   * QuickTime sound description v2 (lpcm) format flags: 1 float, 2 big-endian, 4 signed
   * integer; ISO 'ipcm' (pcmC) is mapped to the same bits.
   */
  readonly pcmFormatFlags?: number;
}

/**
 * Where a track's samples live (QuickTime/ISO data reference, 'dref'): in the movie file
 * itself, or in another file that must sit beside the movie. Remote, unreadable or
 * path-naming references are kept with the reason, so a DESCRIBE of a movie whose
 * streamed tracks need them can say why it is refused.
 */
export type DataReference =
  | { readonly kind: 'self' }
  | { readonly kind: 'file'; readonly type: string; readonly fileName: string }
  | { readonly kind: 'unresolvable'; readonly type: string; readonly reason: string };

export interface MovieTrack {
  readonly id: number;
  readonly kind: TrackKind;
  /** The hdlr handler type, e.g. 'vide', 'soun', 'hint'. */
  readonly handler: string;
  readonly timescale: number;
  /** Media duration in the track's timescale (mdhd). */
  readonly duration: number;
  readonly descriptions: readonly SampleDescription[];
  readonly samples: SampleTable;
  /** Track ids this track references through tref, by reference type (e.g. 'hint' -> [1]). */
  readonly references: ReadonlyMap<string, readonly number[]>;
  /** Raw bodies of boxes of interest under the track's udta (e.g. 'hnti' for hint SDP). */
  readonly userData: ReadonlyMap<string, Buffer>;
  /**
   * The dref entries (indexed by a description's dataReferenceIndex - 1). Absent when the
   * track has no readable dref, which means every sample is in the movie file.
   */
  readonly dataReferences?: readonly DataReference[];
}

export interface Movie {
  /** Movie timescale (mvhd). */
  readonly timescale: number;
  /** Movie duration in the movie timescale (mvhd). */
  readonly duration: number;
  readonly tracks: readonly MovieTrack[];
  /** Raw bodies of boxes of interest under moov/udta (e.g. 'hnti' holding the movie SDP 'rtp '). */
  readonly userData: ReadonlyMap<string, Buffer>;
}

/** A movie the server cannot use, with the box where parsing failed (for 415 and the error event). */
export class MovieFormatError extends Error {
  constructor(
    message: string,
    readonly box: string,
  ) {
    super(message);
    this.name = 'MovieFormatError';
  }
}
