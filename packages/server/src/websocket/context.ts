/**
 * What the WebSocket side of the server needs from the rest of it: the
 * application, the settings that concern WebSockets, the lifespan state, the
 * logs, and the registry that graceful shutdown walks.
 *
 * @module
 */
import type { Application } from 'tsgi';
import type { AccessLogger } from '../log/access.js';
import type { Logger } from '../log/logger.js';
import type { ServerOptions } from '../options.js';
import type { WebSocketRegistry } from './registry.js';

/** The settings the WebSocket code reads. A full {@link ServerOptions} fits. */
export type WebSocketOptions = Pick<
  ServerOptions,
  | 'rootPath'
  | 'wsMaxMessageSize'
  | 'wsPingInterval'
  | 'wsPingTimeout'
  | 'dateHeader'
  | 'serverHeader'
>;

/**
 * Everything a WebSocket upgrade is handled with. One context serves every
 * connection of a server; the `ws` engine behind it is created on first use
 * and kept for the context's lifetime. The `UpgradeContext` the HTTP side
 * passes to upgrade handlers is one.
 */
export interface WebSocketContext {
  /** The application, called once per WebSocket connection (SRV-1). */
  readonly app: Application;
  /** The settings. */
  readonly options: WebSocketOptions;
  /**
   * The lifespan state once startup completed, or `undefined` when the server
   * runs without lifespan. Each scope gets its own shallow copy (LS-STATE-1).
   */
  readonly lifespanState: () => Record<string, unknown> | undefined;
  /** The error log: app failures (HTTP-FAIL-4), disconnects at debug level (HTTP-DISC-4). */
  readonly logger: Logger;
  /** The access log, or `null` when it is off. One line per connection, written when it ends. */
  readonly accessLogger?: AccessLogger | null;
  /** Where open connections are registered so that shutdown can close them. */
  readonly registry: WebSocketRegistry;
  /** Reports one finished WebSocket session, which counts towards `maxRequests`. */
  readonly served?: () => void;
  /**
   * Milliseconds to wait for the client's answering close frame after the
   * server sent one, before the connection is cut. Defaults to
   * {@link CLOSE_HANDSHAKE_TIMEOUT_MS}.
   */
  readonly closeTimeoutMs?: number;
}

/**
 * How long, by default, the server waits for the client to answer its close
 * frame before it drops the connection (section 4.5: "waits a bounded time").
 */
export const CLOSE_HANDSHAKE_TIMEOUT_MS = 10_000;
