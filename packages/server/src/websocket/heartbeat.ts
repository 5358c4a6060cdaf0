/**
 * Keep-alive pings of an open WebSocket (WS-SERVER-1 leaves their use to the
 * server): a ping every `wsPingInterval` seconds, and the connection is cut
 * when no pong comes back within `wsPingTimeout` seconds. The next ping is
 * scheduled once the pong arrives, so pings never pile up on a slow peer.
 *
 * While the server has paused reading because the application is behind
 * (WS-BP-1), a pong may be sitting unread in the socket: a timeout then
 * gives no verdict, and the next ping is simply scheduled.
 *
 * @module
 */
import type { WebSocket } from 'ws';

/** Pings one WebSocket and cuts it when it stops answering. */
export class Heartbeat {
  readonly #ws: WebSocket;
  readonly #intervalMs: number;
  readonly #timeoutMs: number;
  readonly #readingPaused: () => boolean;
  readonly #onTimeout: () => void;
  #pingTimer: NodeJS.Timeout | null = null;
  #pongTimer: NodeJS.Timeout | null = null;
  #stopped = false;

  /**
   * @param ws - the open WebSocket.
   * @param intervalSeconds - seconds between pings; 0 disables them.
   * @param timeoutSeconds - seconds to wait for a pong; 0 never gives up.
   * @param readingPaused - whether the server has paused reading the socket.
   * @param onTimeout - called when a pong did not come in time, after the connection was cut.
   */
  constructor(
    ws: WebSocket,
    intervalSeconds: number,
    timeoutSeconds: number,
    readingPaused: () => boolean,
    onTimeout: () => void,
  ) {
    this.#ws = ws;
    this.#intervalMs = intervalSeconds * 1000;
    this.#timeoutMs = timeoutSeconds * 1000;
    this.#readingPaused = readingPaused;
    this.#onTimeout = onTimeout;
    ws.on('pong', this.#onPong);
    this.#schedule();
  }

  /** Stops pinging for good. */
  stop(): void {
    this.#stopped = true;
    if (this.#pingTimer !== null) clearTimeout(this.#pingTimer);
    if (this.#pongTimer !== null) clearTimeout(this.#pongTimer);
    this.#pingTimer = null;
    this.#pongTimer = null;
  }

  #schedule(): void {
    if (this.#intervalMs <= 0 || this.#stopped) return;
    this.#pingTimer = setTimeout(this.#ping, this.#intervalMs);
    this.#pingTimer.unref();
  }

  readonly #ping = (): void => {
    this.#pingTimer = null;
    const ws = this.#ws;
    if (ws.readyState !== ws.OPEN) return;
    ws.ping();
    if (this.#timeoutMs > 0) {
      this.#pongTimer = setTimeout(this.#timedOut, this.#timeoutMs);
      this.#pongTimer.unref();
    } else {
      this.#schedule();
    }
  };

  readonly #onPong = (): void => {
    // An unsolicited pong (RFC 6455 section 5.5.3) answers nothing.
    if (this.#pongTimer === null) return;
    clearTimeout(this.#pongTimer);
    this.#pongTimer = null;
    this.#schedule();
  };

  readonly #timedOut = (): void => {
    this.#pongTimer = null;
    if (this.#readingPaused()) {
      this.#schedule();
      return;
    }
    this.#ws.terminate();
    this.#onTimeout();
  };
}
