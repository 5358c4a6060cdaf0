/**
 * WebSocket support of the server (section 4 of the specification): the
 * upgrade handler, its context, and the registry that graceful shutdown uses.
 *
 * Loading this module registers {@link handleUpgrade} as the server's
 * upgrade handler, so that servers built afterwards serve WebSockets.
 *
 * @module
 */
import { setUpgradeHandler } from '../upgrade.js';
import { handleUpgrade } from './upgrade.js';

setUpgradeHandler(handleUpgrade);

export { WebSocketConnection } from './connection.js';
export {
  CLOSE_HANDSHAKE_TIMEOUT_MS,
  type WebSocketContext,
  type WebSocketOptions,
} from './context.js';
export { checkHandshake, type HandshakeProblem, isWebSocketUpgrade } from './handshake.js';
export {
  type RegisteredConnection,
  SHUTDOWN_CLOSE_CODE,
  SHUTDOWN_CLOSE_REASON,
  WebSocketRegistry,
} from './registry.js';
export { buildWebSocketScope, type ScopeProblem } from './scope.js';
export { handleUpgrade } from './upgrade.js';
