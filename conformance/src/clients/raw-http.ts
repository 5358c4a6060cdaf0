/**
 * An HTTP/1.x client over a raw socket, for the cases that must control or
 * see every byte: malformed requests, framing, interim responses, trailers,
 * aborted responses and pipelining.
 *
 * It writes exactly what it is given and parses responses strictly enough to
 * tell a complete response from an aborted one.
 *
 * @module
 */

import type net from 'node:net';
import { TsgiError } from 'tsgi';
import { connect, type Target } from '../target.js';

/** A response head: the status line and header fields. */
export interface RawHead {
  /** The version of the status line, such as `1.1`. */
  readonly httpVersion: string;
  /** The status code. */
  readonly status: number;
  /** The reason phrase. */
  readonly reason: string;
  /** The header fields in order, names as sent, values without surrounding whitespace. */
  readonly headers: readonly (readonly [string, string])[];
  /** The head exactly as received, Latin-1 decoded, without the final empty line. */
  readonly raw: string;
}

/** How a response body was delimited on the wire. */
export type RawFraming = 'none' | 'content-length' | 'chunked' | 'close';

/** A response body as read from the wire. */
export interface RawBody {
  /** The body bytes received (de-chunked). */
  readonly body: Uint8Array;
  /** How the body was delimited. */
  readonly framing: RawFraming;
  /** Whether the body ended as its framing says, rather than by the connection dropping. */
  readonly complete: boolean;
  /** The trailer fields of a chunked body. */
  readonly trailers: [string, string][];
}

/** A whole response as read from the wire. */
export interface RawResponse extends RawHead {
  /** The interim (1xx) responses that came before it, in order. */
  readonly interim: readonly RawHead[];
  /** The body bytes received (de-chunked). */
  readonly body: Uint8Array;
  /** How the body was delimited. */
  readonly framing: RawFraming;
  /** Whether the body ended as its framing says, rather than by the connection dropping. */
  readonly complete: boolean;
  /** The trailer fields of a chunked body. */
  readonly trailers: readonly (readonly [string, string])[];
}

/** A read did not finish: the time ran out, or the bytes were not HTTP. */
export class WireError extends TsgiError {
  /**
   * @param message - what the client was waiting for and what it got.
   */
  constructor(message: string) {
    super('ERR_TSGI_CONFORMANCE_WIRE', message);
  }
}

/** Finds the first value of a header, by case-insensitive name. */
export function headerValue(head: RawHead, name: string): string | undefined {
  const lower = name.toLowerCase();
  return head.headers.find(([key]) => key.toLowerCase() === lower)?.[1];
}

/** All values of a header, by case-insensitive name, in order. */
export function headerValues(head: RawHead, name: string): string[] {
  const lower = name.toLowerCase();
  return head.headers.filter(([key]) => key.toLowerCase() === lower).map(([, value]) => value);
}

/** Reads bytes as Latin-1 text. */
function text(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

/** One connection to the server, read and written at the byte level. */
export class RawConnection {
  /** The underlying socket. */
  readonly socket: net.Socket;
  private buffer: Buffer = Buffer.alloc(0);
  private wake: (() => void) | null = null;
  private finished = false;
  private resetSeen = false;
  private totalReceived = 0;

  /** Opens a connection to `target`. */
  static async open(target: Target, timeoutMs = 5000): Promise<RawConnection> {
    return new RawConnection(await connect(target, timeoutMs));
  }

  /**
   * @param socket - a connected socket; the connection takes it over.
   */
  constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.totalReceived += chunk.length;
      this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
      this.notify();
    });
    socket.on('end', () => {
      this.finished = true;
      this.notify();
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNRESET' || error.code === 'EPIPE') this.resetSeen = true;
      this.finished = true;
      this.notify();
    });
    socket.on('close', () => {
      this.finished = true;
      this.notify();
    });
  }

  /** Whether the server ended or dropped the connection. */
  get closed(): boolean {
    return this.finished;
  }

  /** Whether the connection was reset rather than closed cleanly. */
  get reset(): boolean {
    return this.resetSeen;
  }

  /** How many bytes the server has sent on this connection so far. */
  get bytesReceived(): number {
    return this.totalReceived;
  }

  /** The bytes received but not parsed yet. */
  get pending(): Uint8Array {
    return this.buffer;
  }

  /** Writes bytes, or a string as Latin-1; resolves once the socket took them. */
  write(data: string | Uint8Array): Promise<void> {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
    return new Promise((resolve) => {
      if (this.socket.destroyed || !this.socket.writable) {
        resolve();
        return;
      }
      this.socket.write(bytes, () => resolve());
    });
  }

  /** Ends the sending side (a half-close). */
  end(): void {
    this.socket.end();
  }

  /** Drops the connection at once. */
  destroy(): void {
    this.socket.destroy();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  /** Waits until `ready()` holds or the connection ends; false on timeout. */
  private async until(ready: () => boolean, deadline: number): Promise<boolean> {
    while (!ready()) {
      if (this.finished) return ready();
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    return true;
  }

  private take(length: number): Buffer {
    const out = this.buffer.subarray(0, length);
    this.buffer = this.buffer.subarray(length);
    return out;
  }

  /** Reads one line ending in CRLF (or a bare LF); `null` when the connection ended first. */
  private async readLine(deadline: number, what: string): Promise<string | null> {
    const found = await this.until(() => this.buffer.indexOf(0x0a) >= 0, deadline);
    const at = this.buffer.indexOf(0x0a);
    if (at < 0) {
      if (found || this.finished) return null;
      throw new WireError(`timed out waiting for ${what}`);
    }
    const line = text(this.take(at + 1));
    return line.replace(/\r?\n$/, '');
  }

  /**
   * Reads the next response head, interim or final. Resolves with `null` when
   * the connection ended before any byte of it.
   *
   * @throws WireError on a timeout or bytes that are not a status line.
   */
  async readHead(timeoutMs = 5000): Promise<RawHead | null> {
    const deadline = Date.now() + timeoutMs;
    const ready = await this.until(() => headEnd(this.buffer) >= 0, deadline);
    const end = headEnd(this.buffer);
    if (end < 0) {
      if (this.buffer.length === 0 && this.finished) return null;
      if (!ready && !this.finished) {
        throw new WireError(
          this.buffer.length === 0
            ? `no response within ${timeoutMs} ms`
            : `an incomplete response head within ${timeoutMs} ms: ${JSON.stringify(text(this.buffer).slice(0, 120))}`,
        );
      }
      throw new WireError(
        `the connection ended inside a response head: ${JSON.stringify(text(this.buffer).slice(0, 120))}`,
      );
    }
    const raw = text(this.take(end)).replace(/\r?\n\r?\n$/, '');
    const lines = raw.split(/\r?\n/);
    const match = /^HTTP\/(\d\.\d) (\d{3})(?: (.*))?$/.exec(lines[0] ?? '');
    if (!match) throw new WireError(`not a status line: ${JSON.stringify(lines[0])}`);
    const headers: [string, string][] = [];
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      if (colon <= 0) throw new WireError(`not a header field line: ${JSON.stringify(line)}`);
      headers.push([line.slice(0, colon), line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, '')]);
    }
    return {
      httpVersion: match[1] as string,
      status: Number(match[2]),
      reason: match[3] ?? '',
      headers,
      raw,
    };
  }

  /**
   * Reads the body that follows `head`, as its framing says. A body cut off by
   * the connection ending is returned with `complete: false`.
   *
   * @throws WireError on a timeout or a malformed chunk.
   */
  async readBody(
    head: RawHead,
    options: { method?: string; timeoutMs?: number } = {},
  ): Promise<RawBody> {
    const deadline = Date.now() + (options.timeoutMs ?? 5000);
    const trailers: [string, string][] = [];
    if (
      options.method === 'HEAD' ||
      head.status < 200 ||
      head.status === 204 ||
      head.status === 304
    ) {
      return { body: new Uint8Array(0), framing: 'none', complete: true, trailers };
    }
    const codings = headerValues(head, 'transfer-encoding').join(',').toLowerCase();
    if (/(?:^|,)\s*chunked\s*$/.test(codings)) {
      const pieces: Buffer[] = [];
      for (;;) {
        const line = await this.readLine(deadline, 'a chunk size line');
        if (line === null)
          return { body: Buffer.concat(pieces), framing: 'chunked', complete: false, trailers };
        const size = /^([0-9a-fA-F]+)[ \t]*(?:;.*)?$/.exec(line);
        if (!size) throw new WireError(`not a chunk size line: ${JSON.stringify(line)}`);
        const length = Number.parseInt(size[1] as string, 16);
        if (length === 0) break;
        const got = await this.until(() => this.buffer.length >= length + 2, deadline);
        if (this.buffer.length < length + 2) {
          pieces.push(this.take(Math.min(length, this.buffer.length)));
          if (!got && !this.finished) throw new WireError('timed out inside a chunk');
          return { body: Buffer.concat(pieces), framing: 'chunked', complete: false, trailers };
        }
        pieces.push(this.take(length));
        const crlf = text(this.take(2));
        if (crlf !== '\r\n')
          throw new WireError(`a chunk not followed by CRLF: ${JSON.stringify(crlf)}`);
      }
      for (;;) {
        const line = await this.readLine(deadline, 'the trailer section');
        if (line === null)
          return { body: Buffer.concat(pieces), framing: 'chunked', complete: false, trailers };
        if (line === '') break;
        const colon = line.indexOf(':');
        trailers.push([line.slice(0, colon), line.slice(colon + 1).trim()]);
      }
      return { body: Buffer.concat(pieces), framing: 'chunked', complete: true, trailers };
    }
    const declared = headerValue(head, 'content-length');
    if (declared !== undefined) {
      const length = Number(declared);
      if (!Number.isSafeInteger(length) || length < 0) {
        throw new WireError(`an invalid content-length: ${JSON.stringify(declared)}`);
      }
      const got = await this.until(() => this.buffer.length >= length, deadline);
      if (this.buffer.length < length) {
        if (!got && !this.finished)
          throw new WireError(`timed out after ${this.buffer.length} of ${length} body bytes`);
        return {
          body: this.take(this.buffer.length),
          framing: 'content-length',
          complete: false,
          trailers,
        };
      }
      return { body: this.take(length), framing: 'content-length', complete: true, trailers };
    }
    const ended = await this.until(() => false, deadline);
    if (!ended && !this.finished)
      throw new WireError('timed out waiting for a close-delimited body to end');
    return {
      body: this.take(this.buffer.length),
      framing: 'close',
      complete: !this.resetSeen,
      trailers,
    };
  }

  /**
   * Reads the next final response with its body, collecting interim (1xx)
   * responses on the way. Resolves with `null` when the connection ended
   * before any byte of it.
   */
  async readResponse(
    options: { method?: string; timeoutMs?: number } = {},
  ): Promise<RawResponse | null> {
    const interim: RawHead[] = [];
    for (;;) {
      const head = await this.readHead(options.timeoutMs);
      if (head === null) {
        if (interim.length === 0) return null;
        throw new WireError('the connection ended after an interim response');
      }
      if (head.status >= 100 && head.status < 200 && head.status !== 101) {
        interim.push(head);
        continue;
      }
      const body = await this.readBody(head, options);
      return { ...head, interim, ...body };
    }
  }

  /**
   * Reads exactly `length` bytes. Resolves with `null` when the connection
   * ended first.
   *
   * @throws WireError on a timeout.
   */
  async readBytes(length: number, timeoutMs = 5000): Promise<Uint8Array | null> {
    const got = await this.until(() => this.buffer.length >= length, Date.now() + timeoutMs);
    if (this.buffer.length >= length) return this.take(length);
    if (!got && !this.finished)
      throw new WireError(`timed out after ${this.buffer.length} of ${length} bytes`);
    return null;
  }

  /** Waits for the server to close the connection; false when it is still open after `timeoutMs`. */
  async waitClosed(timeoutMs = 2000): Promise<boolean> {
    await this.until(() => this.finished, Date.now() + timeoutMs);
    return this.finished;
  }

  /** Waits `ms` and returns the bytes that arrived and were not parsed. */
  async collect(ms: number): Promise<Uint8Array> {
    await this.until(() => false, Date.now() + ms);
    return this.take(this.buffer.length);
  }
}

function headEnd(buffer: Buffer): number {
  const crlf = buffer.indexOf('\r\n\r\n');
  const lf = buffer.indexOf('\n\n');
  const end = Math.min(
    crlf >= 0 ? crlf + 4 : Number.POSITIVE_INFINITY,
    lf >= 0 ? lf + 2 : Number.POSITIVE_INFINITY,
  );
  return Number.isFinite(end) ? end : -1;
}

/** Builds a request as text: a request line, header lines in order, CRLF line ends, a body. */
export function buildRequest(
  requestLine: string,
  headers: readonly (readonly [string, string])[],
  body = '',
): string {
  return `${requestLine}\r\n${headers.map(([name, value]) => `${name}: ${value}\r\n`).join('')}\r\n${body}`;
}
