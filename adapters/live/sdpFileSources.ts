import dgram from 'node:dgram';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseSdp, type ParsedSdp } from '../../domain/sdp/parseSdp.js';
import type { ErrorLogger } from '../rtsp/requestRouter.js';
import type { BroadcastRegistry } from './broadcastRegistry.js';

/**
 * Live sources described by .sdp files in the movies folder (QTSS's way for
 * broadcasters that push RTP over UDP): the server listens on each media's port (RTP)
 * and the next (RTCP) and serves the stream at the file's URL. The folder is scanned
 * every couple of seconds, so adding, changing or removing a file takes effect without
 * a restart. Two files claiming one port: the second is refused (QTSS's "error 500")
 * and both are named in the error log.
 */
interface Source {
  readonly file: string;
  readonly livePath: string;
  readonly mtimeMs: number;
  readonly size: number;
  readonly sockets: dgram.Socket[];
  readonly ports: number[];
}

const MAX_DEPTH = 4;

export class SdpFileSources {
  private readonly sources = new Map<string, Source>();
  /** Files refused for a port conflict, with the message readers get. */
  private readonly refused = new Map<string, string>();
  private timer: NodeJS.Timeout | null = null;
  private scanning: Promise<void> | null = null;

  constructor(
    private readonly moviesFolder: string,
    private readonly broadcasts: BroadcastRegistry,
    private readonly logger: ErrorLogger,
    private readonly scanMs = 2000,
  ) {}

  async start(): Promise<void> {
    await this.scan();
    this.timer ??= setInterval(() => void this.scan(), this.scanMs);
    this.timer.unref();
  }

  /** Why a path's SDP file is not served, when it was refused. */
  refusal(livePath: string): string | undefined {
    return this.refused.get(livePath);
  }

  scan(): Promise<void> {
    this.scanning ??= this.scanOnce().finally(() => (this.scanning = null));
    return this.scanning;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.scanning;
    for (const source of this.sources.values()) this.close(source, 'shutdown');
    this.sources.clear();
  }

  private async scanOnce(): Promise<void> {
    const found = new Map<string, { mtimeMs: number; size: number }>();
    await this.walk(this.moviesFolder, 0, found);
    for (const [file, source] of this.sources) {
      const now = found.get(file);
      if (!now || now.mtimeMs !== source.mtimeMs || now.size !== source.size) {
        this.close(source, now ? 'replaced' : 'sdp-removed');
        this.sources.delete(file);
      } else if (!this.broadcasts.get(source.livePath)) {
        // The broadcast ended (its source was lost past the grace): wait for it again.
        this.close(source, 'replaced');
        this.sources.delete(file);
      }
    }
    for (const livePath of [...this.refused.keys()]) {
      if (!found.has(path.join(this.moviesFolder, ...livePath.split('/')))) this.refused.delete(livePath);
    }
    for (const [file, info] of found) {
      if (this.sources.has(file)) continue;
      await this.open(file, info);
    }
  }

  private async walk(folder: string, depth: number, found: Map<string, { mtimeMs: number; size: number }>): Promise<void> {
    if (depth > MAX_DEPTH) return;
    let entries;
    try {
      entries = await readdir(folder, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) await this.walk(full, depth + 1, found);
      else if (entry.name.toLowerCase().endsWith('.sdp') && !this.broadcasts.writtenFiles.has(full)) {
        const info = await stat(full).catch(() => null);
        if (info?.isFile()) found.set(full, { mtimeMs: info.mtimeMs, size: info.size });
      }
    }
  }

  private async open(file: string, info: { mtimeMs: number; size: number }): Promise<void> {
    const livePath = path.relative(this.moviesFolder, file).split(path.sep).join('/');
    if (this.broadcasts.get(livePath)) return; // announced by a broadcaster; not ours
    const text = await readFile(file, 'utf8').catch(() => null);
    if (text === null || text.length > 64 * 1024) return;
    const parsed = parseSdp(text);
    if (!parsed.ok) {
      this.remember(livePath, `invalid SDP at line ${parsed.line}: ${parsed.error}`, info.mtimeMs);
      return;
    }
    const ports = parsed.sdp.media.flatMap((m) => [m.port, m.port + 1]).filter((p) => p > 0);
    const conflict = [...this.sources.values()].find((s) => s.ports.some((p) => ports.includes(p)));
    if (conflict) {
      const message = `${livePath} refused: its UDP ports ${ports.join(', ')} are already used by ${conflict.livePath}`;
      if (this.refused.get(livePath) !== message) this.logger.log('WARNING', message);
      this.refused.set(livePath, message);
      return;
    }
    const sockets: dgram.Socket[] = [];
    try {
      this.refused.delete(livePath);
      const broadcast = this.broadcasts.create(livePath, parsed.sdp, 'sdp-file', livePath);
      const source: Source = { file, livePath, mtimeMs: info.mtimeMs, size: info.size, sockets, ports };
      this.sources.set(file, source);
      await Promise.all(parsed.sdp.media.map((media, index) => this.listen(parsed.sdp, media.port, media.connectionAddress, sockets, index, broadcast.hub)));
    } catch (error) {
      const message = `${livePath}: cannot listen for its broadcast: ${error instanceof Error ? error.message : String(error)}`;
      this.logger.log('WARNING', message);
      for (const socket of sockets) socket.close();
      this.sources.delete(file);
      this.broadcasts.end(livePath, 'sdp-removed');
      this.refused.set(livePath, message);
    }
  }

  private async listen(
    _sdp: ParsedSdp,
    port: number,
    address: string | null,
    sockets: dgram.Socket[],
    index: number,
    hub: { onRtp(index: number, packet: Buffer): void; onRtcp(index: number, packet: Buffer): void },
  ): Promise<void> {
    const v6 = address?.includes(':') ?? false;
    const multicast = address !== null && (/^2(2[4-9]|3\d)\./.test(address) || /^ff/i.test(address));
    for (const [offset, handler] of [
      [0, (packet: Buffer) => hub.onRtp(index, packet)],
      [1, (packet: Buffer) => hub.onRtcp(index, packet)],
    ] as const) {
      const socket = dgram.createSocket({ type: v6 ? 'udp6' : 'udp4', reuseAddr: multicast });
      sockets.push(socket);
      socket.on('message', handler);
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.bind(port + offset, multicast ? undefined : v6 ? '::' : '0.0.0.0', () => {
          socket.off('error', reject);
          resolve();
        });
      });
      socket.on('error', (error) => this.logger.log('WARNING', `UDP ${port + offset}: ${error.message}`));
      socket.setRecvBufferSize(4 * 1024 * 1024);
      if (multicast) socket.addMembership(address!);
    }
  }

  private remember(livePath: string, message: string, _mtimeMs: number): void {
    if (this.refused.get(livePath) !== message) this.logger.log('WARNING', message);
    this.refused.set(livePath, message);
  }

  private close(source: Source, reason: 'sdp-removed' | 'replaced' | 'shutdown'): void {
    for (const socket of source.sockets) socket.close();
    this.broadcasts.end(source.livePath, reason);
  }
}
