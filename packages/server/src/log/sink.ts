/**
 * Where log lines go: standard output, standard error, or a file opened for
 * appending. Lines are gathered and written once per event loop turn, so a
 * burst of requests costs one write, not one per line.
 *
 * @module
 */
import { closeSync, openSync, writeSync } from 'node:fs';

/** A destination for log lines. */
export interface LineSink {
  /** Queues one line (without its newline). */
  write(line: string): void;
  /** Writes out what is queued, synchronously. */
  flush(): void;
  /** Reopens a log file after rotation; a no-op for standard streams. */
  reopen(): void;
  /** Flushes and releases the file. */
  close(): void;
}

const sinks = new Set<FileSink>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Lines queued for the next turn would be lost when the process exits now.
  process.on('exit', () => {
    for (const sink of sinks) sink.flush();
  });
}

/**
 * A buffered sink writing to a file descriptor: 1 (stdout), 2 (stderr), or a
 * file it opens in append mode, so several processes can share it.
 */
export class FileSink implements LineSink {
  private buffer: string[] = [];
  private scheduled = false;
  private fd: number;
  private readonly path: string | null;

  /**
   * @param target - `-` or `stdout`, `stderr`, or a file path.
   * @param dash - the standard stream `-` stands for.
   */
  constructor(target: string, dash: 'stdout' | 'stderr' = 'stdout') {
    const stream = target === '-' ? dash : target;
    if (stream === 'stdout' || stream === 'stderr') {
      this.path = null;
      this.fd = stream === 'stdout' ? 1 : 2;
    } else {
      this.path = target;
      this.fd = openSync(target, 'a');
    }
    sinks.add(this);
    installExitHook();
  }

  write(line: string): void {
    this.buffer.push(line);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  flush(): void {
    this.scheduled = false;
    if (this.buffer.length === 0 || this.fd < 0) return;
    const text = this.buffer.join('\n') + '\n';
    this.buffer = [];
    // Standard streams go through node's own stream, which is synchronous for
    // files, pipes and terminals on POSIX and copes with non-blocking pipes.
    if (this.path === null) (this.fd === 1 ? process.stdout : process.stderr).write(text);
    else writeFully(this.fd, text);
  }

  reopen(): void {
    if (this.path === null) return;
    this.flush();
    const fd = openSync(this.path, 'a');
    const old = this.fd;
    this.fd = fd;
    closeSync(old);
  }

  close(): void {
    this.flush();
    sinks.delete(this);
    if (this.path !== null && this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

function writeFully(fd: number, text: string): void {
  const bytes = Buffer.from(text);
  let offset = 0;
  while (offset < bytes.length) {
    try {
      offset += writeSync(fd, bytes, offset);
    } catch {
      // A full disk or a file removed under us: logging must not take the server down.
      return;
    }
  }
}

/** A sink that keeps lines in memory, for tests and embedding. */
export class MemorySink implements LineSink {
  /** The lines written so far. */
  readonly lines: string[] = [];

  write(line: string): void {
    this.lines.push(line);
  }

  flush(): void {}

  reopen(): void {}

  close(): void {}
}
