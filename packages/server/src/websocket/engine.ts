/**
 * The `ws` side of the server: one `WebSocketServer` in `noServer` mode per
 * server, used only to complete handshakes the application accepted, and to
 * frame, reassemble and validate messages afterwards.
 *
 * `ws` chooses the subprotocol and writes the `101` itself, so the
 * application's choice reaches it through a plan looked up by request: the
 * `handleProtocols` hook returns the subprotocol the application chose, and
 * the `headers` event appends its extra fields (WS-ACCEPT-3).
 *
 * @module
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { HeaderList } from 'tsgi';
import { type ServerOptions, type WebSocket, WebSocketServer } from 'ws';
import { SERVER_NAME } from '../http/response-head.js';
import { CLOSE_HANDSHAKE_TIMEOUT_MS, type WebSocketContext } from './context.js';
import { httpDate } from './response.js';

/**
 * The close code `ws` sent when it failed the connection for a frame error,
 * by the error's code: 1007 for invalid UTF-8, 1009 for a message over the
 * limit, 1008 for too many fragments, 1002 for other protocol errors;
 * `null` for an error that is not about a frame, such as a socket reset.
 */
export function closeCodeOfError(code: unknown): number | null {
  if (typeof code !== 'string' || !code.startsWith('WS_ERR_')) return null;
  switch (code) {
    case 'WS_ERR_INVALID_UTF8':
      return 1007;
    case 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH':
    case 'WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH':
      return 1009;
    case 'WS_ERR_TOO_MANY_BUFFERED_PARTS':
      return 1008;
    default:
      return 1002;
  }
}

/** What the application decided in `websocket.accept`. */
export interface AcceptPlan {
  /** The subprotocol it chose, or `null`. */
  readonly subprotocol: string | null;
  /** Its extra fields for the `101` response. */
  readonly headers: HeaderList;
}

/**
 * Fields of the `101` response that the handshake owns (WS-ACCEPT-3), and
 * fields a `1xx` response must not carry (RFC 9110 section 8.6, RFC 9112
 * section 6.1). The application's values for these are dropped.
 */
export const HANDSHAKE_FIELDS: ReadonlySet<string> = new Set([
  'upgrade',
  'connection',
  'sec-websocket-accept',
  'sec-websocket-protocol',
  'sec-websocket-extensions',
  'content-length',
  'transfer-encoding',
  'keep-alive',
]);

/** Completes accepted handshakes with `ws`. */
export class WebSocketEngine {
  readonly #server: WebSocketServer;
  readonly #plans = new WeakMap<IncomingMessage, AcceptPlan>();

  /** @param context - for the message size limit, the close timeout and the `date`/`server` settings. */
  constructor(context: Pick<WebSocketContext, 'options' | 'closeTimeoutMs'>) {
    const { options } = context;
    const settings: ServerOptions & { closeTimeout: number } = {
      noServer: true,
      clientTracking: false,
      perMessageDeflate: false,
      // 0 lifts the limit in both the server's settings and `ws`.
      maxPayload: options.wsMaxMessageSize,
      handleProtocols: (_offered, req) => this.#plans.get(req)?.subprotocol ?? false,
      closeTimeout: context.closeTimeoutMs ?? CLOSE_HANDSHAKE_TIMEOUT_MS,
    };
    this.#server = new WebSocketServer(settings);
    this.#server.on('headers', (lines, req) => {
      const plan = this.#plans.get(req);
      let hasDate = false;
      let hasServer = false;
      if (plan !== undefined) {
        for (const [name, value] of plan.headers) {
          if (HANDSHAKE_FIELDS.has(name)) continue;
          if (name === 'date') hasDate = true;
          else if (name === 'server') hasServer = true;
          lines.push(`${name}: ${value}`);
        }
      }
      if (options.dateHeader && !hasDate) lines.push(`date: ${httpDate()}`);
      if (options.serverHeader && !hasServer) lines.push(`server: ${SERVER_NAME}`);
    });
  }

  /**
   * Writes the `101` and turns the socket into a WebSocket.
   *
   * @param req - the handshake request, already checked.
   * @param socket - its socket.
   * @param head - bytes that arrived after the handshake.
   * @param plan - the application's subprotocol and extra fields.
   * @returns the WebSocket, or `null` when the client left before the `101`
   *   could be written (`ws` then destroys the socket).
   */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, plan: AcceptPlan): WebSocket | null {
    let opened: WebSocket | null = null;
    this.#plans.set(req, plan);
    try {
      this.#server.handleUpgrade(req, socket, head, (ws) => {
        opened = ws;
      });
    } finally {
      this.#plans.delete(req);
    }
    return opened;
  }
}
