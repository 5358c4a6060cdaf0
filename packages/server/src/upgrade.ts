/**
 * The hook through which the WebSocket transport takes over upgrade requests.
 *
 * The HTTP side owns the listening servers; the WebSocket side registers one
 * {@link UpgradeHandler} with {@link setUpgradeHandler} when its module is
 * loaded. Each server built afterwards sends its `upgrade` events there,
 * together with an {@link UpgradeContext} that carries everything shared with
 * the HTTP side: the app, the settings, the lifespan state, the logs, the
 * concurrency limit and the registry that graceful shutdown walks. Without a
 * handler, node hands upgrade requests to the HTTP side as plain requests, and
 * the app sees them as `http` scopes (section 3.12).
 *
 * Before a handshake reaches the handler, the HTTP side has checked its head
 * like any request's (section 9.2), read its header list for the scope, and
 * held it to `limitConcurrency`; only requests whose `upgrade` field is
 * `websocket` are passed on, others are served as plain HTTP/1.1.
 *
 * @module
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Application, HeaderList } from 'tsgi';
import type { AccessLogger } from './log/access.js';
import type { Logger } from './log/logger.js';
import type { ServerOptions } from './options.js';
import type { WebSocketRegistry } from './websocket/registry.js';

/** What one server shares with the code that handles its upgrade requests. */
export interface UpgradeContext {
  /** The application, already wrapped by the server's own middleware (proxy headers). */
  readonly app: Application;
  /** The resolved settings. */
  readonly options: ServerOptions;
  /**
   * The lifespan state once startup completed, or `undefined` without
   * lifespan. Each scope takes its own shallow copy (LS-STATE-1).
   */
  readonly lifespanState: () => Record<string, unknown> | undefined;
  /** The error log. */
  readonly logger: Logger;
  /** The access log, or `null` when it is off. */
  readonly accessLogger: AccessLogger | null;
  /** The live WebSocket connections, closed by graceful shutdown. */
  readonly registry: WebSocketRegistry;
  /** Reports one finished WebSocket session, which counts towards `maxRequests`. */
  readonly served: () => void;
}

/**
 * Handles one upgrade request. It owns `socket` from then on: it answers the
 * handshake (or refuses it) and closes the socket when done.
 *
 * `headers` is the request's header list as the HTTP side builds it for
 * scopes (HTTP-SCOPE-10, HTTP-SCOPE-12, HTTP-SCOPE-15), made for this request
 * alone, so the handler may put it in its scope as it is; the authority of an
 * absolute-form target is not applied yet (HTTP-SCOPE-18). The context is
 * shared by every request of the server, so the list travels beside it.
 */
export type UpgradeHandler = (
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  context: UpgradeContext,
  headers: HeaderList,
) => void;

let current: UpgradeHandler | null = null;

/**
 * Registers the handler for upgrade requests of servers built from now on;
 * `null` removes it.
 */
export function setUpgradeHandler(handler: UpgradeHandler | null): void {
  current = handler;
}

/** The registered upgrade handler, or `null` when there is none. */
export function getUpgradeHandler(): UpgradeHandler | null {
  return current;
}
