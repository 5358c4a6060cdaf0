/**
 * Response bodies: how a response is framed on the wire, and the meter that
 * holds an application to the length it promised.
 *
 * Shared by the HTTP machine and the WebSocket denial response, which is an
 * HTTP response too. The meter only counts bytes when a count matters (a
 * declared `content-length`, or a response that may carry none), so a string
 * body with no declared length is never measured.
 *
 * @module
 */

import { describeValue, ProtocolError } from '../errors.js';
import type { HeaderList, HttpVersion } from '../types.js';
import { bodyByteLength } from './fields.js';
import { headerValues, readContentLength } from './headers.js';

/**
 * How the server delimits the response body (HTTP-RESP-9, HTTP-RESP-10):
 *
 * - `'none'`: no body is transmitted (a HEAD request, a 204 or 304 response);
 *   the app's `content-length`, if any, is kept as it describes the resource.
 * - `'content-length'`: the app set `content-length`; exactly that many bytes follow.
 * - `'chunked'`: the length is unknown; chunked transfer coding on HTTP/1.1,
 *   the stream's own framing on HTTP/2 and HTTP/3. A server that buffers the
 *   first body event and finds it is also the last may send a
 *   `content-length` instead (HTTP-RESP-9 allows it when the whole body is known).
 * - `'close'`: the length is unknown on HTTP/1.0; the body ends when the
 *   connection closes.
 */
export type ResponseFraming = 'none' | 'content-length' | 'chunked' | 'close';

/**
 * Reads the `content-length` an application set.
 *
 * @returns the length, or `null` when the app set none.
 * @throws ProtocolError (HTTP-RESP-7) when the field is malformed or repeated with different values.
 */
export function checkContentLength(headers: HeaderList, what: string): number | null {
  const length = readContentLength(headers);
  if (Number.isNaN(length)) {
    throw new ProtocolError(
      'HTTP-RESP-7',
      `${what} content-length`,
      'one value of decimal digits',
      describeValue(headerValues(headers, 'content-length').join(', ')),
    );
  }
  return length;
}

/** Counts the body bytes of one response against what its head allows. */
export class BodyMeter {
  /** The declared `content-length`, or `null` when none is enforced. */
  readonly declared: number | null;
  /** Why no body bytes are allowed (`"a HEAD request"`, `"a 204 response"`), or `null`. */
  readonly noBodyReason: string | null;
  /** The framing the server uses. */
  readonly framing: ResponseFraming;
  /** Body bytes accepted so far; counted only when `declared` is set. */
  sent = 0;

  /**
   * @param status - the response status.
   * @param contentLength - the checked `content-length` the app set, or `null`.
   * @param httpVersion - the request's HTTP version.
   * @param isHead - whether the request method is HEAD.
   * @param trailers - whether trailers follow the body.
   */
  constructor(
    status: number,
    contentLength: number | null,
    httpVersion: HttpVersion,
    isHead: boolean,
    trailers: boolean,
  ) {
    this.noBodyReason = isHead
      ? 'a HEAD request'
      : status === 204 || status === 304
        ? `a ${status} response`
        : null;
    // The count binds only where the body is transmitted: on HEAD and 304 the
    // header describes the resource, not this message (HTTP-RESP-10).
    this.declared = this.noBodyReason === null ? contentLength : null;
    if (this.noBodyReason !== null) this.framing = 'none';
    else if (trailers && httpVersion === '1.1') this.framing = 'chunked';
    else if (contentLength !== null) this.framing = 'content-length';
    else this.framing = httpVersion === '1.0' ? 'close' : 'chunked';
  }

  /**
   * Accounts for one piece of body.
   *
   * @throws ProtocolError HTTP-RESP-8 for bytes where none are allowed, HTTP-RESP-7 past the declared length.
   */
  add(body: Uint8Array | string, what: string): void {
    if (this.noBodyReason !== null) {
      if (body.length > 0) {
        throw new ProtocolError(
          'HTTP-RESP-8',
          what,
          `no body bytes for ${this.noBodyReason}`,
          describeValue(body),
        );
      }
      return;
    }
    if (this.declared === null) return;
    this.sent += bodyByteLength(body);
    if (this.sent > this.declared) {
      throw new ProtocolError(
        'HTTP-RESP-7',
        what,
        `at most ${this.declared} body bytes (content-length)`,
        `${this.sent} bytes`,
      );
    }
  }

  /**
   * Accounts for `length` more bytes from a file, when known.
   *
   * @throws ProtocolError as {@link BodyMeter.add} does, and HTTP-RESP-7 when the file cannot fill the declared length exactly.
   */
  addFile(length: number | null, what: string): void {
    if (this.noBodyReason !== null) {
      if (length !== 0) {
        throw new ProtocolError(
          'HTTP-RESP-8',
          what,
          `no body bytes for ${this.noBodyReason}`,
          length === null ? 'the rest of a file' : `${length} bytes of a file`,
        );
      }
      return;
    }
    if (this.declared === null || length === null) return;
    this.sent += length;
    this.end(what);
  }

  /** The bytes a file must still supply to meet `content-length`, or `null` when unconstrained. */
  get remaining(): number | null {
    return this.declared === null ? null : this.declared - this.sent;
  }

  /**
   * The body has ended.
   *
   * @throws ProtocolError (HTTP-RESP-7) when fewer bytes than declared were sent.
   */
  end(what: string): void {
    if (this.declared !== null && this.sent !== this.declared) {
      throw new ProtocolError(
        'HTTP-RESP-7',
        what,
        `${this.declared} body bytes (content-length)`,
        `${this.sent} bytes`,
      );
    }
  }
}
