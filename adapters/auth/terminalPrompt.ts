/**
 * Asks questions on a terminal, or on piped standard input. On a terminal a secret
 * answer is read in raw mode without echo (backspace, Ctrl-U, Ctrl-C and Ctrl-D
 * work); from a pipe, answers are simply the next lines, so a script can answer
 * every question in order. Prompts go to the error stream, keeping standard output
 * for results.
 */
export interface Prompter {
  /** The answer without its line ending, or null at end of input. Throws PromptInterrupted on Ctrl-C. */
  ask(question: string, options?: { secret?: boolean }): Promise<string | null>;
  close(): void;
}

export class PromptInterrupted extends Error {
  constructor() {
    super('interrupted');
    this.name = 'PromptInterrupted';
  }
}

interface InputStream extends NodeJS.EventEmitter {
  readonly isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
  setEncoding(encoding: BufferEncoding): unknown;
  pause(): unknown;
  resume(): unknown;
}

interface OutputStream {
  write(text: string): unknown;
}

export class StreamPrompter implements Prompter {
  private buffer = '';
  private ended = false;
  private listening = false;
  private skipLineFeed = false;
  private wake: (() => void) | null = null;
  private raw = false;

  constructor(
    private readonly input: InputStream,
    private readonly output: OutputStream,
  ) {}

  private readonly onData = (chunk: string | Buffer): void => {
    this.buffer += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    this.wake?.();
  };

  private readonly onEnd = (): void => {
    this.ended = true;
    this.wake?.();
  };

  private listen(): void {
    if (this.listening) return;
    this.listening = true;
    this.input.setEncoding('utf8');
    this.input.on('data', this.onData);
    this.input.on('end', this.onEnd);
    this.input.on('close', this.onEnd);
  }

  async ask(question: string, options: { secret?: boolean } = {}): Promise<string | null> {
    this.listen();
    const hideEcho = options.secret === true && this.input.isTTY === true && typeof this.input.setRawMode === 'function';
    this.output.write(question);
    if (hideEcho) {
      this.input.setRawMode!(true);
      this.raw = true;
    }
    this.input.resume();
    try {
      const answer = await this.readLine(hideEcho);
      if (hideEcho) this.output.write('\n');
      return answer;
    } finally {
      if (hideEcho) {
        this.input.setRawMode!(false);
        this.raw = false;
      }
      this.input.pause();
    }
  }

  private async readLine(raw: boolean): Promise<string | null> {
    let line = '';
    for (;;) {
      while (this.buffer.length > 0) {
        const ch = this.buffer[0]!;
        this.buffer = this.buffer.slice(1);
        if (this.skipLineFeed) {
          this.skipLineFeed = false;
          if (ch === '\n') continue;
        }
        if (ch === '\n') return line;
        if (ch === '\r') {
          this.skipLineFeed = true;
          return line;
        }
        if (raw) {
          if (ch === '\u0003') throw new PromptInterrupted();
          if (ch === '\u0004') {
            if (line === '') return null;
            continue;
          }
          if (ch === '\u007f' || ch === '\b') {
            line = [...line].slice(0, -1).join('');
            continue;
          }
          if (ch === '\u0015') {
            line = '';
            continue;
          }
        }
        line += ch;
      }
      if (this.ended) return line === '' ? null : line;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
      this.wake = null;
    }
  }

  close(): void {
    if (this.raw) this.input.setRawMode?.(false);
    if (this.listening) {
      this.input.removeListener('data', this.onData);
      this.input.removeListener('end', this.onEnd);
      this.input.removeListener('close', this.onEnd);
    }
    this.input.pause();
  }
}
