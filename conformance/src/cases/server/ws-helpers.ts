/**
 * Helpers shared by the WebSocket cases.
 *
 * @module
 */

import { expectEqual, fail, show } from '../../assert.js';
import type { Message, WebSocketConnection } from '../../clients/websocket.js';
import type { ServerContext } from '../../server-context.js';

/** An all-zero masking key: valid, and it spares the client the masking work when it floods. */
export const ZERO_MASK = new Uint8Array(4);

/** Opens a WebSocket to a probe route, failing `requirement` when the handshake is not accepted. */
export async function open(
  context: ServerContext,
  requirement: string,
  route: string,
  protocols?: string[],
): Promise<WebSocketConnection> {
  const handshake = await context.websocket(route, { protocols });
  if (handshake.connection === null) {
    fail(
      requirement,
      `the handshake for ${route}`,
      '101 Switching Protocols',
      `status ${handshake.head.status}`,
    );
  }
  return handshake.connection;
}

/** Reads the next message, failing `requirement` when it is not text. */
export async function nextText(
  requirement: string,
  connection: WebSocketConnection,
  what: string,
): Promise<string> {
  const message = await connection.nextMessage(5000);
  if (message.kind !== 'text') fail(requirement, what, 'a text message', show(message));
  return message.text;
}

/** Expects the server to close the connection with `code`. */
export async function expectClose(
  requirement: string,
  what: string,
  connection: WebSocketConnection,
  code: number,
): Promise<void> {
  let message: Message;
  try {
    message = await connection.untilClose(5000);
  } catch (error) {
    fail(requirement, what, `a close frame with code ${code}`, (error as Error).message);
  }
  expectEqual(requirement, what, message.kind === 'close' ? message.code : message.kind, code);
}

/** Expects the handshake for `route` to be answered with `status` instead of 101. */
export async function expectStatus(
  context: ServerContext,
  requirement: string,
  route: string,
  status: number,
): Promise<void> {
  const handshake = await context.websocket(route);
  expectEqual(requirement, `the handshake answer for ${route}`, handshake.head.status, status);
}

/** Opens `/ws/disconnect-watch`, leaves as `leave` says, and returns what the probe saw. */
export async function watchDisconnect(
  context: ServerContext,
  leave: (connection: WebSocketConnection) => Promise<void> | void,
): Promise<Record<string, unknown> | undefined> {
  const token = context.token();
  const connection = await open(context, 'WS-DISC-1', `/ws/disconnect-watch?token=${token}`);
  await context.sleep(50);
  await leave(connection);
  return context.waitResults(token, (report) => report.disconnect !== undefined, 5000);
}
