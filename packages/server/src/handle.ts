/**
 * The contract between the process layer (which loads the app, supervises
 * workers and handles signals) and the transport (which serves HTTP and
 * WebSocket and runs lifespan in one process).
 *
 * @module
 */
import type { Address, Application } from 'tsgi';
import type { ServerOptions } from './options.js';

/** An address the server is listening on. For unix sockets `host` is the path and `port` is `null`. */
export interface BoundAddress extends Address {
  /** How the socket was obtained: a TCP address, a unix socket path, or an inherited descriptor. */
  kind: 'tcp' | 'unix' | 'fd';
  /** Whether connections are TLS (HTTPS and WSS). */
  secure: boolean;
  /** A readable form for logs: `http://127.0.0.1:8000`, `https://[::1]:8443`, `unix:/run/app.sock`. */
  url: string;
}

/** A running single-process server, as returned by {@link ServeFunction}. */
export interface ServerHandle {
  /** Where it listens, once listening (ports chosen by the system included). */
  readonly addresses: readonly BoundAddress[];
  /**
   * Stops gracefully: stops accepting connections, lets in-flight requests
   * finish for up to `gracefulTimeout` seconds, closes idle connections, then
   * runs lifespan shutdown (LS-5). Resolves when all of that is done.
   */
  close(): Promise<void>;
  /** The number of requests and WebSocket sessions in progress. */
  inFlight(): number;
  /**
   * Registers a listener called once per completed request or WebSocket
   * session, so that the process layer can count towards `maxRequests`.
   */
  onRequestServed?(listener: () => void): void;
}

/**
 * Serves `app` in this process with the given settings: binds every listen
 * target, runs lifespan startup, and resolves once it accepts connections.
 * Rejects when binding fails or lifespan startup fails (LS-3).
 */
export type ServeFunction = (app: Application, options: ServerOptions) => Promise<ServerHandle>;
