// Reference fold for the property tests (foldEquivalence.test.ts): the straightforward
// pure fold this project had before its folds came to own their state (git f7ace3c),
// kept verbatim but for import paths. Copies its collections on every event.
import type { StoredEvent } from '../../../../domain/events/storedEvent.js';
import { splitRequestUri, type AccessLogEntry } from '../../../../domain/logs/accessLogLine.js';

/**
 * The access log as a fold: what each session's line needs is gathered from its
 * events, and the line is due at SessionClosed; a refused request (453 and the
 * like, or an access refusal 401/403 in the server stream) is due at once.
 * Plain JSON state, so the log writer can checkpoint it.
 */
interface SessionFacts {
  clientAddress: string;
  serverAddress: string;
  url: string;
  userAgent: string | null;
  userName: string | null;
  startTime: number | null;
  fileLength: number | null;
  audioCodec: string | null;
  videoCodec: string | null;
  lossPercent: number | null;
  refused: boolean;
}

export interface AccessEntriesState {
  readonly sessions: Readonly<Record<string, SessionFacts>>;
  /** Who authenticated from an address for a URL, waiting for the session it opens. */
  readonly logins: Readonly<Record<string, string>>;
}

export const emptyAccessEntries: AccessEntriesState = { sessions: {}, logins: {} };

type Data = Record<string, unknown>;

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

function openSessions(sessions: Readonly<Record<string, SessionFacts>>): number {
  let n = 0;
  for (const id in sessions) if (!sessions[id]!.refused) n++;
  return n;
}

function without<T>(record: Readonly<Record<string, T>>, key: string): Record<string, T> {
  const copy = { ...record };
  delete copy[key];
  return copy;
}

const loginKey = (address: string, url: string): string => `${address} ${url.replace(/\/+$/, '')}`;

export function foldAccessEntries(state: AccessEntriesState, event: StoredEvent): { state: AccessEntriesState; entry: AccessLogEntry | null } {
  const data = (event.data ?? {}) as Data;
  if (event.type === 'ServerStarted') {
    // Sessions of an earlier run that never closed (a crash) are gone.
    return { state: emptyAccessEntries, entry: null };
  }
  if (event.type === 'UserAuthenticated') {
    const logins = { ...state.logins, [loginKey(String(data.clientAddress), String(data.url))]: String(data.user) };
    // Bounded: a login nobody followed up is forgotten after a while.
    const keys = Object.keys(logins);
    if (keys.length > 1000) delete logins[keys[0]!];
    return { state: { ...state, logins }, entry: null };
  }
  if (event.type === 'AccessDenied') {
    const { stem, query } = splitRequestUri(String(data.url));
    return {
      state,
      entry: {
        ...blankEntry(String(data.clientAddress), event.recordedAt, stem, openSessions(state.sessions)),
        status: num(data.status),
        query,
        userName: str(data.user),
      },
    };
  }
  if (!event.stream.startsWith('session-')) return { state, entry: null };
  const id = event.stream.slice('session-'.length);
  const facts = state.sessions[id];
  const put = (next: SessionFacts): AccessEntriesState => ({ ...state, sessions: { ...state.sessions, [id]: next } });
  switch (event.type) {
    case 'SessionOpened': {
      const url = String(data.url);
      const key = loginKey(String(data.clientAddress), url);
      const userName = state.logins[key] ?? null;
      const next: SessionFacts = {
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
      };
      const base = userName === null ? state : { ...state, logins: without(state.logins, key) };
      return { state: { ...base, sessions: { ...base.sessions, [id]: next } }, entry: null };
    }
    case 'SessionDescribed':
    case 'SessionAnnounced': {
      if (!facts) break;
      const tracks = (Array.isArray(data.tracks) ? data.tracks : []) as Array<{ mediaType?: string; codec?: string }>;
      const codec = (type: string): string | null => tracks.find((t) => t.mediaType === type)?.codec ?? null;
      return { state: put({ ...facts, audioCodec: codec('audio'), videoCodec: codec('video'), fileLength: num(data.durationSeconds) }), entry: null };
    }
    case 'SessionPlaying':
      if (!facts || facts.startTime !== null) break;
      return { state: put({ ...facts, startTime: num(data.rangeStart) }), entry: null };
    case 'SessionSampled':
      if (!facts) break;
      return { state: put({ ...facts, lossPercent: num(data.lossPercent) }), entry: null };
    case 'SessionRequestRefused': {
      if (!facts) break;
      const { stem, query } = splitRequestUri(facts.url);
      const next = put({ ...facts, refused: true });
      return {
        state: next,
        entry: {
          ...blankEntry(facts.clientAddress, event.recordedAt, stem, openSessions(next.sessions)),
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
      const rest = { ...state, sessions: without(state.sessions, id) };
      if (facts.refused) return { state: rest, entry: null };
      return { state: rest, entry: closedEntry(facts, data, event.recordedAt, openSessions(state.sessions)) };
    }
  }
  return { state, entry: null };
}

function blankEntry(clientAddress: string, at: number, uriStem: string, totalClients: number): AccessLogEntry {
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

function closedEntry(facts: SessionFacts, data: Data, at: number, totalClients: number): AccessLogEntry {
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
