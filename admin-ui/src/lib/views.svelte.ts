import type { ViewDtos, ViewName } from '../../../domain/admin/views.js';
import { api } from './api';
import { asOf } from './asOf.svelte';
import { subscribe } from './liveSocket';

/**
 * A page's view: live over the WebSocket, or, when a moment is picked, rebuilt by
 * the server from the events up to then. Call from a component's script.
 */
export function useView<K extends ViewName>(name: K, intervalMs: () => number | undefined = () => undefined) {
  const state = $state<{ data: ViewDtos[K] | null; error: string | null; loading: boolean }>({ data: null, error: null, loading: true });

  $effect(() => {
    const at = asOf.at;
    const interval = intervalMs();
    state.loading = true;
    state.error = null;
    if (at !== null) {
      let cancelled = false;
      api<ViewDtos[K]>('GET', `/api/views/${name}?at=${encodeURIComponent(new Date(at).toISOString())}`)
        .then((data) => {
          if (!cancelled) {
            state.data = data;
            state.loading = false;
          }
        })
        .catch((error: Error) => {
          if (!cancelled) {
            state.error = error.message;
            state.loading = false;
          }
        });
      return () => {
        cancelled = true;
      };
    }
    return subscribe(name, interval, (message) => {
      state.loading = false;
      if (message.type === 'snapshot' || message.type === 'update') state.data = message.data as ViewDtos[K];
      else if (message.type === 'append' && state.data) {
        const current = state.data as unknown as { lines: Array<{ seq: number }> };
        const lines = [...current.lines, ...message.lines];
        state.data = { ...(state.data as object), asOf: message.asOf, lines: lines.slice(-1000) } as unknown as ViewDtos[K];
      }
    });
  });

  return state;
}
