/**
 * The WebSocket connections a server is serving, so that stopping it can
 * close them and wait for their applications to finish.
 *
 * Shutdown follows uvicorn: open WebSockets are closed at once when the
 * server begins to stop, instead of after the graceful timeout. A WebSocket
 * rarely ends on its own, so waiting would only delay every shutdown by the
 * whole timeout; closing with 1001 (going away) tells clients to reconnect
 * elsewhere, and the applications see `websocket.disconnect` and can finish
 * their work within the graceful timeout. Handshakes the application has not
 * answered yet are refused with `503`. What is still running when the
 * timeout expires is cut with {@link WebSocketRegistry.terminateAll}.
 *
 * @module
 */

/** What the registry needs of a connection. */
export interface RegisteredConnection {
  /**
   * Begins to close because the server is stopping: a close frame with
   * `code` and `reason` when open, a `503` while in the handshake.
   */
  shutdown(code: number, reason: string): void;
  /** Cuts the connection at once, without a closing handshake. */
  terminate(): void;
}

/** The close code sent to open WebSockets when the server stops (RFC 6455: going away). */
export const SHUTDOWN_CLOSE_CODE = 1001;

/** The close reason sent with {@link SHUTDOWN_CLOSE_CODE}. */
export const SHUTDOWN_CLOSE_REASON = 'server shutting down';

/**
 * The set of live connections: each is added when its application is called
 * and removed once the application has settled and the connection has ended.
 */
export class WebSocketRegistry {
  readonly #connections = new Set<RegisteredConnection>();
  #idle: Array<() => void> = [];
  #closing: { code: number; reason: string } | null = null;

  /** The number of live connections (counted by `limitConcurrency`). */
  get size(): number {
    return this.#connections.size;
  }

  /** Whether {@link WebSocketRegistry.closeAll} was called: new connections are shut down at once. */
  get closing(): boolean {
    return this.#closing !== null;
  }

  /** Adds a connection; a connection that arrives while the server stops is shut down right away. */
  add(connection: RegisteredConnection): void {
    this.#connections.add(connection);
    if (this.#closing !== null) connection.shutdown(this.#closing.code, this.#closing.reason);
  }

  /** Removes a finished connection. */
  delete(connection: RegisteredConnection): void {
    if (!this.#connections.delete(connection) || this.#connections.size > 0) return;
    const idle = this.#idle;
    this.#idle = [];
    for (const resolve of idle) resolve();
  }

  /**
   * Closes every connection because the server is stopping, and every later
   * one as it arrives.
   *
   * @param code - the close code for open connections.
   * @param reason - the close reason.
   */
  closeAll(code: number = SHUTDOWN_CLOSE_CODE, reason: string = SHUTDOWN_CLOSE_REASON): void {
    this.#closing = { code, reason };
    for (const connection of [...this.#connections]) connection.shutdown(code, reason);
  }

  /** Cuts every connection at once, for when the graceful timeout has expired. */
  terminateAll(): void {
    for (const connection of [...this.#connections]) connection.terminate();
  }

  /** Resolves once no connection is left. */
  drained(): Promise<void> {
    if (this.#connections.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }
}
