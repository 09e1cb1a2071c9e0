import { eventCatalogue } from '../../domain/events/catalogue.js';
import { defineUpcasters, type UpcastStep } from '../../domain/events/upcasters.js';

/**
 * A test-only upcaster registry. No real event has changed shape yet, so the upcasting
 * tests use a made-up history in which today's catalogue is version 3:
 * - version 1 wrote SessionOpened with `client: "address:port"`;
 * - version 2 split it into clientAddress and clientPort, and wrote SessionSampled as
 *   {bytes, packets, loss} (loss a fraction);
 * - version 3 (today) writes a missing user agent as null rather than "", and
 *   SessionSampled as {bytesSent, packetsSent, lossPercent}.
 */
export const splitClient: UpcastStep = (v1) => {
  const { client, ...rest } = v1;
  const text = String(client);
  const colon = text.lastIndexOf(':');
  if (colon < 0) throw new Error(`client ${JSON.stringify(client)} has no port`);
  return { ...rest, clientAddress: text.slice(0, colon), clientPort: Number(text.slice(colon + 1)) };
};
export const nullUserAgent: UpcastStep = (v2) => ({ ...v2, userAgent: v2.userAgent === '' ? null : v2.userAgent });
export const renameCounters: UpcastStep = (v2) => ({
  bytesSent: v2.bytes,
  packetsSent: v2.packets,
  lossPercent: typeof v2.loss === 'number' ? v2.loss * 100 : null,
});

export const testUpcasters = defineUpcasters({
  currentVersion: 3,
  schemas: eventCatalogue,
  steps: {
    SessionOpened: { 1: splitClient, 2: nullUserAgent },
    SessionSampled: { 2: renameCounters },
  },
});
