import net from 'node:net';
import { FrameScanner } from './frameScanner.js';
import type { IngestLatency } from './ingestLatency.js';

/**
 * A TCP relay between a publisher (ffmpeg `-f rtsp -rtsp_transport tcp`) and the server.
 * Bytes pass through unchanged; on the way in, each interleaved RTP frame (even
 * channel) is noted with the time it was seen, so readers can time it at egress.
 */
export class IngestProbe {
  private constructor(
    private readonly server: net.Server,
    readonly port: number,
    private readonly sockets: Set<net.Socket>,
  ) {}

  static start(serverPort: number, latency: IngestLatency): Promise<IngestProbe> {
    const sockets = new Set<net.Socket>();
    const server = net.createServer((publisher) => {
      const upstream = net.connect({ port: serverPort, host: '127.0.0.1' });
      sockets.add(publisher);
      sockets.add(upstream);
      publisher.setNoDelay(true);
      upstream.setNoDelay(true);
      const scanner = new FrameScanner({
        frame: (channel, buffer, offset, length) => {
          if ((channel & 1) === 0) latency.recordIngress(buffer, offset, length, performance.now());
        },
        message: () => {},
        broken: () => {},
      });
      publisher.on('data', (chunk: Buffer) => {
        scanner.push(chunk);
        upstream.write(chunk);
      });
      upstream.on('data', (chunk: Buffer) => publisher.write(chunk));
      const end = (): void => {
        publisher.destroy();
        upstream.destroy();
        sockets.delete(publisher);
        sockets.delete(upstream);
      };
      for (const s of [publisher, upstream]) {
        s.on('error', end);
        s.on('close', end);
      }
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        resolve(new IngestProbe(server, (server.address() as net.AddressInfo).port, sockets));
      });
    });
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
