/**
 * The server's limits (SEC-7) as node's HTTP server enforces them, and the
 * status each parse error or timeout is answered with.
 *
 * | Limit | Setting | Enforced by | Answer |
 * | --- | --- | --- | --- |
 * | Request line | `maxRequestLineSize` | the request handler: `METHOD SP target SP HTTP/x.y`, without CRLF | 414 |
 * | Header section size | `maxHeaderSize` | node's parser: the request target plus every field name and value, in bytes | 431 (414 when the request line alone is too long) |
 * | Header count | `maxHeaderCount` | the request handler (node keeps one field more than the limit) | 431 |
 * | Body size | `maxBodySize` | the request handler for `content-length`; the transport while streaming a chunked body | 413 |
 * | Header time | `headersTimeout` | node, checked every {@link checkingInterval} | 408 and close |
 * | Request time | `requestTimeout` | node, checked likewise | 408 (or an abort) and close |
 * | Idle keep-alive | `keepAliveTimeout` | node | close |
 * | Requests per connection | `maxRequestsPerConnection` | node: the last response says `connection: close` | 503 to pipelined extras |
 *
 * A request refused before it was read closes its connection lingering
 * (`linger.ts`): the answer goes out, the server half-closes and discards
 * what the client still sends, for at most {@link LINGER_MS} and
 * {@link LINGER_BYTES}, so that the client reads the answer instead of a
 * reset.
 *
 * @module
 */
import type { ServerOptions as NodeServerOptions, Server } from 'node:http';
import type { ServerOptions } from '../options.js';

/** The settings {@link nodeServerOptions} and {@link applyServerLimits} read. */
export type LimitOptions = Pick<
  ServerOptions,
  | 'maxHeaderSize'
  | 'maxHeaderCount'
  | 'headersTimeout'
  | 'requestTimeout'
  | 'keepAliveTimeout'
  | 'maxRequestsPerConnection'
>;

/**
 * How long a connection the server closes stays open for reading after its
 * last answer, at most, in milliseconds, so that the client reads the answer
 * before the close: closing with unread input resets the connection, and a
 * reset can make the client lose what it has not read yet (see `linger.ts`).
 */
export const LINGER_MS = 2000;

/**
 * How long a lingering connection may stay silent, once its answer is out,
 * before it is closed, in milliseconds: a client that has stopped sending is
 * drained, so the close is orderly.
 */
export const LINGER_IDLE_MS = 500;

/**
 * The most bytes a lingering connection reads and discards before it is
 * closed: 4 MiB, more than a client usually has in flight when the answer
 * reaches it (its send buffer and the server's receive buffer, a few MiB at
 * most), so a client that stops sending at the answer is drained in full,
 * while one that keeps sending is cut off.
 */
export const LINGER_BYTES = 4 * 1024 * 1024;

function milliseconds(seconds: number): number {
  return Math.round(seconds * 1000);
}

/**
 * How often node looks for connections past `headersTimeout` or
 * `requestTimeout`: a quarter of the shorter one, from 50 ms to 1 s, so that
 * a timeout fires at most a quarter late.
 */
export function checkingInterval(options: LimitOptions): number {
  const request = options.requestTimeout > 0 ? options.requestTimeout : Number.POSITIVE_INFINITY;
  const shortest = Math.min(options.headersTimeout, request);
  return Math.min(1000, Math.max(50, Math.floor(milliseconds(shortest) / 4)));
}

/** The options for `http.createServer` and `https.createServer`. */
export function nodeServerOptions(options: LimitOptions): NodeServerOptions {
  const requestTimeout = milliseconds(options.requestTimeout);
  let headersTimeout = milliseconds(options.headersTimeout);
  // Node refuses a header timeout longer than the whole request's.
  if (requestTimeout > 0 && headersTimeout > requestTimeout) headersTimeout = requestTimeout;
  return {
    // Strict parsing: the smuggling checks of section 9.2 start here.
    insecureHTTPParser: false,
    // Node counts the target and the field names and values, and fails at
    // the limit itself; one more makes the setting the largest size accepted.
    maxHeaderSize: options.maxHeaderSize + 1,
    // Checked by the transport, which also rejects a repeated host (SEC-4).
    requireHostHeader: false,
    joinDuplicateHeaders: false,
    noDelay: true,
    headersTimeout,
    requestTimeout,
    keepAliveTimeout: milliseconds(options.keepAliveTimeout),
    connectionsCheckingInterval: checkingInterval(options),
  };
}

/** Sets the limits that node reads from the server object rather than from its options. */
export function applyServerLimits(server: Server, options: LimitOptions): void {
  // One more than the limit, so that the handler can tell a request that
  // exceeds it from one that reaches it (node drops the fields beyond).
  server.maxHeadersCount = options.maxHeaderCount + 1;
  server.maxRequestsPerSocket = options.maxRequestsPerConnection;
  server.keepAliveTimeout = milliseconds(options.keepAliveTimeout);
  server.timeout = 0;
}

/** A parse error or timeout as node reports it to `clientError`. */
export interface ClientErrorLike {
  /** Node's or llhttp's code, such as `HPE_HEADER_OVERFLOW`. */
  readonly code?: string;
  /** The bytes being parsed when the error happened. */
  readonly rawPacket?: Buffer;
}

/**
 * The status for a request node could not parse: 408 for a timeout, 413 for
 * oversized chunk extensions, 431 for an oversized header section (414 when
 * the packet shows the request line alone passing `maxRequestLineSize`), 400
 * for every framing error (HTTP-CONN-2). `null` for errors that leave no
 * client to answer (a reset).
 */
export function clientErrorStatus(
  error: ClientErrorLike,
  maxRequestLineSize: number,
): number | null {
  switch (error.code) {
    case 'ECONNRESET':
    case 'EPIPE':
    case 'ETIMEDOUT':
      return null;
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return 408;
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return 413;
    case 'HPE_HEADER_OVERFLOW':
      return requestLineTooLong(error.rawPacket, maxRequestLineSize) ? 414 : 431;
    default:
      return 400;
  }
}

/**
 * Whether a packet that overflowed the header section begins with a request
 * line longer than `limit`. Only the packet being parsed is known, so this
 * recognises the usual case of a request line that starts the packet. Over
 * TLS node parses one record (16 KiB at most) at a time, so a request line
 * longer than a record overflows in a later packet and is answered 431.
 */
function requestLineTooLong(packet: Buffer | undefined, limit: number): boolean {
  if (packet === undefined || packet.length <= limit) return false;
  const first = packet[0]!;
  // A request line starts with a method: uppercase letters.
  if (first < 0x41 || first > 0x5a) return false;
  const end = packet.indexOf(0x0a);
  const lineLength = end < 0 ? packet.length : end > 0 && packet[end - 1] === 0x0d ? end - 1 : end;
  return lineLength > limit;
}
