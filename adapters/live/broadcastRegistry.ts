import { unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createActor, type Actor } from 'xstate';
import { broadcastMachine } from '../../actors/broadcast/broadcastMachine.js';
import { RtspError } from '../../actors/rtspSession/sessionMedia.js';
import { broadcastStream } from '../../domain/events/streamNames.js';
import { buildLiveSdp, encodingOf } from '../../domain/sdp/liveSdp.js';
import type { ParsedSdp } from '../../domain/sdp/parseSdp.js';
import type { EventStore } from '../../eventstore/eventStore.js';
import { StreamWriter } from '../../eventstore/streamWriter.js';
import type { ErrorLogger } from '../rtsp/requestRouter.js';
import { StreamHub } from './streamHub.js';

/**
 * The live paths of this server: for each, its stream hub (media plane), its broadcast
 * actor (control plane) and the writer of its event stream. One sampler a second feeds
 * every actor what the hubs counted, so no packet ever becomes an event.
 */
export interface Broadcast {
  readonly path: string;
  readonly hub: StreamHub;
  readonly actor: Actor<typeof broadcastMachine>;
  readonly announced: ParsedSdp;
  readonly source: 'announce' | 'sdp-file';
}

export interface BroadcastSettings {
  readonly nodeId: string;
  readonly moviesFolder: string;
  /** No packets for this long marks a broadcast lost. */
  readonly lostAfterMs: number;
  /** After a loss, readers are ended this much later (unless kept). */
  readonly graceMs: number;
  readonly keepReadersOnLoss: boolean;
}

interface Tracking {
  readonly broadcast: Broadcast;
  readonly writer: StreamWriter;
  lastPackets: number;
  lastChangeMs: number;
  /** The SDP file we wrote into the movies folder for this broadcast, if any. */
  sdpFile: string | null;
}

export class BroadcastRegistry {
  private readonly live = new Map<string, Tracking>();
  private sampler: NodeJS.Timeout | null = null;
  private ticks = 0;
  /** Files this registry wrote, so the SDP-file watcher does not take them for sources. */
  readonly writtenFiles = new Set<string>();

  constructor(
    private readonly store: EventStore,
    private readonly settings: BroadcastSettings,
    private readonly logger: ErrorLogger,
  ) {}

  start(): void {
    this.sampler ??= setInterval(() => this.sample(performance.now()), 1000);
    this.sampler.unref();
  }

  get(path: string): Broadcast | undefined {
    const tracking = this.live.get(path);
    return tracking && !tracking.broadcast.hub.ended ? tracking.broadcast : undefined;
  }

  get paths(): string[] {
    return [...this.live.keys()];
  }

  /** Starts a live path; 412 when it is already live. */
  create(livePath: string, announced: ParsedSdp, source: 'announce' | 'sdp-file', origin: string): Broadcast {
    if (this.get(livePath)) throw new RtspError(412, `${livePath} is already being broadcast`);
    const sdp = buildLiveSdp(announced, { path: livePath, serverAddress: '0.0.0.0', sessionId: Date.now() / 1000 + 2_208_988_800 });
    const hub = new StreamHub(livePath, sdp, announced.media.length);
    const writer = new StreamWriter(this.store, broadcastStream(livePath), { nodeId: this.settings.nodeId }, (error) =>
      this.logger.log('WARNING', `broadcast ${livePath}: event not stored: ${error.message}`),
    );
    const record = (type: string, data: unknown): void => {
      writer.append(type, data).catch(() => {});
    };
    const actor = createActor(
      broadcastMachine.provide({
        actions: {
          record: (_, event) => record(event.type, event.data),
          sayBye: () => hub.sayBye(),
          endHub: () => hub.end(),
        },
      }),
      { input: { path: livePath, graceMs: this.settings.graceMs, keepReadersOnLoss: this.settings.keepReadersOnLoss } },
    );
    const broadcast: Broadcast = { path: livePath, hub, actor, announced, source };
    const tracking: Tracking = { broadcast, writer, lastPackets: 0, lastChangeMs: performance.now(), sdpFile: null };
    this.live.set(livePath, tracking);
    actor.subscribe({ complete: () => this.forget(tracking) });
    record('BroadcastAnnounced', {
      path: livePath,
      source,
      origin,
      tracks: announced.media.map((m, i) => ({ trackId: i + 1, mediaType: m.type, encoding: encodingOf(m) })),
    });
    actor.start();
    if (source === 'announce') void this.writeSdpFile(tracking);
    this.logger.log('INFO', `broadcast ${livePath} announced by ${origin}`);
    return broadcast;
  }

  end(livePath: string, reason: 'publisher-left' | 'sdp-removed' | 'replaced' | 'shutdown'): void {
    this.live.get(livePath)?.broadcast.actor.send({ type: 'GONE', reason });
  }

  sample(nowMs: number): void {
    this.ticks++;
    for (const tracking of this.live.values()) {
      const { hub, actor } = tracking.broadcast;
      if (hub.packetsIn !== tracking.lastPackets) {
        tracking.lastPackets = hub.packetsIn;
        tracking.lastChangeMs = nowMs;
        actor.send({ type: 'PACKETS', total: hub.packetsIn });
      } else if (nowMs - tracking.lastChangeMs >= this.settings.lostAfterMs) {
        actor.send({ type: 'SILENT', forMs: Math.round(nowMs - tracking.lastChangeMs) });
      }
      if (this.ticks % 10 === 0) {
        let dropped = 0;
        for (const reader of hub.readerList) dropped += reader.dropped;
        actor.send({ type: 'READERS', readers: hub.readerCount, packetsIn: hub.packetsIn, dropped });
      }
    }
  }

  async shutdown(): Promise<void> {
    if (this.sampler) clearInterval(this.sampler);
    this.sampler = null;
    const all = [...this.live.values()];
    for (const tracking of all) tracking.broadcast.actor.send({ type: 'GONE', reason: 'shutdown' });
    await Promise.all(all.map((t) => t.writer.flush()));
    await Promise.all(all.map((t) => this.removeSdpFile(t)));
  }

  private forget(tracking: Tracking): void {
    if (this.live.get(tracking.broadcast.path) === tracking) this.live.delete(tracking.broadcast.path);
    void this.removeSdpFile(tracking);
  }

  /** QTSS shows an announced broadcast as `<name>.sdp` in the movies folder while it lasts. */
  private async writeSdpFile(tracking: Tracking): Promise<void> {
    const livePath = tracking.broadcast.path;
    const file = path.join(this.settings.moviesFolder, ...livePath.split('/'));
    const target = file.endsWith('.sdp') ? file : `${file}.sdp`;
    try {
      this.writtenFiles.add(target);
      await writeFile(target, tracking.broadcast.hub.sdp, { flag: 'wx' });
      tracking.sdpFile = target;
      if (tracking.broadcast.hub.ended) await this.removeSdpFile(tracking);
    } catch (error) {
      this.writtenFiles.delete(target);
      this.logger.log('WARNING', `broadcast ${livePath}: SDP not written to ${target}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
  }

  private async removeSdpFile(tracking: Tracking): Promise<void> {
    const file = tracking.sdpFile;
    if (!file) return;
    tracking.sdpFile = null;
    await unlink(file).catch(() => {});
    this.writtenFiles.delete(file);
  }
}
