/**
 * QuickTime's `a=framesize:<pt> <width>-<height>` SDP attribute, which QuickTime
 * players use to size the window before the first frame; none when the size is unknown.
 */
export function framesizeAttributes(payloadType: number, width: number | undefined, height: number | undefined): string[] {
  return width !== undefined && height !== undefined && width > 0 && height > 0 ? [`framesize:${payloadType} ${width}-${height}`] : [];
}
