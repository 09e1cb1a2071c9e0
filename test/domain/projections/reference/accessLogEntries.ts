// Reference fold for the property tests (foldEquivalence.test.ts): the fold logic is the
// straightforward pure fold this project had before its folds came to own their state
// (git f7ace3c), copying its collections on every event; its state is plain records (the
// domain's checkpoint JSON). The types and the pure helpers that build an entry
// (blankEntry, closedEntry, str, num, loginKey) are the domain's own, unchanged since.
import type { StoredEvent } from '../../../../domain/events/storedEvent.js';
import {
  blankEntry,
  closedEntry,
  loginKey,
  num,
  str,
  type AccessEntriesJson,
  type SessionFacts,
} from '../../../../domain/logs/accessLogEntries.js';
import { splitRequestUri, type AccessLogEntry } from '../../../../domain/logs/accessLogLine.js';

/** The state as it was: the same shape as the domain's checkpoint JSON. */
export type AccessEntriesState = AccessEntriesJson;

export const emptyAccessEntries: AccessEntriesState = { sessions: {}, logins: {} };

type Data = Record<string, unknown>;

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
