/**
 * What a server case gets to drive the server under test with: the target,
 * request helpers (undici for well-formed traffic, raw sockets for the rest),
 * the probe's side channel, and, when the suite started the server, its
 * output and the means to start more instances.
 *
 * Everything a case opens through its context is closed when the case ends,
 * whether it passed, failed or timed out.
 *
 * @module
 */

import { randomBytes } from 'node:crypto';
import { Client } from 'undici';
import { Unsupported } from './case.js';
import { buildRequest, RawConnection, type RawResponse } from './clients/raw-http.js';
import { type Handshake, type HandshakeOptions, openWebSocket } from './clients/websocket.js';
import { decode } from './probe/wire.js';
import type { ServerProcess, StartOptions } from './server-process.js';
import type { Target } from './target.js';

/** A response read with undici. */
export interface SimpleResponse {
  /** The status code. */
  readonly status: number;
  /** The headers, names lowercase, as undici gives them. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The body. */
  readonly body: Uint8Array;
  /** The body as UTF-8 text. */
  readonly text: string;
}

/** A request sent on a raw connection, and its response. */
export interface RawExchange {
  /** The connection, still open unless the server closed it. */
  readonly connection: RawConnection;
  /** The response, or `null` when the connection ended without one. */
  readonly response: RawResponse | null;
}

/** A response whose body was read as JSON. */
export interface JsonResponse {
  /** The status code. */
  readonly status: number;
  /** The parsed body, or the text when it is not JSON. */
  readonly value: unknown;
}

/** Options of {@link ServerContext.request}. */
export interface RequestOptions {
  /** The method; `GET` by default. */
  readonly method?: string;
  /** The route, such as `/echo-scope?x=1`; the mount point is put in front. */
  readonly path: string;
  /** Request headers. */
  readonly headers?: Readonly<Record<string, string>>;
  /** The request body. */
  readonly body?: string | Uint8Array;
  /** How long to wait for the whole response. */
  readonly timeoutMs?: number;
}

/** The probe's report of an `/echo-scope` exchange, decoded. */
export interface ScopeReport {
  /** The scope, with bytes and undefined values rebuilt. */
  readonly scope: Record<string, unknown>;
  /** The scope as the probe encoded it (for SRV-2's plain-object check). */
  readonly encoded: unknown;
  /** The body events, decoded. */
  readonly events: readonly Record<string, unknown>[];
  /** The body events as the probe encoded them. */
  readonly encodedEvents: readonly unknown[];
  /** The body size. */
  readonly size: number;
  /** The SHA-256 of the body, hex. */
  readonly sha256: string;
  /** The first bytes of the body, Latin-1. */
  readonly head: string;
  /** How the body ended: `complete` or `disconnect`. */
  readonly end: string;
}

/** Starts another instance of the server under test. */
export type Launcher = (options: Omit<StartOptions, 'command'>) => Promise<ServerProcess>;

/** What a run shares with all its cases. */
export interface ServerEnvironment {
  /** Where the server under test listens. */
  readonly target: Target;
  /** The server, when the suite started it. */
  readonly server: ServerProcess | null;
  /** Starts another instance, when the suite starts servers. */
  readonly launch: Launcher | null;
  /** The probe module's absolute path (without an export name). */
  readonly probeModule: string;
}

function token(): string {
  return randomBytes(9).toString('base64url').replace(/[-_]/g, 'x');
}

/** The context of one server case. */
export class ServerContext {
  /** Where the server under test listens. */
  readonly target: Target;
  /** Aborted when the case ends or times out. */
  readonly signal: AbortSignal;
  private readonly environment: ServerEnvironment;
  private readonly controller = new AbortController();
  private readonly cleanups: (() => unknown)[] = [];
  private client: Client | null = null;

  /**
   * @param environment - what the run shares.
   */
  constructor(environment: ServerEnvironment) {
    this.environment = environment;
    this.target = environment.target;
    this.signal = this.controller.signal;
  }

  /** A fresh token to name an exchange in the probe's records. */
  token(): string {
    return token();
  }

  /** The request target for a probe route: the mount point, then the route. */
  path(route: string): string {
    return `${this.target.rootPath}${route}`;
  }

  /** Registers a cleanup to run when the case ends. */
  defer(cleanup: () => unknown): void {
    this.cleanups.push(cleanup);
  }

  /** Runs the cleanups (latest first) and aborts what is still open. */
  async dispose(): Promise<void> {
    this.controller.abort();
    for (const cleanup of this.cleanups.reverse()) {
      try {
        await cleanup();
      } catch {
        // A cleanup that fails must not hide the case's result.
      }
    }
    this.cleanups.length = 0;
  }

  /** The server the suite started; skips the case when the run uses `--url`. */
  get server(): ServerProcess {
    if (this.environment.server === null) {
      throw new Unsupported('needs a server started by the suite (--command), to read its output');
    }
    return this.environment.server;
  }

  /** Starts another instance of the server under test, stopped when the case ends. */
  async launch(
    options: Omit<StartOptions, 'command' | 'app'> & { app?: string },
  ): Promise<ServerProcess> {
    if (this.environment.launch === null) {
      throw new Unsupported('needs to start the server itself (--command)');
    }
    const server = await this.environment.launch({
      app: `${this.environment.probeModule}:app`,
      ...options,
    });
    this.defer(() => server.stop(3000));
    return server;
  }

  /** The probe module's absolute path, for `{app}` values of {@link ServerContext.launch}. */
  get probeModule(): string {
    return this.environment.probeModule;
  }

  /** Opens a raw connection, closed when the case ends. */
  async raw(target: Target = this.target): Promise<RawConnection> {
    const connection = await RawConnection.open(target);
    this.defer(() => connection.destroy());
    return connection;
  }

  /**
   * Sends one request on a new raw connection and reads the response; the
   * text is written as Latin-1 exactly as given.
   */
  async exchange(
    request: string,
    options: { method?: string; timeoutMs?: number } = {},
  ): Promise<RawExchange> {
    const connection = await this.raw();
    await connection.write(request);
    const response = await connection.readResponse(options);
    return { connection, response };
  }

  /** A GET request head as text for a route, with `Host`, ending the head. */
  get(
    route: string,
    headers: readonly (readonly [string, string])[] = [],
    version = '1.1',
  ): string {
    return buildRequest(`GET ${this.path(route)} HTTP/${version}`, [
      ['Host', this.target.authority],
      ...headers,
    ]);
  }

  private dispatcher(): Client {
    if (this.client === null) {
      const client = new Client(this.target.origin, {
        socketPath: this.target.socketPath ?? undefined,
        connect: { rejectUnauthorized: false },
        pipelining: 1,
      });
      this.client = client;
      this.defer(() => client.destroy());
    }
    return this.client;
  }

  /** Sends a well-formed request with undici and reads the whole response. */
  async request(options: RequestOptions): Promise<SimpleResponse> {
    const response = await this.dispatcher().request({
      origin: this.target.origin,
      path: this.path(options.path),
      method: (options.method ?? 'GET') as 'GET',
      headers: options.headers as Record<string, string>,
      body: options.body,
      signal: this.signal,
      headersTimeout: options.timeoutMs ?? 10_000,
      bodyTimeout: options.timeoutMs ?? 10_000,
    });
    const body = new Uint8Array(await response.body.arrayBuffer());
    return {
      status: response.statusCode,
      headers: response.headers as Record<string, string | string[] | undefined>,
      body,
      text: Buffer.from(body).toString('utf8'),
    };
  }

  /** Reads a JSON response body. */
  async json(options: RequestOptions): Promise<JsonResponse> {
    const response = await this.request(options);
    let value: unknown = null;
    try {
      value = JSON.parse(response.text);
    } catch {
      value = response.text;
    }
    return { status: response.status, value };
  }

  /** The probe's report of an `/echo-scope` request with these options. */
  async scope(
    options: Omit<RequestOptions, 'path'> & { query?: string } = {},
  ): Promise<ScopeReport> {
    const { status, value } = await this.json({
      ...options,
      path: `/echo-scope${options.query ?? ''}`,
    });
    if (status !== 200)
      throw new Error(`the probe's /echo-scope answered ${status}: ${JSON.stringify(value)}`);
    return scopeReport(value);
  }

  /** The report the probe stored under `token`, or `undefined`. */
  async results(name: string): Promise<unknown> {
    const { status, value } = await this.json({ path: `/_probe/results/${name}` });
    if (status === 404) return undefined;
    return (value as { value?: unknown }).value;
  }

  /**
   * Polls the probe for the report under `token` until `ready` holds or
   * `timeoutMs` pass; resolves with the last report seen (or `undefined`).
   */
  async waitResults(
    name: string,
    ready: (value: Record<string, unknown>) => boolean = () => true,
    timeoutMs = 4000,
  ): Promise<Record<string, unknown> | undefined> {
    const deadline = Date.now() + timeoutMs;
    let last: Record<string, unknown> | undefined;
    for (;;) {
      const value = await this.results(name);
      if (value !== undefined && value !== null && typeof value === 'object') {
        last = value as Record<string, unknown>;
        if (ready(last)) return last;
      }
      if (Date.now() >= deadline) return last;
      await this.sleep(50);
    }
  }

  /** How many app calls carried `token`. */
  async calls(name: string): Promise<number> {
    const { value } = await this.json({ path: `/_probe/seen/${name}` });
    return Number((value as { calls?: unknown }).calls ?? 0);
  }

  /** Lets the probe go on with the exchange waiting on `token`. */
  async release(name: string): Promise<void> {
    await this.request({ path: `/_probe/release/${name}` });
  }

  /** The probe's lifespan facts. */
  async lifespanFacts(): Promise<Record<string, unknown>> {
    const { value } = await this.json({ path: '/_probe/lifespan' });
    return value as Record<string, unknown>;
  }

  /** Opens a WebSocket to a probe route; the connection closes when the case ends. */
  async websocket(route: string, options: Omit<HandshakeOptions, 'path'> = {}): Promise<Handshake> {
    const handshake = await openWebSocket(this.target, { ...options, path: this.path(route) });
    if (handshake.connection !== null) {
      const connection = handshake.connection;
      this.defer(() => connection.destroy());
    }
    return handshake;
  }

  /** Resolves after `ms` milliseconds. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }
}

/** Decodes the probe's `/echo-scope` JSON. */
export function scopeReport(value: unknown): ScopeReport {
  const record = (value ?? {}) as Record<string, unknown>;
  const encodedEvents = Array.isArray(record.events) ? record.events : [];
  return {
    scope: decode(record.scope) as Record<string, unknown>,
    encoded: record.scope,
    events: encodedEvents.map((event) => decode(event) as Record<string, unknown>),
    encodedEvents,
    size: Number(record.size ?? 0),
    sha256: String(record.sha256 ?? ''),
    head: String(record.head ?? ''),
    end: String(record.end ?? ''),
  };
}
