import type { Actor } from 'xstate';
import type { RtspSessionMachine } from '../../actors/rtspSession/rtspSessionMachine.js';

/**
 * The live RTSP sessions of this server, by id, with what the control plane needs
 * outside the actors: which connections a session was seen on, and when the client
 * was last heard from. One sweep a second times out the silent ones (no timer per
 * session, and RTCP arrivals only bump a number).
 */
export interface SessionEntry {
  readonly id: string;
  readonly actor: Actor<RtspSessionMachine>;
  readonly path: string;
  readonly connections: Set<string>;
  lastActivityMs: number;
}

export class SessionRegistry {
  private readonly sessions = new Map<string, SessionEntry>();
  /** Sessions a DESCRIBE created on a connection, waiting for their first SETUP. */
  private readonly described = new Map<string, Map<string, string>>();
  private sweeper: NodeJS.Timeout | null = null;

  constructor(
    private readonly timeoutMs: number,
    /** Sessions record their counters every this many sweeps (seconds); setting sampleIntervalSeconds. */
    private readonly sampleEverySweeps = 10,
  ) {}

  start(sweepMs = 1000): void {
    this.sweeper ??= setInterval(() => this.sweep(performance.now()), sweepMs);
    this.sweeper.unref();
  }

  add(entry: SessionEntry): void {
    this.sessions.set(entry.id, entry);
    entry.actor.subscribe({
      complete: () => this.remove(entry.id),
      error: () => this.remove(entry.id),
    });
  }

  get(id: string): SessionEntry | undefined {
    return this.sessions.get(id);
  }

  get size(): number {
    return this.sessions.size;
  }

  touch(entry: SessionEntry): void {
    entry.lastActivityMs = performance.now();
  }

  rememberDescribed(connectionId: string, path: string, sessionId: string): void {
    let byPath = this.described.get(connectionId);
    if (!byPath) this.described.set(connectionId, (byPath = new Map()));
    byPath.set(path, sessionId);
  }

  /** The session a DESCRIBE on this connection made for this presentation, consumed once. */
  takeDescribed(connectionId: string, path: string): SessionEntry | undefined {
    const byPath = this.described.get(connectionId);
    const id = byPath?.get(path);
    if (id === undefined) return undefined;
    byPath!.delete(path);
    const entry = this.sessions.get(id);
    return entry && entry.actor.getSnapshot().status === 'active' ? entry : undefined;
  }

  connectionClosed(connectionId: string): void {
    this.described.delete(connectionId);
    for (const entry of this.sessions.values()) {
      if (entry.connections.has(connectionId)) entry.actor.send({ type: 'CONNECTION_CLOSED', connectionId });
    }
  }

  private sweeps = 0;

  sweep(nowMs: number): void {
    // Every sampleEverySweeps-th sweep (10 s by default) each session records its counters for the live views.
    const sample = ++this.sweeps % this.sampleEverySweeps === 0;
    for (const entry of this.sessions.values()) {
      if (nowMs - entry.lastActivityMs > this.timeoutMs) entry.actor.send({ type: 'TIMEOUT' });
      else if (sample) entry.actor.send({ type: 'SAMPLE' });
    }
  }

  /** Ends every session (server shutdown) and stops the sweep. */
  shutdown(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = null;
    for (const entry of [...this.sessions.values()]) entry.actor.send({ type: 'SHUTDOWN' });
  }

  private remove(id: string): void {
    this.sessions.delete(id);
  }
}
