import type { StoredEvent } from '../events/storedEvent.js';
import { RESTART_NEEDED, type AdminSettingName } from './adminSettings.js';
import { emptyAccessHistory, foldAccessHistory, type AccessHistoryLine, type AccessHistoryState } from '../projections/accessHistory.js';
import { emptyConnectedUsers, type ConnectedUsersView } from '../projections/connectedUsers.js';
import { emptyErrorLogView, foldErrorLogView, type ErrorLogLine, type ErrorLogViewState } from '../projections/errorLogView.js';
import { foldLiveUsers } from '../projections/liveUsers.js';
import {
  emptyServerSnapshot,
  foldServerSnapshot,
  presentServerSnapshot,
  type LiveGauges,
  type ServerSnapshotDto,
  type ServerSnapshotState,
} from '../projections/serverSnapshot.js';
import { emptySettingsHistory, foldSettingsHistory, presentSettingsHistory, type SettingsDto, type SettingsHistoryState } from '../projections/settingsHistory.js';
import {
  emptyThroughputHistory,
  foldThroughputHistory,
  presentThroughputHistory,
  type ThroughputHistoryDto,
  type ThroughputHistoryState,
} from '../projections/throughputHistory.js';

/**
 * Every admin page's view: a fold and a presenter that turns its state into the
 * JSON the page shows. The live admin runs the folds over the store's subscription;
 * a replay "as of" a moment runs the same folds over the events recorded up to then,
 * so a replayed page equals the live page it was. The folds own their state and
 * change it in place, O(1) per event (domain/projections/ownedState.ts): `initial`
 * is shared and never changed, and a presenter's DTO is a fresh copy (safe to keep).
 */
export const VIEW_NAMES = ['snapshot', 'connected-users', 'settings', 'error-log', 'access-log', 'throughput'] as const;
export type ViewName = (typeof VIEW_NAMES)[number];

export interface ViewContext {
  /** The moment shown: the clock for live views, the replay time otherwise. */
  readonly nowMs: number;
  /** Gauges only the running process knows (CPU); null in a replay. */
  readonly live: LiveGauges | null;
}

export interface ConnectedUserDto {
  readonly sessionId: string;
  readonly clientAddress: string;
  readonly transport: 'UDP' | 'TCP' | null;
  readonly state: string;
  readonly bitRate: number;
  readonly bytesSent: number;
  readonly lossPercent: number | null;
  readonly connectedAt: string;
  readonly timeConnectedSeconds: number;
  readonly movie: string;
  readonly userAgent: string | null;
}

export interface ConnectedUsersDto {
  readonly asOf: string;
  readonly users: readonly ConnectedUserDto[];
}

export interface LogViewDto<L> {
  readonly asOf: string;
  readonly lines: readonly L[];
}

export interface ViewDtos {
  snapshot: ServerSnapshotDto;
  'connected-users': ConnectedUsersDto;
  settings: SettingsDto;
  'error-log': LogViewDto<ErrorLogLine>;
  'access-log': LogViewDto<AccessHistoryLine>;
  throughput: ThroughputHistoryDto;
}

interface ViewStates {
  snapshot: ServerSnapshotState;
  'connected-users': ConnectedUsersView;
  settings: SettingsHistoryState;
  'error-log': ErrorLogViewState;
  'access-log': AccessHistoryState;
  throughput: ThroughputHistoryState;
}

export interface ViewDefinition<S, D> {
  readonly initial: S;
  fold(state: S, event: StoredEvent): S;
  present(state: S, context: ViewContext): D;
}

const restartNeeded = (name: string): boolean => RESTART_NEEDED.has(name as AdminSettingName);

export const viewDefinitions: { [K in ViewName]: ViewDefinition<ViewStates[K], ViewDtos[K]> } = {
  snapshot: {
    initial: emptyServerSnapshot,
    fold: foldServerSnapshot,
    present: (state, { nowMs, live }) => presentServerSnapshot(state, nowMs, live),
  },
  'connected-users': {
    initial: emptyConnectedUsers,
    fold: foldLiveUsers,
    present: (state, { nowMs }) => ({
      asOf: new Date(nowMs).toISOString(),
      users: [...state.users.values()].map((u) => ({
        sessionId: u.sessionId,
        clientAddress: u.clientAddress,
        transport: u.transport,
        state: u.state,
        bitRate: Math.round(u.bitRate),
        bytesSent: u.bytesSent,
        lossPercent: u.lossPercent,
        connectedAt: new Date(u.connectedAt).toISOString(),
        timeConnectedSeconds: Math.max(0, Math.floor((nowMs - u.connectedAt) / 1000)),
        movie: u.path,
        userAgent: u.userAgent,
      })),
    }),
  },
  settings: {
    initial: emptySettingsHistory,
    fold: (state, event) => foldSettingsHistory(state, event, restartNeeded),
    present: (state, { nowMs }) => presentSettingsHistory(state, nowMs),
  },
  'error-log': {
    initial: emptyErrorLogView,
    fold: foldErrorLogView,
    present: (state, { nowMs }) => ({ asOf: new Date(nowMs).toISOString(), lines: state.lines.items() }),
  },
  'access-log': {
    initial: emptyAccessHistory,
    fold: foldAccessHistory,
    present: (state, { nowMs }) => ({ asOf: new Date(nowMs).toISOString(), lines: state.lines.items() }),
  },
  throughput: {
    initial: emptyThroughputHistory,
    fold: foldThroughputHistory,
    present: (state, { nowMs }) => presentThroughputHistory(state, nowMs),
  },
};

export function isViewName(name: string): name is ViewName {
  return (VIEW_NAMES as readonly string[]).includes(name);
}

/** The view as it stood at `atMs`: the live fold over the events recorded up to then. */
export function replayView<K extends ViewName>(name: K, events: Iterable<StoredEvent>, atMs: number): ViewDtos[K] {
  const definition = viewDefinitions[name] as unknown as ViewDefinition<unknown, ViewDtos[K]>;
  let state = definition.initial;
  for (const event of events) {
    if (event.recordedAt > atMs) break;
    state = definition.fold(state, event);
  }
  return definition.present(state, { nowMs: atMs, live: null });
}
