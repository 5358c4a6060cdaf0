// Shared tools of the HTTP transport tests: a server started through serve()
// with its log in memory, a raw TCP client that writes exact bytes and reads
// responses back, and a parser for what it reads.
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import type {
  Application,
  HeaderList,
  HttpReceiveEvent,
  HttpScope,
  HttpSendEvent,
  Receive,
  Scope,
  Send,
} from 'tsgi';
import type { BoundAddress, ServerHandle } from '../src/handle.js';
import { Logger } from '../src/log/logger.js';
import { MemorySink } from '../src/log/sink.js';
import type { ServerOptionsInput } from '../src/options.js';
import { type ServeExtras, serve } from '../src/serve.js';

/** A promise with its resolve function outside. */
export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets pending I/O callbacks and microtasks run: a few turns of the event loop. */
export async function turns(count = 5): Promise<void> {
  for (let i = 0; i < count; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Waits `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `condition` until it holds, failing after `timeoutMs`. */
export async function until(
  condition: () => boolean,
  what: string,
  timeoutMs = 5000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/** An HTTP-only app, with events typed for HTTP. */
export type HttpApp = (
  scope: HttpScope,
  receive: () => Promise<HttpReceiveEvent>,
  send: (event: HttpSendEvent) => Promise<void>,
) => Promise<void>;

/** Wraps an HTTP-only app so that it refuses lifespan (LS-4) and can be served. */
export function httpOnly(app: HttpApp): Application {
  return async (scope: Scope, receive: Receive, send: Send) => {
    if (scope.type !== 'http') throw new Error(`unsupported scope type ${scope.type}`);
    await app(
      scope,
      receive as () => Promise<HttpReceiveEvent>,
      send as (e: HttpSendEvent) => Promise<void>,
    );
  };
}

/** A running test server. */
export interface TestServer {
  readonly handle: ServerHandle;
  readonly address: BoundAddress;
  readonly port: number;
  readonly url: string;
  /** The error log lines written so far. */
  readonly log: string[];
  close(): Promise<void>;
}

/** Serves `app` on 127.0.0.1 with a free port, lifespan off and the log in memory. */
export async function startServer(
  app: Application,
  options: ServerOptionsInput = {},
  extras: ServeExtras = {},
): Promise<TestServer> {
  const sink = new MemorySink();
  const logger = new Logger(sink, 'debug');
  const handle = await serve(
    app,
    {
      host: '127.0.0.1',
      port: 0,
      lifespan: 'off',
      accessLog: false,
      gracefulTimeout: 2,
      ...options,
    },
    { logger, ...extras },
  );
  const address = handle.addresses[0]!;
  return {
    handle,
    address,
    port: address.port ?? 0,
    url: address.url,
    log: sink.lines,
    close: () => handle.close(),
  };
}

/** Serves an HTTP-only app; see {@link startServer}. */
export function startHttp(
  app: HttpApp,
  options: ServerOptionsInput = {},
  extras: ServeExtras = {},
): Promise<TestServer> {
  return startServer(httpOnly(app), options, extras);
}

/** An app that answers 200 with `body` in one event. */
export function textApp(body = 'ok'): HttpApp {
  return async (_scope, _receive, send) => {
    await send({
      type: 'http.response.start',
      status: 200,
      headers: [['content-type', 'text/plain']],
    });
    await send({ type: 'http.response.body', body });
  };
}

/** Reads the whole request body through `receive()`, or `null` on `http.disconnect`. */
export async function readBody(receive: () => Promise<HttpReceiveEvent>): Promise<Buffer | null> {
  const pieces: Uint8Array[] = [];
  for (;;) {
    const event = await receive();
    if (event.type === 'http.disconnect') return null;
    pieces.push(event.body);
    if (!event.moreBody) return Buffer.concat(pieces);
  }
}

/** One parsed HTTP response. */
export interface ParsedResponse {
  status: number;
  reason: string;
  /** Header fields with lowercase names, in order. */
  headers: HeaderList;
  /** The body bytes, de-chunked. */
  body: Buffer;
  /** Trailer fields of a chunked body. */
  trailers: HeaderList;
  /** Whether the body's framing ended properly (false: cut short). */
  complete: boolean;
  /** The raw bytes of this response. */
  raw: string;
}

/** The value of the first header called `name`. */
export function header(list: HeaderList, name: string): string | undefined {
  return list.find(([key]) => key === name)?.[1];
}

/** Every value of headers called `name`. */
export function headers(list: HeaderList, name: string): string[] {
  return list.filter(([key]) => key === name).map(([, value]) => value);
}

/**
 * Parses every response in `data` (interim 1xx responses included, as their
 * own entries). `headRequests` counts how many of the final responses, from
 * the first, answer HEAD requests and so carry no body.
 */
export function parseResponses(data: Buffer, headRequests = 0): ParsedResponse[] {
  const responses: ParsedResponse[] = [];
  let at = 0;
  let heads = headRequests;
  while (at < data.length) {
    const end = data.indexOf('\r\n\r\n', at, 'latin1');
    if (end < 0) break;
    const head = data.subarray(at, end).toString('latin1');
    const lines = head.split('\r\n');
    const match = /^HTTP\/1\.[01] (\d{3}) ?(.*)$/.exec(lines[0]!);
    if (match === null) throw new Error(`not a status line: ${JSON.stringify(lines[0])}`);
    const status = Number(match[1]);
    const list: HeaderList = lines.slice(1).map((line) => {
      const colon = line.indexOf(':');
      return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()];
    });
    let cursor = end + 4;
    const result: ParsedResponse = {
      status,
      reason: match[2]!,
      headers: list,
      body: Buffer.alloc(0),
      trailers: [],
      complete: true,
      raw: '',
    };
    if (status >= 100 && status < 200) {
      result.raw = data.subarray(at, cursor).toString('latin1');
      responses.push(result);
      at = cursor;
      continue;
    }
    const noBody = heads-- > 0 || status === 204 || status === 304;
    const length = header(list, 'content-length');
    const chunked = /chunked/i.test(header(list, 'transfer-encoding') ?? '');
    if (noBody) {
      // nothing
    } else if (chunked) {
      const pieces: Buffer[] = [];
      result.complete = false;
      for (;;) {
        const lineEnd = data.indexOf('\r\n', cursor, 'latin1');
        if (lineEnd < 0) {
          cursor = data.length;
          break;
        }
        const size = Number.parseInt(data.subarray(cursor, lineEnd).toString('latin1'), 16);
        cursor = lineEnd + 2;
        if (size === 0) {
          const trailerEnd = data.indexOf('\r\n\r\n', cursor - 2, 'latin1');
          if (trailerEnd < 0) {
            cursor = data.length;
            break;
          }
          const trailerText = data.subarray(cursor, trailerEnd).toString('latin1');
          result.trailers = trailerText
            .split('\r\n')
            .filter((line) => line !== '')
            .map((line) => {
              const colon = line.indexOf(':');
              return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()];
            });
          cursor = trailerEnd + 4;
          result.complete = true;
          break;
        }
        if (cursor + size + 2 > data.length) {
          pieces.push(data.subarray(cursor));
          cursor = data.length;
          break;
        }
        pieces.push(data.subarray(cursor, cursor + size));
        cursor += size + 2;
      }
      result.body = Buffer.concat(pieces);
    } else if (length !== undefined) {
      const size = Number(length);
      result.body = data.subarray(cursor, Math.min(data.length, cursor + size));
      result.complete = result.body.length === size;
      cursor = Math.min(data.length, cursor + size);
    } else {
      result.body = data.subarray(cursor);
      cursor = data.length;
    }
    result.raw = data.subarray(at, cursor).toString('latin1');
    responses.push(result);
    at = cursor;
  }
  return responses;
}

/** A raw TCP (or unix socket) client: writes exact bytes, collects what comes back. */
export class RawClient {
  readonly socket: Socket;
  #data: Buffer[] = [];
  #length = 0;
  #closed = false;
  #error: Error | null = null;
  readonly #closedPromise: Promise<void>;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.#data.push(chunk);
      this.#length += chunk.length;
    });
    socket.on('error', (error) => {
      this.#error = error;
    });
    this.#closedPromise = new Promise((resolve) => {
      socket.once('close', () => {
        this.#closed = true;
        resolve();
      });
    });
  }

  /** Connects to a TCP port on 127.0.0.1, or to a unix socket path. */
  static async connect(target: number | string): Promise<RawClient> {
    const socket =
      typeof target === 'number' ? connect(target, '127.0.0.1') : connect({ path: target });
    await once(socket, 'connect');
    return new RawClient(socket);
  }

  /** Everything received so far. */
  get data(): Buffer {
    return Buffer.concat(this.#data, this.#length);
  }

  /** How many bytes were received so far. */
  get received(): number {
    return this.#length;
  }

  /** Everything received so far, as Latin-1 text. */
  get text(): string {
    return this.data.toString('latin1');
  }

  /** Whether the server closed the connection. */
  get closed(): boolean {
    return this.#closed;
  }

  /** The socket error, if one happened (such as a reset). */
  get error(): Error | null {
    return this.#error;
  }

  /** Writes bytes (a string is written as Latin-1). */
  write(bytes: string | Buffer): void {
    this.socket.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);
  }

  /** Waits until the received data satisfies `test`. */
  async waitFor(test: (text: string) => boolean, what: string, timeoutMs = 5000): Promise<string> {
    await until(() => test(this.text) || this.#closed, what, timeoutMs);
    if (!test(this.text))
      throw new Error(`connection closed before ${what}: ${JSON.stringify(this.text)}`);
    return this.text;
  }

  /** Waits until `count` final responses have arrived complete. */
  async responses(count: number, headRequests = 0, timeoutMs = 5000): Promise<ParsedResponse[]> {
    const finals = () =>
      parseResponses(this.data, headRequests).filter((r) => r.status >= 200 && r.complete);
    await until(() => finals().length >= count || this.#closed, `${count} responses`, timeoutMs);
    const result = finals();
    if (result.length < count) {
      throw new Error(`expected ${count} responses, got ${JSON.stringify(this.text)}`);
    }
    return result;
  }

  /** Waits until the server closes the connection. */
  async waitClosed(timeoutMs = 5000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new Error(`the server did not close the connection: ${JSON.stringify(this.text)}`),
          ),
        timeoutMs,
      );
    });
    try {
      await Promise.race([this.#closedPromise, expired]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Closes the connection from this side. */
  end(): void {
    this.socket.end();
  }

  /** Destroys the connection from this side. */
  destroy(): void {
    this.socket.destroy();
  }
}

/** Sends `request` on a new connection and returns what came back once the server closed or `count` responses arrived. */
export async function exchange(
  port: number | string,
  request: string | Buffer,
  count = 1,
  headRequests = 0,
): Promise<{ client: RawClient; responses: ParsedResponse[] }> {
  const client = await RawClient.connect(port);
  client.write(request);
  const responses = await client.responses(count, headRequests);
  return { client, responses };
}
