// Reference fold for the property tests (foldEquivalence.test.ts): the fold logic is the
// straightforward pure fold this project had before its folds came to own their state
// (git f7ace3c), copying its collections on every event. The types are the domain's.
import type { StoredEvent } from '../../../../domain/events/storedEvent.js';
import type { ConnectedUsersView } from '../../../../domain/projections/connectedUsers.js';

export const emptyConnectedUsers: ConnectedUsersView = { users: new Map(), position: -1 };

type Data = Record<string, unknown>;

export function foldConnectedUsers(view: ConnectedUsersView, event: StoredEvent): ConnectedUsersView {
  if (!event.stream.startsWith('session-')) return { ...view, position: event.position };
  const id = event.stream.slice('session-'.length);
  const data = event.data as Data;
  const current = view.users.get(id);
  const users = new Map(view.users);
  switch (event.type) {
    case 'SessionOpened':
      users.set(id, {
        sessionId: id,
        clientAddress: String(data.clientAddress),
        userAgent: (data.userAgent as string | null) ?? null,
        path: String(data.path),
        url: String(data.url),
        transport: null,
        state: 'described',
        connectedAt: event.recordedAt,
        bytesSent: 0,
        packetsSent: 0,
        lossPercent: null,
        bitRate: 0,
        sampledAt: event.recordedAt,
      });
      break;
    case 'SessionTransportSetUp':
      if (current) users.set(id, { ...current, transport: data.transport as 'UDP' | 'TCP', state: current.state === 'described' ? 'ready' : current.state });
      break;
    case 'SessionPlaying':
      if (current) users.set(id, { ...current, state: 'playing' });
      break;
    case 'SessionPaused':
      if (current) users.set(id, { ...current, state: 'paused' });
      break;
    case 'SessionRecording':
      if (current) users.set(id, { ...current, state: 'recording' });
      break;
    case 'SessionSampled':
      if (current) {
        const bytes = Number(data.bytesSent);
        const seconds = (event.recordedAt - current.sampledAt) / 1000;
        users.set(id, {
          ...current,
          bytesSent: bytes,
          packetsSent: Number(data.packetsSent),
          lossPercent: (data.lossPercent as number | null) ?? null,
          bitRate: seconds > 0 ? Math.max(0, ((bytes - current.bytesSent) * 8) / seconds) : current.bitRate,
          sampledAt: event.recordedAt,
        });
      }
      break;
    case 'SessionClosed':
      users.delete(id);
      break;
    default:
      return { ...view, position: event.position };
  }
  return { users, position: event.position };
}

