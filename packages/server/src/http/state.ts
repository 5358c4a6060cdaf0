/**
 * What every connection of one `serve()` call shares: the app, the settings,
 * the logs, the lifespan state, and the counts that the concurrency limit
 * and graceful shutdown read.
 *
 * @module
 */
import type { Application } from 'tsgi';
import type { AccessLogger } from '../log/access.js';
import type { Logger } from '../log/logger.js';
import type { ServerOptions } from '../options.js';
import type { UpgradeContext } from '../upgrade.js';
import { WebSocketRegistry } from '../websocket/registry.js';
import { type CannedResponse, cannedResponse } from './response-head.js';

/** The shared state of one served app. */
export class ServerState {
  /** The app as the transport calls it (proxy headers applied). */
  readonly app: Application;
  /** The resolved settings. */
  readonly options: ServerOptions;
  /** The error log. */
  readonly logger: Logger;
  /** The access log, or `null` when it is off. */
  readonly accessLogger: AccessLogger | null;
  /** The live WebSocket connections. */
  readonly registry: WebSocketRegistry = new WebSocketRegistry();
  /** The lifespan state after startup, or `null` without lifespan (LS-4). */
  lifespanState: Record<string, unknown> | null = null;
  /** Set when graceful shutdown begins: responses then close their connections. */
  closing = false;
  /** HTTP app calls in progress. */
  inFlight = 0;
  /** `maxBodySize`, 0 for no limit. */
  readonly maxBodySize: number;
  /** `maxRequestLineSize`. */
  readonly maxRequestLineSize: number;
  /** `maxHeaderCount`. */
  readonly maxHeaderCount: number;
  /** `limitConcurrency`, 0 for no limit. */
  readonly limitConcurrency: number;
  /** `rootPath`. */
  readonly rootPath: string;
  /** Whether to add `server: tsgi` to responses without one. */
  readonly serverHeader: boolean;
  /** Whether node adds a `date` field to responses. */
  readonly dateHeader: boolean;
  /** The 500 answered for a failed app (HTTP-FAIL-1). */
  readonly internalError: CannedResponse;
  readonly #canned = new Map<number, CannedResponse>();
  #idle: Array<() => void> = [];
  readonly #served: Array<() => void> = [];
  #upgrade: UpgradeContext | null = null;

  /**
   * @param app - the app as the transport calls it.
   * @param options - the resolved settings.
   * @param logger - the error log.
   * @param accessLogger - the access log, or `null`.
   */
  constructor(
    app: Application,
    options: ServerOptions,
    logger: Logger,
    accessLogger: AccessLogger | null,
  ) {
    this.app = app;
    this.options = options;
    this.logger = logger;
    this.accessLogger = accessLogger;
    this.maxBodySize = options.maxBodySize;
    this.maxRequestLineSize = options.maxRequestLineSize;
    this.maxHeaderCount = options.maxHeaderCount;
    this.limitConcurrency = options.limitConcurrency;
    this.rootPath = options.rootPath;
    this.serverHeader = options.serverHeader;
    this.dateHeader = options.dateHeader;
    this.internalError = cannedResponse(500, options.serverHeader);
  }

  /** The server's own response for `status`, made once per status. */
  canned(status: number): CannedResponse {
    let canned = this.#canned.get(status);
    if (canned === undefined) {
      // Retry-After: clients may try again soon; the limit frees up as requests finish.
      canned = cannedResponse(
        status,
        this.serverHeader,
        status === 503 ? [['retry-after', '1']] : [],
      );
      this.#canned.set(status, canned);
    }
    return canned;
  }

  /** Requests and WebSocket sessions in progress. */
  get active(): number {
    return this.inFlight + this.registry.size;
  }

  /** Whether one more request or WebSocket may start under `limitConcurrency`. */
  get saturated(): boolean {
    return this.limitConcurrency > 0 && this.active >= this.limitConcurrency;
  }

  /** An HTTP app call begins. */
  begin(): void {
    this.inFlight++;
  }

  /** An HTTP app call settled. */
  end(): void {
    this.inFlight--;
    this.served();
    if (this.inFlight === 0 && this.#idle.length > 0) {
      const idle = this.#idle;
      this.#idle = [];
      for (const resolve of idle) resolve();
    }
  }

  /** Reports a finished request or WebSocket session to the `onRequestServed` listeners. */
  served(): void {
    const listeners = this.#served;
    for (let i = 0; i < listeners.length; i++) listeners[i]!();
  }

  /** Adds a listener called once per finished request or WebSocket session. */
  onServed(listener: () => void): void {
    this.#served.push(listener);
  }

  /** Resolves once no HTTP app call is in progress. */
  idle(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** The lifespan state as scopes take it: `undefined` without lifespan. */
  readonly stateOrUndefined = (): Record<string, unknown> | undefined =>
    this.lifespanState ?? undefined;

  /** What the upgrade handler of this server is given. */
  get upgradeContext(): UpgradeContext {
    this.#upgrade ??= {
      app: this.app,
      options: this.options,
      lifespanState: this.stateOrUndefined,
      logger: this.logger,
      accessLogger: this.accessLogger,
      registry: this.registry,
      served: () => this.served(),
    };
    return this.#upgrade;
  }
}
