/**
 * The response head as it goes on the wire: the app's fields checked for
 * characters that must never be transmitted (HTTP-RESP-16), the framing
 * fields the server owns (HTTP-RESP-13) taken out, and the `server` and
 * `content-length` fields added when due. Also the server's own short
 * responses (500, rejections).
 *
 * @module
 */
import { STATUS_CODES } from 'node:http';
import { describeValue, type HeaderList, ProtocolError } from 'tsgi';

/** The app set a `server` field. */
export const HAS_SERVER = 1;
/** The app set `transfer-encoding`, which the server owns (HTTP-RESP-13). */
export const HAS_TRANSFER_ENCODING = 2;
/** The app set `content-length`. */
export const HAS_CONTENT_LENGTH = 4;

/**
 * A value holds characters above U+007F. Node writes the head in the
 * encoding of a string body sent with it, so such a head must not travel with
 * a string body: each character must reach the wire as its Latin-1 byte
 * (HTTP-RESP-13).
 */
export const HAS_WIDE_VALUE = 8;

/** The value of the `server` field the server adds. */
export const SERVER_NAME = 'tsgi';

const SERVER_FIELD: [string, string] = ['server', SERVER_NAME];

const PLAIN = 0;
const WIDE = 1;
const INVALID = 2;

/** Anything but tab and printable ASCII: the values that need a closer look. */
const UNUSUAL = /[^\t\x20-\x7e]/;

/**
 * Characters node refuses in a field value, and that HTTP-RESP-3 forbids:
 * anything but tab, space, U+0021 to U+007E and U+0080 to U+00FF.
 */
const INVALID_VALUE = /[^\t\x20-\x7e\x80-\xff]/;

/** The longest value {@link PLAIN_VALUES} keeps. */
const MAX_REMEMBERED_LENGTH = 256;

/** How many values {@link PLAIN_VALUES} keeps before it starts over. */
const REMEMBERED_VALUES = 1024;

/**
 * Values known to hold only tab and printable ASCII. Apps send the same
 * values again and again, most of them literals, and a set lookup costs a
 * fraction of a scan; a string is immutable, so finding it proves it passed.
 * Bounded in count and length, and started over when full.
 */
const PLAIN_VALUES = new Set<string>();

/**
 * Sorts a field value by the characters it holds: {@link PLAIN} for tab and
 * printable ASCII only, {@link WIDE} when it also holds characters from U+0080
 * to U+00FF, {@link INVALID} for anything node refuses and HTTP-RESP-3 forbids
 * (other control characters, DEL, anything above U+00FF).
 */
function valueKind(value: string): number {
  if (PLAIN_VALUES.has(value)) return PLAIN;
  if (UNUSUAL.test(value)) return INVALID_VALUE.test(value) ? INVALID : WIDE;
  if (value.length <= MAX_REMEMBERED_LENGTH) {
    if (PLAIN_VALUES.size >= REMEMBERED_VALUES) PLAIN_VALUES.clear();
    PLAIN_VALUES.add(value);
  }
  return PLAIN;
}

/**
 * Checks every value of a header list the app sent for characters the wire
 * cannot carry (HTTP-RESP-16), and notes the fields the server cares about.
 * The names were checked by the exchange (HTTP-RESP-3).
 *
 * @param what - the field, for the error, such as `http.response.start headers`.
 * @returns a combination of {@link HAS_SERVER}, {@link HAS_TRANSFER_ENCODING},
 *   {@link HAS_CONTENT_LENGTH} and {@link HAS_WIDE_VALUE}.
 * @throws ProtocolError citing HTTP-RESP-3 for the first bad value.
 */
export function scanHeaders(headers: HeaderList, what: string): number {
  let flags = 0;
  for (let i = 0; i < headers.length; i++) {
    const pair = headers[i]!;
    const name = pair[0];
    const value = pair[1];
    const kind = valueKind(value);
    if (kind !== PLAIN) {
      if (kind === INVALID) {
        throw new ProtocolError(
          'HTTP-RESP-3',
          `${what}[${i}] (${name}) value`,
          'tab, space and the characters U+0021 to U+007E and U+0080 to U+00FF',
          describeValue(value),
        );
      }
      flags |= HAS_WIDE_VALUE;
    }
    switch (name) {
      case 'server':
        flags |= HAS_SERVER;
        break;
      case 'transfer-encoding':
        flags |= HAS_TRANSFER_ENCODING;
        break;
      case 'content-length':
        flags |= HAS_CONTENT_LENGTH;
        break;
    }
  }
  return flags;
}

/**
 * The header list to write: the app's own array when nothing changes,
 * otherwise a copy without `transfer-encoding` (HTTP-RESP-13), without
 * `content-length` when `dropLength` (a 204, or a chunked body with
 * trailers), and with `server` and a computed `content-length` appended.
 *
 * @param flags - what {@link scanHeaders} found.
 * @param addServer - whether to add `server` when the app set none.
 * @param dropLength - whether to leave out the app's `content-length`.
 * @param length - a `content-length` to add, or -1.
 */
export function headersToWrite(
  headers: HeaderList,
  flags: number,
  addServer: boolean,
  dropLength: boolean,
  length: number,
): HeaderList {
  const drop =
    (flags & HAS_TRANSFER_ENCODING) !== 0 || (dropLength && (flags & HAS_CONTENT_LENGTH) !== 0);
  const server = addServer && (flags & HAS_SERVER) === 0;
  if (!drop && !server && length < 0) return headers;
  let count = headers.length;
  if (length >= 0) count++;
  if (server) count++;
  // Sized once and filled: cheaper than copying and growing.
  const list: HeaderList = new Array(count);
  let at = 0;
  for (let i = 0; i < headers.length; i++) {
    const pair = headers[i]!;
    if (drop) {
      const name = pair[0];
      if (name === 'transfer-encoding' || (dropLength && name === 'content-length')) continue;
    }
    list[at++] = pair;
  }
  if (length >= 0) list[at++] = ['content-length', String(length)];
  // Node only reads the pair; one shared instance will do.
  if (server) list[at++] = SERVER_FIELD;
  // Fields dropped leave slots at the end.
  if (at < count) list.length = at;
  return list;
}

/** A short text response the server writes on its own. */
export interface CannedResponse {
  /** The status. */
  readonly status: number;
  /** The header fields. */
  readonly headers: HeaderList;
  /** The body: the reason phrase, revealing nothing else (HTTP-FAIL-1). */
  readonly body: string;
}

/**
 * The server's own response for `status`: a `text/plain` body holding the
 * reason phrase, `content-length`, `server` when `serverHeader`, and any
 * `extra` fields (such as `retry-after`).
 */
export function cannedResponse(
  status: number,
  serverHeader: boolean,
  extra: HeaderList = [],
): CannedResponse {
  const body = `${STATUS_CODES[status] ?? 'Error'}\n`;
  const headers: HeaderList = [
    ['content-type', 'text/plain; charset=utf-8'],
    ['content-length', String(Buffer.byteLength(body))],
    ...extra,
  ];
  if (serverHeader) headers.push(['server', SERVER_NAME]);
  return { status, headers, body };
}

/**
 * The same response as raw bytes, with `connection: close` (and `date` when
 * `dateHeader`), for a connection that has no response object to write
 * through: a parse error, a refused handshake.
 */
export function rawCannedResponse(
  status: number,
  options: { readonly serverHeader: boolean; readonly dateHeader: boolean },
): string {
  const canned = cannedResponse(status, options.serverHeader);
  let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n`;
  for (const [name, value] of canned.headers) head += `${name}: ${value}\r\n`;
  if (options.dateHeader) head += `date: ${new Date().toUTCString()}\r\n`;
  return `${head}connection: close\r\n\r\n${canned.body}`;
}
