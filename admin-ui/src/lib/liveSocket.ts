import type { ViewName } from '../../../domain/admin/views.js';

/**
 * One WebSocket to /api/ws for every live view on screen: subscribe sends
 * {type:'subscribe', view, intervalMs}; the server answers with the view's snapshot,
 * then updates (whole views) or appends (new log lines), at most one per interval.
 * It reconnects by itself, re-subscribing everything.
 */
export type ServerMessage =
  | { type: 'snapshot' | 'update'; view: ViewName; data: unknown }
  | { type: 'append'; view: ViewName; asOf: string; lines: Array<{ seq: number }> }
  | { type: 'error'; error: string; field?: string };

type Handler = (message: ServerMessage) => void;

interface Entry {
  intervalMs: number | undefined;
  handlers: Set<Handler>;
}

const entries = new Map<ViewName, Entry>();
let socket: WebSocket | null = null;
let retryMs = 500;
let status: 'connecting' | 'open' | 'closed' = 'closed';
const statusListeners = new Set<(s: typeof status) => void>();

function setStatus(next: typeof status): void {
  status = next;
  for (const listener of statusListeners) listener(next);
}

export function onSocketStatus(listener: (s: typeof status) => void): () => void {
  statusListeners.add(listener);
  listener(status);
  return () => statusListeners.delete(listener);
}

function sendSubscribe(view: ViewName, entry: Entry): void {
  if (socket?.readyState === WebSocket.OPEN) {
    socket.send(JSON.stringify({ type: 'subscribe', view, ...(entry.intervalMs ? { intervalMs: entry.intervalMs } : {}) }));
  }
}

function connect(): void {
  if (socket || entries.size === 0) return;
  setStatus('connecting');
  const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/ws`);
  socket = ws;
  ws.onopen = () => {
    retryMs = 500;
    setStatus('open');
    for (const [view, entry] of entries) sendSubscribe(view, entry);
  };
  ws.onmessage = (event) => {
    const message = JSON.parse(String(event.data)) as ServerMessage;
    if (message.type === 'error') {
      console.warn('admin socket:', message.error);
      return;
    }
    for (const handler of entries.get(message.view)?.handlers ?? []) handler(message);
  };
  ws.onclose = () => {
    socket = null;
    setStatus('closed');
    if (entries.size > 0) {
      setTimeout(connect, retryMs);
      retryMs = Math.min(10_000, retryMs * 2);
    }
  };
}

export function subscribe(view: ViewName, intervalMs: number | undefined, handler: Handler): () => void {
  let entry = entries.get(view);
  if (!entry) {
    entry = { intervalMs, handlers: new Set() };
    entries.set(view, entry);
  }
  entry.handlers.add(handler);
  entry.intervalMs = intervalMs;
  if (socket) sendSubscribe(view, entry);
  else connect();
  return () => {
    const current = entries.get(view);
    if (!current) return;
    current.handlers.delete(handler);
    if (current.handlers.size === 0) {
      entries.delete(view);
      if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: 'unsubscribe', view }));
      if (entries.size === 0) socket?.close();
    }
  };
}

export function closeSocket(): void {
  entries.clear();
  socket?.close();
}
