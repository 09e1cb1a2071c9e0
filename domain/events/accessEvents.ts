import { z } from 'zod';

/** Access decisions worth keeping: every refusal, and every login, in `server-<node>`. */
export const AccessDenied = z.object({
  clientAddress: z.string(),
  url: z.string(),
  method: z.string(),
  action: z.enum(['READ', 'WRITE']),
  user: z.string().nullable(),
  status: z.number().int(),
  scheme: z.string().nullable(),
  reason: z.string(),
});

export const UserAuthenticated = z.object({
  clientAddress: z.string(),
  url: z.string(),
  method: z.string(),
  user: z.string(),
  scheme: z.enum(['basic', 'digest']),
});

export const accessEventSchemas = { AccessDenied, UserAuthenticated } as const;
