// Shared tools of the WebSocket tests: a server that hands upgrades to the
// WebSocket handler, a `ws` client with awaitable events, and a raw TCP client
// that speaks frames byte by byte.

import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { connect, type Socket } from 'node:net';
import type { Application, Receive, Scope, Send, WebSocketScope } from 'tsgi';
import { type ClientOptions, WebSocket } from 'ws';
import { HeadFacts } from '../src/http/request-head.js';
import { Logger } from '../src/log/logger.js';
import { MemorySink } from '../src/log/sink.js';
import type { WebSocketContext, WebSocketOptions } from '../src/websocket/context.js';
import { WebSocketRegistry } from '../src/websocket/registry.js';
import { handleUpgrade } from '../src/websocket/upgrade.js';

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

/** Tracks whether a promise has settled, without timers. */
export function track<T>(promise: Promise<T>): {
  readonly settled: boolean;
  readonly promise: Promise<T>;
} {
  const state = { settled: false, promise };
  promise.then(
    () => {
      state.settled = true;
    },
    () => {
      state.settled = true;
    },
  );
  return state;
}

/** Lets pending I/O callbacks and microtasks run: a few turns of the event loop. */
export async function turns(count = 5): Promise<void> {
  for (let i = 0; i < count; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** The settings of a test server. Pings are off unless a test asks for them. */
export const TEST_OPTIONS: WebSocketOptions = {
  rootPath: '',
  wsMaxMessageSize: 16 * 1024 * 1024,
  wsPingInterval: 0,
  wsPingTimeout: 20,
  dateHeader: true,
  serverHeader: true,
};

/** What a WebSocket test app got: its scope, and how it ended. */
export interface AppCall {
  scope: WebSocketScope;
  receive: Receive;
  send: Send;
}

/** A running test server. */
export interface TestServer {
  readonly port: number;
  readonly url: string;
  readonly context: WebSocketContext;
  readonly registry: WebSocketRegistry;
  readonly log: MemorySink;
  /** Resolves with each application call, in order. */
  nextCall(): Promise<AppCall>;
  /** Lines of the error log at ERROR level. */
  errors(): string[];
  close(): Promise<void>;
}

export interface ServerSettings {
  options?: Partial<WebSocketOptions>;
  lifespanState?: () => Record<string, unknown> | undefined;
  closeTimeoutMs?: number;
  /** Serve over TLS with this key and certificate (PEM). */
  tls?: { key: string; cert: string };
}

/**
 * Starts a node:http server whose `upgrade` requests go to the WebSocket
 * handler. `app` is the application; every call is also queued for `nextCall()`.
 */
export async function startServer(
  app: Application,
  settings: ServerSettings = {},
): Promise<TestServer> {
  const log = new MemorySink();
  const registry = new WebSocketRegistry();
  const calls: AppCall[] = [];
  const waiting: Array<(call: AppCall) => void> = [];
  const wrapped: Application = (scope: Scope, receive: Receive, send: Send) => {
    if (scope.type === 'websocket') {
      const call = { scope, receive, send };
      const waiter = waiting.shift();
      if (waiter) waiter(call);
      else calls.push(call);
    }
    return app(scope, receive, send);
  };
  const context: WebSocketContext = {
    app: wrapped,
    options: { ...TEST_OPTIONS, ...settings.options },
    lifespanState: settings.lifespanState ?? (() => undefined),
    logger: new Logger(log, 'debug'),
    accessLogger: null,
    registry,
    ...(settings.closeTimeoutMs === undefined ? {} : { closeTimeoutMs: settings.closeTimeoutMs }),
  };
  const notFound = (_req: IncomingMessage, res: ServerResponse): void => {
    res.statusCode = 404;
    res.end();
  };
  const server: Server =
    settings.tls === undefined ? createServer(notFound) : createTlsServer(settings.tls, notFound);
  server.on('upgrade', (req: IncomingMessage, socket, head: Buffer) => {
    // The header list the HTTP side hands over with each handshake.
    void handleUpgrade(req, socket, head, context, new HeadFacts().read(req.rawHeaders));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    port,
    url: `${settings.tls === undefined ? 'ws' : 'wss'}://127.0.0.1:${port}`,
    context,
    registry,
    log,
    nextCall() {
      const call = calls.shift();
      if (call) return Promise.resolve(call);
      return new Promise((resolve) => waiting.push(resolve));
    },
    errors() {
      return log.lines.filter((line) => line.includes('[ERROR]'));
    },
    async close() {
      registry.terminateAll();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A message the `ws` client received. */
export interface ClientMessage {
  data: Buffer;
  isBinary: boolean;
}

/** A `ws` client with its events as promises. */
export interface TestClient {
  readonly ws: WebSocket;
  /** The `101` response, once open. */
  readonly upgrade: Promise<IncomingMessage>;
  readonly opened: Promise<void>;
  /** The close code and reason the client saw. */
  readonly closed: Promise<{ code: number; reason: string }>;
  /** A non-101 answer to the handshake: its status, headers and body. */
  readonly refused: Promise<{ status: number; headers: IncomingMessage['headers']; body: string }>;
  nextMessage(): Promise<ClientMessage>;
}

export function openClient(
  url: string,
  protocols: string[] = [],
  options: ClientOptions = {},
): TestClient {
  const ws = new WebSocket(url, protocols, options);
  const messages: ClientMessage[] = [];
  const waiting: Array<(message: ClientMessage) => void> = [];
  const upgrade = deferred<IncomingMessage>();
  const opened = deferred();
  const closed = deferred<{ code: number; reason: string }>();
  const refused = deferred<{ status: number; headers: IncomingMessage['headers']; body: string }>();
  // A refused handshake also makes `opened` reject; tests that expect it await `refused`.
  opened.promise.catch(() => {});
  ws.on('upgrade', (res) => upgrade.resolve(res));
  ws.on('open', () => opened.resolve());
  ws.on('error', (error) => opened.reject(error));
  ws.on('close', (code, reason) => closed.resolve({ code, reason: reason.toString() }));
  ws.on('unexpected-response', (_req, res) => {
    const chunks: Buffer[] = [];
    res.on('data', (chunk: Buffer) => chunks.push(chunk));
    res.on('end', () => {
      refused.resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      ws.terminate();
    });
  });
  ws.on('message', (data, isBinary) => {
    const message = { data: data as Buffer, isBinary };
    const waiter = waiting.shift();
    if (waiter) waiter(message);
    else messages.push(message);
  });
  return {
    ws,
    upgrade: upgrade.promise,
    opened: opened.promise,
    closed: closed.promise,
    refused: refused.promise,
    nextMessage() {
      const message = messages.shift();
      if (message) return Promise.resolve(message);
      return new Promise((resolve) => waiting.push(resolve));
    },
  };
}

// ------------------------------------------------------------------ raw client

/** A frame as the server sent it. */
export interface Frame {
  fin: boolean;
  opcode: number;
  payload: Buffer;
}

/** Encodes a masked client frame. */
export function clientFrame(opcode: number, payload: Buffer | string, fin = true): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  const length = data.length;
  const header: number[] = [(fin ? 0x80 : 0) | opcode];
  if (length < 126) {
    header.push(0x80 | length);
  } else if (length < 65536) {
    header.push(0x80 | 126, length >> 8, length & 0xff);
  } else {
    header.push(0x80 | 127, 0, 0, 0, 0);
    header.push(
      (length >>> 24) & 0xff,
      (length >>> 16) & 0xff,
      (length >>> 8) & 0xff,
      length & 0xff,
    );
  }
  const mask = randomBytes(4);
  const masked = Buffer.alloc(length);
  for (let i = 0; i < length; i++) masked[i] = data[i]! ^ mask[i & 3]!;
  return Buffer.concat([Buffer.from(header), mask, masked]);
}

/** A close frame payload: the code, then the reason. */
export function closePayload(code: number, reason = ''): Buffer {
  const payload = Buffer.alloc(2 + Buffer.byteLength(reason));
  payload.writeUInt16BE(code, 0);
  payload.write(reason, 2);
  return payload;
}

/** A raw TCP client after a completed handshake, reading server frames. */
export interface RawClient {
  readonly socket: Socket;
  /** The response head, up to the blank line. */
  readonly head: string;
  nextFrame(): Promise<Frame>;
  /** Resolves when the server closed the TCP connection. */
  readonly ended: Promise<void>;
}

/** The fields of a valid handshake to `path`. */
export function handshakeRequest(path: string, extra: string[] = []): string {
  return [
    `GET ${path} HTTP/1.1`,
    'Host: 127.0.0.1',
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
    'Sec-WebSocket-Version: 13',
    ...extra,
    '',
    '',
  ].join('\r\n');
}

/** Sends `request` over a fresh TCP connection and reads until the head of the answer is complete. */
export async function rawConnect(port: number, request: string): Promise<RawClient> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  let buffer = Buffer.alloc(0);
  let head: string | null = null;
  const frames: Frame[] = [];
  const waiting: Array<(frame: Frame) => void> = [];
  const headReady = deferred<string>();
  const ended = deferred();
  const parse = (): void => {
    if (head === null) {
      const end = buffer.indexOf('\r\n\r\n');
      if (end === -1) return;
      head = buffer.subarray(0, end).toString('latin1');
      buffer = buffer.subarray(end + 4);
      headReady.resolve(head);
    }
    for (;;) {
      if (buffer.length < 2) return;
      const fin = (buffer[0]! & 0x80) !== 0;
      const opcode = buffer[0]! & 0x0f;
      let length = buffer[1]! & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (buffer.length < 4) return;
        length = buffer.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (buffer.length < 10) return;
        length = Number(buffer.readBigUInt64BE(2));
        offset = 10;
      }
      if (buffer.length < offset + length) return;
      const frame = { fin, opcode, payload: Buffer.from(buffer.subarray(offset, offset + length)) };
      buffer = buffer.subarray(offset + length);
      const waiter = waiting.shift();
      if (waiter) waiter(frame);
      else frames.push(frame);
    }
  };
  socket.on('data', (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    parse();
  });
  socket.on('error', () => {});
  socket.on('close', () => {
    ended.resolve();
    headReady.resolve(head ?? buffer.toString('latin1'));
  });
  socket.write(request);
  return {
    socket,
    head: await headReady.promise,
    ended: ended.promise,
    nextFrame() {
      const frame = frames.shift();
      if (frame) return Promise.resolve(frame);
      return new Promise((resolve, reject) => {
        waiting.push(resolve);
        ended.promise.then(() => reject(new Error('connection closed before the next frame')));
      });
    },
  };
}

/** Sends raw bytes and collects everything until the server closes the connection. */
export async function rawExchange(port: number, request: string): Promise<string> {
  const socket = connect(port, '127.0.0.1');
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.on('error', () => {});
  socket.write(request);
  await once(socket, 'close');
  return Buffer.concat(chunks).toString('latin1');
}

/** Reads the status code off a response head. */
export function statusOf(head: string): number {
  return Number(head.slice(9, 12));
}

/** Finds a field of a response head, by lowercase name. */
export function fieldOf(head: string, name: string): string | undefined {
  for (const line of head.split('\r\n').slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0 && line.slice(0, colon).toLowerCase() === name)
      return line.slice(colon + 1).trim();
  }
  return undefined;
}
