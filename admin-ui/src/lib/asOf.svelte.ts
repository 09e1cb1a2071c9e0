/**
 * The moment every page shows: null for live, else a past time whose views are
 * rebuilt from the events (GET /api/views/<name>?at=…).
 */
export const asOf = $state<{ at: number | null }>({ at: null });

export function showAsOf(ms: number | null): void {
  asOf.at = ms === null ? null : Math.min(ms, Date.now());
}
