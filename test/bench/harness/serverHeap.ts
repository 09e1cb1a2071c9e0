import WebSocket from 'ws';

/**
 * The server's memory as V8 sees it, after a full garbage collection, read through the
 * inspector of a server started with `--inspect=127.0.0.1:0`. RSS alone cannot say what
 * one more session costs: it carries garbage not yet collected and memory V8 has not
 * given back, and it moved by a factor of three between runs of the same code. After a
 * collection, `heapUsed` is the live JavaScript objects and `external − arrayBuffers` the
 * native memory they hold apart from buffers; `arrayBuffers` is Buffer memory (packets,
 * batches, the movie's block cache).
 */
export interface HeapFigures {
  readonly heapUsedMb: number;
  readonly externalMb: number;
  readonly arrayBuffersMb: number;
}

/** The inspector's WebSocket address in what a `--inspect` process printed, if any. */
export function inspectorUrl(output: string): string | null {
  return /Debugger listening on (ws:\/\/\S+)/.exec(output)?.[1] ?? null;
}

/** Collects garbage in the server and returns its heap figures. */
export async function heapAfterGc(url: string, timeoutMs = 10_000): Promise<HeapFigures> {
  const socket = new WebSocket(url);
  const pending = new Map<number, { resolve: (result: unknown) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  const call = (method: string, params: object = {}): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      socket.send(JSON.stringify({ id, method, params }));
    });
  socket.on('message', (data) => {
    const message = JSON.parse(String(data)) as { id?: number; result?: unknown; error?: { message: string } };
    const waiting = message.id === undefined ? undefined : pending.get(message.id);
    if (!waiting) return;
    pending.delete(message.id!);
    if (message.error) waiting.reject(new Error(message.error.message));
    else waiting.resolve(message.result);
  });
  const opened = new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  socket.on('close', () => {
    for (const waiting of pending.values()) waiting.reject(new Error('inspector connection closed'));
    pending.clear();
  });
  const timer = setTimeout(() => socket.terminate(), timeoutMs);
  try {
    await opened;
    await call('HeapProfiler.collectGarbage');
    const evaluated = (await call('Runtime.evaluate', { expression: 'JSON.stringify(process.memoryUsage())', returnByValue: true })) as {
      result?: { value?: unknown };
    };
    const usage = JSON.parse(String(evaluated.result?.value)) as NodeJS.MemoryUsage;
    const mb = (bytes: number): number => bytes / 1024 / 1024;
    return { heapUsedMb: mb(usage.heapUsed), externalMb: mb(usage.external), arrayBuffersMb: mb(usage.arrayBuffers) };
  } finally {
    clearTimeout(timer);
    socket.close();
  }
}
