/**
 * The entry point of the WebSocket side: what the HTTP server calls with
 * each `upgrade` request that asks for WebSocket.
 *
 * @module
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { HeaderList } from 'tsgi';
import { WebSocketConnection } from './connection.js';
import type { WebSocketContext } from './context.js';
import { WebSocketEngine } from './engine.js';
import { checkHandshake } from './handshake.js';
import { respondAndClose } from './response.js';
import { buildWebSocketScope } from './scope.js';

const engines = new WeakMap<WebSocketContext, WebSocketEngine>();

function engineFor(context: WebSocketContext): WebSocketEngine {
  let engine = engines.get(context);
  if (engine === undefined) {
    engine = new WebSocketEngine(context);
    engines.set(context, engine);
  }
  return engine;
}

/**
 * Serves one WebSocket handshake: checks it (answering `400`, `405` or `426`
 * itself when it is malformed), refuses it with `503` when the server is
 * stopping and with `404` when its path lies outside the mount point, and
 * otherwise calls the application with a `websocket` scope.
 * The application decides before anything is answered: `websocket.accept`
 * completes the handshake with `101`, `websocket.close` or a return denies
 * it with `403`, a denial response is written as sent, and a failure gives
 * `500` (section 4).
 *
 * Give it only requests whose `upgrade` field is `websocket`
 * (see `isWebSocketUpgrade`); the socket is owned by this code from then on.
 *
 * @param req - the handshake request, from the HTTP server's `upgrade` event.
 * @param socket - its socket.
 * @param head - the bytes that followed the header section.
 * @param context - the server's WebSocket context; the same object for every call.
 * @param headers - the request's header list for the scope, as the HTTP side
 *   read it (see `UpgradeHandler`); it becomes the scope's.
 * @returns the application call's completion, which never rejects; callers may ignore it.
 */
export function handleUpgrade(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  context: WebSocketContext,
  headers: HeaderList,
): Promise<void> {
  try {
    return serveHandshake(req, socket as Socket, head, context, headers);
  } catch (error) {
    // Called from an event emitter: a throw here would take the process down.
    context.logger.error('internal error while handling a WebSocket handshake', error);
    socket.destroy();
    return Promise.resolve();
  }
}

function refuse(
  socket: Socket,
  context: WebSocketContext,
  status: number,
  headers: HeaderList = [],
  text?: string,
): Promise<void> {
  socket.on('error', () => {});
  respondAndClose(socket, status, context.options, headers, text);
  return Promise.resolve();
}

function serveHandshake(
  req: IncomingMessage,
  socket: Socket,
  head: Buffer,
  context: WebSocketContext,
  headers: HeaderList,
): Promise<void> {
  const problem = checkHandshake(req);
  if (problem !== null) {
    return refuse(socket, context, problem.status, problem.headers, problem.reason);
  }
  if (context.registry.closing) return refuse(socket, context, 503, [['retry-after', '1']]);
  const scope = buildWebSocketScope(req, socket, context, headers);
  if (typeof scope === 'number') return refuse(socket, context, scope);
  const connection = new WebSocketConnection(req, socket, head, scope, context, engineFor(context));
  return connection.run();
}
