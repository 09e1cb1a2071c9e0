import os from 'node:os';
import type { Subscription } from 'rxjs';
import { VIEW_NAMES, viewDefinitions, type ViewDefinition, type ViewDtos, type ViewName } from '../../domain/admin/views.js';
import type { EventStoreStatusDto } from '../../domain/admin/eventStoreStatus.js';
import type { LiveGauges } from '../../domain/projections/serverSnapshot.js';
import type { CurrentEventSource } from '../../eventstore/upcastingReader.js';

/**
 * The admin's live views: every view's fold run over the store's subscription to
 * $all (catch-up from the start, then live), each event upcast to the current schema
 * version first (unreadable ones are left out by the source). Each event bumps the
 * views' version, and listeners hear of it; the WebSocket side decides how often to send.
 */
type Listener = (view: ViewName) => void;

export class LiveViews {
  private readonly states = new Map<ViewName, unknown>();
  private readonly versions = new Map<ViewName, number>();
  private readonly listeners = new Set<Listener>();
  private subscription: Subscription | null = null;
  private caughtUp!: Promise<void>;

  constructor(private readonly gauges: () => LiveGauges | null = () => null) {
    for (const name of VIEW_NAMES) {
      this.states.set(name, viewDefinitions[name].initial);
      this.versions.set(name, 0);
    }
  }

  start(store: CurrentEventSource): Promise<void> {
    this.caughtUp = new Promise((resolve, reject) => {
      this.subscription = store.subscribeToAll().subscribe({
        next: (item) => {
          if (item.kind === 'caughtUp') {
            resolve();
            return;
          }
          for (const name of VIEW_NAMES) {
            const definition = viewDefinitions[name] as unknown as ViewDefinition<unknown, unknown>;
            this.states.set(name, definition.fold(this.states.get(name), item.event));
            this.versions.set(name, this.versions.get(name)! + 1);
          }
          for (const listener of this.listeners) for (const name of VIEW_NAMES) listener(name);
        },
        error: reject,
        complete: () => resolve(),
      });
    });
    return this.caughtUp;
  }

  /** Resolves once the catch-up reached the live end. */
  ready(): Promise<void> {
    return this.caughtUp;
  }

  version(name: ViewName): number {
    return this.versions.get(name) ?? 0;
  }

  present<K extends ViewName>(name: K, nowMs = Date.now()): ViewDtos[K] {
    const definition = viewDefinitions[name] as unknown as ViewDefinition<unknown, ViewDtos[K]>;
    return definition.present(this.states.get(name), { nowMs, live: this.gauges() });
  }

  onChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  stop(): void {
    this.subscription?.unsubscribe();
    this.subscription = null;
    this.listeners.clear();
  }
}

/**
 * Gauges only the running process knows: its CPU use (sampled each second), the
 * OS load average, the throughput the media plane measured, and how the event store is.
 */
export class ProcessGauges {
  private timer: NodeJS.Timeout | null = null;
  private lastCpu = process.cpuUsage();
  private lastAt = performance.now();
  private cpuPercent = 0;

  constructor(
    private readonly measuredKbps: () => number,
    private readonly eventStore: () => EventStoreStatusDto,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => {
      const cpu = process.cpuUsage();
      const now = performance.now();
      const usedMicros = cpu.user - this.lastCpu.user + (cpu.system - this.lastCpu.system);
      const elapsedMs = now - this.lastAt;
      this.cpuPercent = elapsedMs > 0 ? Math.round((usedMicros / 1000 / elapsedMs) * 1000) / 10 : 0;
      this.lastCpu = cpu;
      this.lastAt = now;
    }, 1000);
    this.timer.unref();
  }

  read(): LiveGauges {
    return {
      cpuPercent: this.cpuPercent,
      loadAverage: Math.round(os.loadavg()[0]! * 100) / 100,
      measuredKbps: Math.round(this.measuredKbps()),
      eventStore: this.eventStore(),
    };
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
