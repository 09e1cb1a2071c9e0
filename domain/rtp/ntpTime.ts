/** NTP timestamps (RFC 5905): seconds since 1900 with a 32-bit fraction. */
const NTP_UNIX_OFFSET_SECONDS = 2_208_988_800;

/** Splits a Unix time in ms into the NTP seconds and fraction words. */
export function ntpFromUnixMs(unixMs: number): { seconds: number; fraction: number } {
  const totalSeconds = unixMs / 1000 + NTP_UNIX_OFFSET_SECONDS;
  const seconds = Math.floor(totalSeconds);
  const fraction = Math.floor((totalSeconds - seconds) * 0x1_0000_0000);
  return { seconds: seconds >>> 0, fraction: fraction >>> 0 };
}

