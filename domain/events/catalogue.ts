import type { z } from 'zod';
import { accessEventSchemas } from './accessEvents.js';
import { adminEventSchemas } from './adminEvents.js';
import { broadcastEventSchemas } from './broadcastEvents.js';
import { sessionEventSchemas } from './sessionEvents.js';

/** Every event type the server writes, with the zod schema its data must satisfy. */
export const eventCatalogue: Readonly<Record<string, z.ZodType>> = {
  ...sessionEventSchemas,
  ...broadcastEventSchemas,
  ...accessEventSchemas,
  ...adminEventSchemas,
};

/** Schema version of event data written by this build; recorded in metadata for upcasting. */
export const CURRENT_SCHEMA_VERSION = 1;

export class InvalidEventError extends Error {
  constructor(
    readonly eventType: string,
    readonly issues: string,
  ) {
    super(`event ${eventType} refused: ${issues}`);
    this.name = 'InvalidEventError';
  }
}

/** Validates event data against the catalogue; throws InvalidEventError, never appends garbage. */
export function validateEvent(type: string, data: unknown): unknown {
  const schema = eventCatalogue[type];
  if (!schema) throw new InvalidEventError(type, 'unknown event type');
  const result = schema.safeParse(data);
  if (!result.success) {
    throw new InvalidEventError(type, result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '));
  }
  return result.data;
}
