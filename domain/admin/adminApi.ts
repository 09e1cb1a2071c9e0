import { z } from 'zod';
import { VIEW_NAMES } from './views.js';

/**
 * Request shapes of the admin's REST and WebSocket API (README "Admin"). The server
 * validates every input with these; the UI imports the types.
 */
export const ADMIN_USER = 'streamingadmin';
export const DEFAULT_ADMIN_PASSWORD = 'default';

export const loginRequest = z
  .object({
    user: z.string().min(1).max(200),
    password: z.string().min(1).max(1000),
  })
  .strict();

export const passwordChangeRequest = z
  .object({
    current: z.string().min(1).max(1000),
    next: z
      .string()
      .min(8, 'at least 8 characters')
      .max(1000)
      .refine((p) => p !== DEFAULT_ADMIN_PASSWORD, 'must not be the default password'),
  })
  .strict();

/** An ISO 8601 time, or ms since the epoch. */
export const pastTime = z
  .string()
  .max(40)
  .transform((text, ctx) => {
    const ms = /^\d{1,15}$/.test(text) ? Number(text) : Date.parse(text);
    if (Number.isNaN(ms)) {
      ctx.addIssue({ code: 'custom', message: 'not a time: ISO 8601 (2026-11-25T10:00:00Z) or ms since the epoch' });
      return z.NEVER;
    }
    return ms;
  });

/** Endpoints that take no query (or body): anything given is refused by name. */
export const emptyObject = z.object({}).strict();

export const viewQuery = z.object({ at: pastTime.optional() }).strict();

export const movieQuery = z
  .object({
    movie: z
      .string()
      .min(1)
      .max(1000)
      .refine((p) => !p.split('/').some((s) => s === '..' || s === '.' || s === '') && !/[\\\0]/.test(p) && !p.startsWith('/'), 'a path inside the movies folder'),
  })
  .strict();

export const wsClientMessage = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('subscribe'),
      view: z.enum(VIEW_NAMES),
      /** How often updates may come; at least 250 ms (4 per second). */
      intervalMs: z.number().int().min(250).max(60_000).optional(),
    })
    .strict(),
  z.object({ type: z.literal('unsubscribe'), view: z.enum(VIEW_NAMES) }).strict(),
]);

export type LoginRequest = z.infer<typeof loginRequest>;
export type PasswordChangeRequest = z.infer<typeof passwordChangeRequest>;
export type WsClientMessage = z.infer<typeof wsClientMessage>;

export interface FieldIssue {
  readonly field: string;
  readonly message: string;
}

/** The 400 body: `field` names the first bad input, `issues` all of them. */
export interface BadRequestBody {
  readonly error: string;
  readonly field: string;
  readonly issues: readonly FieldIssue[];
}

export function fieldIssues(error: z.ZodError): FieldIssue[] {
  const issues: FieldIssue[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) issues.push({ field: [...issue.path, key].join('.'), message: 'not a known field' });
    } else {
      issues.push({ field: issue.path.join('.') || '(body)', message: issue.message });
    }
  }
  return issues;
}

export function badRequestBody(error: z.ZodError): BadRequestBody {
  const issues = fieldIssues(error);
  return { error: `invalid ${issues[0]?.field ?? 'input'}: ${issues[0]?.message ?? 'bad input'}`, field: issues[0]?.field ?? '(body)', issues };
}

export interface SessionInfo {
  readonly user: string;
  readonly csrfToken: string;
  readonly mustChangePassword: boolean;
}
