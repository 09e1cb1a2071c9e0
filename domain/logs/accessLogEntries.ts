import type { StoredEvent } from '../events/storedEvent.js';
import { Ownership } from '../projections/ownedState.js';
import { splitRequestUri, type AccessLogEntry } from './accessLogLine.js';

/**
 * The access log as a fold: what each session's line needs is gathered from its
 * events, and the line is due at SessionClosed; a refused request (453 and the
 * like, or an access refusal 401/403 in the server stream) is due at once.
 *
 * O(1) per event: the fold owns its state and changes it in place (see
 * domain/projections/ownedState.ts; the empty state is shared and never changed).
 * The state turns into plain JSON (`JSON.stringify`), which the log writer
 * checkpoints; that JSON is accepted back wherever a state is.
 */
export interface SessionFacts {
  readonly clientAddress: string;
  readonly serverAddress: string;
  readonly url: string;
  readonly userAgent: string | null;
  readonly userName: string | null;
  readonly startTime: number | null;
  readonly fileLength: number | null;
  readonly audioCodec: string | null;
  readonly videoCodec: string | null;
  readonly lossPercent: number | null;
  readonly refused: boolean;
}

/** The state as JSON (the log writer's checkpoint). */
export interface AccessEntriesJson {
  readonly sessions: Readonly<Record<string, SessionFacts>>;
  /** Who authenticated from an address for a URL, waiting for the session it opens. */
  readonly logins: Readonly<Record<string, string>>;
}

export interface AccessEntriesState {
  /** What each session seen opening (and not yet closed) said so far, by session id. */
  readonly sessions: ReadonlyMap<string, SessionFacts>;
  /** Who authenticated from an address for a URL, waiting for the session it opens (oldest first). */
  readonly logins: ReadonlyMap<string, string>;
  /** Sessions in `sessions` not refused: the s-totalclients figure. */
  readonly openSessions: number;
  toJSON(): AccessEntriesJson;
}

/** A login nobody followed up is forgotten once this many newer ones wait. */
const MAX_LOGINS = 1000;

class Entries implements AccessEntriesState {
  readonly sessions: Map<string, SessionFacts>;
  readonly logins: Map<string, string>;
  openSessions = 0;

  constructor(from?: AccessEntriesState | AccessEntriesJson) {
    const sessions = from?.sessions ?? {};
    const logins = from?.logins ?? {};
    this.sessions = new Map(sessions instanceof Map ? sessions : Object.entries(sessions));
    this.logins = new Map(logins instanceof Map ? logins : Object.entries(logins));
    for (const facts of this.sessions.values()) if (!facts.refused) this.openSessions++;
  }

  /** Sets (or with null removes) a session's facts, keeping the count of open ones. */
  put(id: string, facts: SessionFacts | null): void {
    const before = this.sessions.get(id);
    if (before && !before.refused) this.openSessions--;
    if (facts) {
      this.sessions.set(id, facts);
      if (!facts.refused) this.openSessions++;
    } else this.sessions.delete(id);
  }

  clear(): void {
    this.sessions.clear();
    this.logins.clear();
    this.openSessions = 0;
  }

  toJSON(): AccessEntriesJson {
    return { sessions: Object.fromEntries(this.sessions), logins: Object.fromEntries(this.logins) };
  }
}

/** The empty state: shared, never changed (a fold starts from a copy of it). */
export const emptyAccessEntries: AccessEntriesState = Object.freeze(new Entries());

const states = new Ownership<AccessEntriesState>((state) => new Entries(state));

/** A copy of the state (or of its JSON) for a fold to own (for states that hold one). */
export function copyAccessEntries(state: AccessEntriesState | AccessEntriesJson): AccessEntriesState {
  return states.copyOf(state as AccessEntriesState);
}

type Data = Record<string, unknown>;

export const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
export const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

export const loginKey = (address: string, url: string): string => `${address} ${url.replace(/\/+$/, '')}`;

/**
 * Folds one event in, in place: the state passed in belongs to the fold from then on
 * (use the one returned). `state` may also be the JSON of a state (a checkpoint).
 */
export function foldAccessEntries(state: AccessEntriesState, event: StoredEvent): { state: AccessEntriesState; entry: AccessLogEntry | null } {
  const own = states.take(state) as Entries;
  const data = (event.data ?? {}) as Data;
  if (event.type === 'ServerStarted') {
    // Sessions of an earlier run that never closed (a crash) are gone.
    own.clear();
    return { state: own, entry: null };
  }
  if (event.type === 'UserAuthenticated') {
    own.logins.set(loginKey(String(data.clientAddress), String(data.url)), String(data.user));
    // Bounded: a login nobody followed up is forgotten after a while.
    if (own.logins.size > MAX_LOGINS) own.logins.delete(own.logins.keys().next().value as string);
    return { state: own, entry: null };
  }
  if (event.type === 'AccessDenied') {
    const { stem, query } = splitRequestUri(String(data.url));
    return {
      state: own,
      entry: {
        ...blankEntry(String(data.clientAddress), event.recordedAt, stem, own.openSessions),
        status: num(data.status),
        query,
        userName: str(data.user),
      },
    };
  }
  if (!event.stream.startsWith('session-')) return { state: own, entry: null };
  const id = event.stream.slice('session-'.length);
  const facts = own.sessions.get(id);
  switch (event.type) {
    case 'SessionOpened': {
      const url = String(data.url);
      const key = loginKey(String(data.clientAddress), url);
      const userName = own.logins.get(key) ?? null;
      if (userName !== null) own.logins.delete(key);
      own.put(id, {
        clientAddress: String(data.clientAddress),
        serverAddress: String(data.serverAddress),
        url,
        userAgent: str(data.userAgent),
        userName,
        startTime: null,
        fileLength: null,
        audioCodec: null,
        videoCodec: null,
        lossPercent: null,
        refused: false,
      });
      break;
    }
    case 'SessionDescribed':
    case 'SessionAnnounced': {
      if (!facts) break;
      const tracks = (Array.isArray(data.tracks) ? data.tracks : []) as Array<{ mediaType?: string; codec?: string }>;
      const codec = (type: string): string | null => tracks.find((t) => t.mediaType === type)?.codec ?? null;
      own.put(id, { ...facts, audioCodec: codec('audio'), videoCodec: codec('video'), fileLength: num(data.durationSeconds) });
      break;
    }
    case 'SessionPlaying':
      if (!facts || facts.startTime !== null) break;
      own.put(id, { ...facts, startTime: num(data.rangeStart) });
      break;
    case 'SessionSampled':
      if (!facts) break;
      own.put(id, { ...facts, lossPercent: num(data.lossPercent) });
      break;
    case 'SessionRequestRefused': {
      if (!facts) break;
      const { stem, query } = splitRequestUri(facts.url);
      own.put(id, { ...facts, refused: true });
      return {
        state: own,
        entry: {
          ...blankEntry(facts.clientAddress, event.recordedAt, stem, own.openSessions),
          status: num(data.status),
          userAgent: facts.userAgent,
          serverAddress: facts.serverAddress,
          query,
          userName: facts.userName,
        },
      };
    }
    case 'SessionClosed': {
      if (!facts) break;
      const totalClients = own.openSessions;
      own.put(id, null);
      if (facts.refused) break;
      return { state: own, entry: closedEntry(facts, data, event.recordedAt, totalClients) };
    }
  }
  return { state: own, entry: null };
}

export function blankEntry(clientAddress: string, at: number, uriStem: string, totalClients: number): AccessLogEntry {
  return {
    clientAddress,
    at,
    uriStem,
    startTime: null,
    durationSeconds: 0,
    status: null,
    userAgent: null,
    fileLength: null,
    avgBandwidth: null,
    transport: null,
    audioCodec: null,
    videoCodec: null,
    bytesSent: null,
    packetsSent: null,
    packetsReceived: null,
    packetsLost: null,
    quality: null,
    serverAddress: null,
    totalClients,
    query: null,
    userName: null,
  };
}

export function closedEntry(facts: SessionFacts, data: Data, at: number, totalClients: number): AccessLogEntry {
  const { stem, query } = splitRequestUri(facts.url);
  const durationMs = num(data.durationMs) ?? 0;
  const bytes = num(data.bytesSent) ?? 0;
  const packets = num(data.packetsSent) ?? 0;
  const lastStatus = num(data.lastStatus);
  // QTSS: a session that was fine until the client went silent is logged 504.
  const status = data.reason === 'timeout' && lastStatus !== null && lastStatus < 300 ? 504 : lastStatus === 0 ? null : lastStatus;
  const lost = facts.lossPercent === null ? null : Math.round((packets * facts.lossPercent) / 100);
  return {
    clientAddress: facts.clientAddress,
    at,
    uriStem: stem,
    startTime: facts.startTime === null ? null : Math.floor(facts.startTime),
    durationSeconds: Math.round(durationMs / 1000),
    status,
    userAgent: facts.userAgent,
    fileLength: facts.fileLength === null ? null : Math.round(facts.fileLength),
    avgBandwidth: durationMs > 0 ? Math.round((bytes * 8 * 1000) / durationMs) : null,
    transport: data.transport === 'UDP' || data.transport === 'TCP' ? data.transport : null,
    audioCodec: facts.audioCodec,
    videoCodec: facts.videoCodec,
    bytesSent: bytes,
    packetsSent: packets,
    packetsReceived: lost === null ? null : packets - lost,
    packetsLost: lost,
    quality: facts.lossPercent === null ? null : Math.round(100 - facts.lossPercent),
    serverAddress: facts.serverAddress,
    totalClients,
    query,
    userName: facts.userName,
  };
}
