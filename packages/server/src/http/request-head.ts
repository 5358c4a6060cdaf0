/**
 * The request head: the header list of the scope, built in one pass over
 * node's `rawHeaders`, and the strict HTTP/1.1 checks that node's parser
 * (llhttp in strict mode) leaves to the server.
 *
 * llhttp already rejects, before any request event: `content-length` together
 * with `transfer-encoding` (SEC-1), repeated or non-decimal `content-length`
 * (SEC-2), obsolete line folding, bare CR or LF, whitespace before the colon
 * and other malformed field lines (SEC-3), a `transfer-encoding` whose last
 * coding is a known one other than `chunked` (SEC-5), and malformed chunks
 * (HTTP-CONN-2). What it lets through, and this module rejects: a missing or
 * repeated `host` (SEC-4), `transfer-encoding` in HTTP/1.0 (SEC-5), a
 * `transfer-encoding` list whose last coding is not exactly `chunked` (such
 * as `xchunked`, SEC-5), codings other than `chunked` (501, RFC 9112 section
 * 6.1), and HTTP versions a scope cannot name (0.9, 2.0 over HTTP/1 syntax).
 *
 * @module
 */
import type { IncomingMessage } from 'node:http';
import type { HeaderList } from 'tsgi';

/** What the header pass learned about a request, besides the list itself. */
export class HeadFacts {
  /** How many `host` fields the request carried. */
  hostCount = 0;
  /** The index of the first `host` pair in the list, or -1. */
  hostIndex = -1;
  /** The `transfer-encoding` values joined with `,`, or `null` when absent. */
  transferEncoding: string | null = null;
  /** The declared `content-length`, or `null` when absent. */
  contentLength: number | null = null;
  /** The `te` values joined with `,`, or `null` when absent. */
  te: string | null = null;

  /**
   * Builds the scope's header list from node's `rawHeaders` (HTTP-SCOPE-10):
   * lowercase names, the order and the repeats of the request, values as
   * node read them (Latin-1, surrounding whitespace removed: HTTP-SCOPE-15),
   * several cookie fields joined into one (HTTP-SCOPE-12).
   * The facts of this instance are overwritten, so one instance can serve
   * every request of a server.
   */
  read(raw: readonly string[]): HeaderList {
    this.hostCount = 0;
    this.hostIndex = -1;
    this.transferEncoding = null;
    this.contentLength = null;
    this.te = null;
    // Sized once and filled: cheaper than growing it pair by pair.
    const headers: HeaderList = new Array(raw.length >> 1);
    let count = 0;
    let cookieIndex = -1;
    for (let i = 0; i < raw.length; i += 2) {
      // V8 returns the same string when it is lowercase already.
      const name = raw[i]!.toLowerCase();
      const value = raw[i + 1]!;
      switch (name) {
        case 'host':
          if (this.hostCount++ === 0) this.hostIndex = count;
          break;
        case 'content-length':
          // llhttp admits a single run of digits only (SEC-2).
          this.contentLength = Number(value);
          break;
        case 'transfer-encoding':
          this.transferEncoding =
            this.transferEncoding === null ? value : `${this.transferEncoding},${value}`;
          break;
        case 'te':
          this.te = this.te === null ? value : `${this.te},${value}`;
          break;
        case 'cookie':
          // Several cookie fields become one, joined with "; " (HTTP-SCOPE-12).
          if (cookieIndex !== -1) {
            const pair = headers[cookieIndex]!;
            pair[1] = `${pair[1]}; ${value}`;
            continue;
          }
          cookieIndex = count;
          break;
      }
      headers[count++] = [name, value];
    }
    // Joined cookie fields leave slots at the end.
    if (count < headers.length) headers.length = count;
    return headers;
  }

  /**
   * The length of the request body the head declares: `content-length`, 0
   * when there is neither `content-length` nor `transfer-encoding`, and
   * `null` for a chunked body.
   */
  get bodyLength(): number | null {
    if (this.transferEncoding !== null) return null;
    return this.contentLength ?? 0;
  }

  /** Whether the `te` field lists `trailers` (EXT-TRAILERS-1). */
  get acceptsTrailers(): boolean {
    return this.te !== null && listsTrailers(this.te);
  }

  /**
   * Checks the head against the rules node's parser leaves to the server.
   *
   * @returns 0 when the request may proceed, else the status to reject it
   *   with: 400 (SEC-4, SEC-5), 501 (a transfer coding other than chunked)
   *   or 505 (an HTTP version other than 1.0 and 1.1).
   */
  check(req: IncomingMessage): number {
    if (req.httpVersionMajor !== 1 || req.httpVersionMinor > 1) return 505;
    const http11 = req.httpVersionMinor === 1;
    if (this.hostCount > 1 || (http11 && this.hostCount === 0)) return 400;
    if (this.transferEncoding !== null) {
      if (!http11) return 400;
      return transferCodingStatus(this.transferEncoding);
    }
    return 0;
  }
}

/**
 * 0 when a `transfer-encoding` list is exactly `chunked`; 400 when it does
 * not end with `chunked` or names it twice (SEC-5); 501 when it ends with
 * `chunked` after codings this server does not implement.
 */
export function transferCodingStatus(value: string): number {
  const codings = value.split(',');
  let last = '';
  let chunked = 0;
  let others = 0;
  for (const coding of codings) {
    const name = coding.trim().toLowerCase();
    if (name === '') continue;
    if (name === 'chunked') chunked++;
    else others++;
    last = name;
  }
  if (last !== 'chunked' || chunked > 1) return 400;
  return others > 0 ? 501 : 0;
}

function listsTrailers(value: string): boolean {
  for (const item of value.split(',')) {
    const semicolon = item.indexOf(';');
    const name = (semicolon < 0 ? item : item.slice(0, semicolon)).trim().toLowerCase();
    if (name === 'trailers') return true;
  }
  return false;
}
