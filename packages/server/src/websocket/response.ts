/**
 * Plain HTTP/1.1 responses written straight to the socket of a handshake that
 * is not upgraded: a denial (403, or the app's own response, section 4.6), a
 * failure (500, WS-FAIL-1) or a malformed handshake (400, 405, 426).
 *
 * Node.js hands an upgrade request over as a bare socket, without a
 * `ServerResponse`, so the response head is serialized here.
 *
 * @module
 */
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { HeaderList } from 'tsgi';
import { lingeringClose } from '../http/linger.js';
import { SERVER_NAME } from '../http/response-head.js';
import type { WebSocketOptions } from './context.js';

/** The settings that shape a response head. */
export type ResponseHeadOptions = Pick<WebSocketOptions, 'dateHeader' | 'serverHeader'>;

let dateSecond = -1;
let dateText = '';

/** The current time as an HTTP date (`Tue, 03 Jun 2025 10:00:00 GMT`), computed once a second. */
export function httpDate(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateText = new Date(second * 1000).toUTCString();
  }
  return dateText;
}

/** Header fields that belong to the server's framing (HTTP-RESP-13); the app's are dropped. */
const FRAMING_FIELDS: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
]);

/**
 * Serializes a response head. The app's fields go out in its order, one line
 * per pair (HTTP-RESP-12), except the framing fields; `connection: close`,
 * `date` and `server` are added as the options say and the app did not set them.
 *
 * @param status - the status code.
 * @param headers - the app's header fields, already checked (HTTP-RESP-3).
 * @param framing - the framing fields the server adds, such as `content-length: 5`.
 * @param options - whether to add `date` and `server`.
 * @returns the head as Latin-1 bytes, blank line included.
 */
export function formatResponseHead(
  status: number,
  headers: HeaderList,
  framing: readonly string[],
  options: ResponseHeadOptions,
): Buffer {
  let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Unknown'}\r\n`;
  let hasDate = false;
  let hasServer = false;
  for (const [name, value] of headers) {
    if (FRAMING_FIELDS.has(name)) continue;
    if (name === 'date') hasDate = true;
    else if (name === 'server') hasServer = true;
    head += `${name}: ${value}\r\n`;
  }
  for (const line of framing) head += `${line}\r\n`;
  head += 'connection: close\r\n';
  if (options.dateHeader && !hasDate) head += `date: ${httpDate()}\r\n`;
  if (options.serverHeader && !hasServer) head += `server: ${SERVER_NAME}\r\n`;
  head += '\r\n';
  return Buffer.from(head, 'latin1');
}

/**
 * Ends a socket after what was written to it, reading and discarding
 * whatever the client still sends for a bounded time (a lingering close, see
 * `lingeringClose`), so that the client reads the response before the close.
 */
export function closeSocket(socket: Duplex): void {
  lingeringClose(socket);
}

/**
 * Writes a complete response with a short text body and closes the connection.
 *
 * @param socket - the handshake's socket.
 * @param status - the status code.
 * @param options - whether to add `date` and `server`.
 * @param headers - extra fields, such as `sec-websocket-version` for a 426.
 * @param text - the body; the status's reason phrase when left out. It never carries error details (HTTP-FAIL-1).
 */
export function respondAndClose(
  socket: Duplex,
  status: number,
  options: ResponseHeadOptions,
  headers: HeaderList = [],
  text: string = STATUS_CODES[status] ?? '',
): void {
  if (socket.destroyed || !socket.writable) {
    socket.destroy();
    return;
  }
  const body = Buffer.from(text, 'utf8');
  const head = formatResponseHead(
    status,
    [['content-type', 'text/plain; charset=utf-8'], ...headers],
    [`content-length: ${body.length}`],
    options,
  );
  socket.write(body.length === 0 ? head : Buffer.concat([head, body]));
  closeSocket(socket);
}
