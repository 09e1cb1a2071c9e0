import { storeAppend, storeGrpc, storeReplay } from './eventStoreThroughput.js';
import { liveFanOut } from './liveFanOut.js';
import { loopbackFloor } from './loopbackFloor.js';
import { memoryPerSession } from './memoryPerSession.js';
import { onDemandFanOut } from './onDemandFanOut.js';
import type { Scenario } from './scenario.js';
import { setupRate } from './setupRate.js';

/**
 * Every scenario, in the order `npm run bench` runs them. A new scenario is a module
 * exporting a Scenario and one line here.
 */
export const scenarios: readonly Scenario[] = [
  onDemandFanOut('UDP'),
  onDemandFanOut('TCP'),
  setupRate,
  memoryPerSession,
  storeAppend,
  storeReplay,
  storeGrpc,
  // Skip themselves (with the reason) while the server answers ANNOUNCE with 501.
  liveFanOut('UDP'),
  liveFanOut('TCP'),
  // No server: what one packet over loopback costs this machine at the least.
  loopbackFloor,
];
