/**
 * Lingering close: how the server closes a connection whose client may still
 * be sending, such as one refused before its request was read (414, 431,
 * 413, 400 on a framing error) or a refused upgrade.
 *
 * Closing a TCP socket with unread input makes the kernel answer with a
 * reset instead of an orderly close, and a reset that reaches the client
 * before it has read the answer can discard the answer from its receive
 * buffer: the client sees `ECONNRESET` instead of the 414. So the server
 * half-closes (it sends the answer, then its FIN), stops interpreting what
 * arrives, and keeps reading and discarding for a while, so that the answer
 * is read before the connection goes away. The reading is bounded (see
 * {@link LingerBounds}): a client that keeps sending is cut off after a few
 * MiB or two seconds, whichever comes first.
 *
 * @module
 */
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { LINGER_BYTES, LINGER_IDLE_MS, LINGER_MS } from './limits.js';

/** The bounds of one lingering close. */
export interface LingerBounds {
  /** The longest a connection is read after its answer, in milliseconds. */
  readonly timeMs: number;
  /**
   * Close once the answer is out and the client has sent nothing for this
   * long, in milliseconds: its input is drained, so the close is orderly.
   */
  readonly idleMs: number;
  /** Close once this many bytes have been read and discarded. */
  readonly bytes: number;
}

/** The server's bounds: {@link LINGER_MS}, {@link LINGER_IDLE_MS} and {@link LINGER_BYTES}. */
export const DEFAULT_LINGER: LingerBounds = Object.freeze({
  timeMs: LINGER_MS,
  idleMs: LINGER_IDLE_MS,
  bytes: LINGER_BYTES,
});

/** The sockets closing through {@link lingeringClose}. */
const lingering = new WeakSet<Duplex>();

/**
 * Whether `socket` is closing through {@link lingeringClose}: what it still
 * receives is discarded, and nothing more is answered on it.
 */
export function isLingering(socket: Duplex): boolean {
  return lingering.has(socket);
}

/** Node's HTTP parser as it hangs on the sockets of an HTTP server. */
interface AttachedParser {
  /** Gives the socket's reads back to the socket (TCP sockets are read by the parser directly). */
  unconsume?: () => void;
}

/**
 * Takes the socket away from node's HTTP parser, so that what follows is not
 * parsed as more requests (HTTP-CONN-2) or reported as more parse errors.
 * Node reads a TCP socket through the parser directly and a TLS socket
 * through its `data` event; both are undone here. Node does the same when it
 * hands a socket to an `upgrade` listener. Without a parser (an upgraded
 * socket) there is nothing to undo.
 */
function detachHttpParser(socket: Duplex): void {
  const parser = (socket as { parser?: AttachedParser | null }).parser;
  if (parser === undefined || parser === null) return;
  if (typeof parser.unconsume === 'function') parser.unconsume();
  socket.removeAllListeners('data');
}

function bytesReadOf(socket: Duplex): number {
  const read = (socket as Partial<Socket>).bytesRead;
  return typeof read === 'number' ? read : 0;
}

function ignore(): void {}

/**
 * Closes `socket` after `answer` (when given), lingering: it sends the answer
 * and half-closes, stops the HTTP parser, then reads and discards input
 * until the client closes its side, or the answer is out and the client has
 * been silent for `idleMs`, or `timeMs` have passed, or more than `bytes`
 * arrived; then it destroys the socket. A socket already lingering is left
 * as it is, so repeated calls (node reports a parse error once per chunk
 * that reaches a failed parser) are harmless.
 *
 * @param socket - the connection.
 * @param answer - the bytes to send before closing, such as a canned 414.
 * @param bounds - how long and how much to read; the server's defaults when left out.
 */
export function lingeringClose(
  socket: Duplex,
  answer?: Uint8Array | string,
  bounds: LingerBounds = DEFAULT_LINGER,
): void {
  if (lingering.has(socket)) return;
  if (socket.destroyed) return;
  lingering.add(socket);
  // A reset while lingering is the client's way of closing; nothing to report.
  socket.on('error', ignore);
  detachHttpParser(socket);
  if (!socket.writableEnded) {
    if (answer === undefined) socket.end();
    else socket.end(answer);
  }

  const started = Date.now();
  const base = bytesReadOf(socket);
  let discarded = 0;
  let seen = 0;
  let quietSince = started;
  const check = (): void => {
    const now = Date.now();
    const read = Math.max(discarded, bytesReadOf(socket) - base);
    if (read !== seen) {
      seen = read;
      quietSince = now;
    }
    if (read > bounds.bytes || now - started >= bounds.timeMs) {
      socket.destroy();
      return;
    }
    // Silence counts only once the answer is out: before that, the client
    // may simply be slow to read it.
    if (socket.writableFinished && now - quietSince >= bounds.idleMs) socket.destroy();
  };
  const timer = setInterval(check, Math.max(10, Math.min(100, Math.floor(bounds.idleMs / 4))));
  timer.unref();
  socket.once('finish', () => {
    quietSince = Math.max(quietSince, Date.now());
  });
  socket.once('close', () => clearInterval(timer));
  socket.on('data', (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > bounds.bytes) socket.destroy();
  });
  // Once both sides have ended, the stream destroys the socket by itself
  // (autoDestroy): an orderly close as soon as the client closes.
  socket.resume();
}

/**
 * Makes node close `socket` lingering when it closes it after a response
 * with `connection: close`, instead of destroying it as soon as the response
 * is written. Node ends such a connection through `destroySoon()`, which is
 * replaced on this socket only.
 *
 * @param socket - the connection of a response that refuses its request and closes.
 */
export function lingerAfterLastResponse(socket: Socket): void {
  socket.destroySoon = lingerInstead;
}

function lingerInstead(this: Socket): void {
  lingeringClose(this);
}
