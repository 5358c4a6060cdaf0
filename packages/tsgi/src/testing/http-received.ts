/**
 * What the client of a harness exchange received: the early hints, the
 * status and headers, the body bytes the transport accepted and the
 * trailers; and, once the application settled, the response a client would
 * have seen, the server's 500 included.
 *
 * @module
 */

import type { ProtocolError } from '../errors.js';
import type { HttpSettleAction } from '../protocol/http.js';
import type { Settlement } from '../protocol/machine.js';
import type { HeaderList, HttpScope, SendEvent } from '../types.js';
import { type HttpOutcome, TestResponse } from './response.js';

const UTF8 = new TextEncoder();

/** The body of the 500 the harness answers for a failing application: it reveals nothing (HTTP-FAIL-1). */
const INTERNAL_ERROR_BODY = 'Internal Server Error';

/** A copy of a header list, so that the test never shares the application's arrays. */
function copyHeaders(headers: HeaderList): HeaderList {
  return headers.map(([name, value]) => [name, value]);
}

/** What the harness knows when the application settled. */
export interface SettledExchange {
  /** The scope of the request. */
  readonly scope: HttpScope;
  /** The machine's verdict. */
  readonly settlement: Settlement<HttpSettleAction>;
  /** Whether the client had left. */
  readonly clientGone: boolean;
  /** Whether `100 Continue` was sent. */
  readonly continued: boolean;
  /** Every event the application sent. */
  readonly events: readonly SendEvent[];
  /** The first rule the application broke, or `null`. */
  readonly violation: ProtocolError | null;
}

/** The client's side of one exchange, filled as the transport accepts the application's events. */
export class ReceivedResponse {
  #status = 0;
  #headers: HeaderList = [];
  #trailers: HeaderList | null = null;
  readonly #earlyHints: HeaderList[] = [];
  readonly #pieces: Uint8Array[] = [];
  #bytes = 0;
  #complete = false;

  /** Body bytes received so far. */
  get bytes(): number {
    return this.#bytes;
  }

  /** A `103 Early Hints` response arrived. */
  hints(headers: HeaderList): void {
    this.#earlyHints.push(copyHeaders(headers));
  }

  /** The status line and headers arrived. */
  start(status: number, headers: HeaderList): void {
    this.#status = status;
    this.#headers = copyHeaders(headers);
  }

  /** Body bytes arrived; `complete` when they end the response. */
  body(bytes: Uint8Array, complete: boolean): void {
    if (bytes.byteLength > 0) {
      this.#pieces.push(bytes);
      this.#bytes += bytes.byteLength;
    }
    if (complete) this.#complete = true;
  }

  /** The trailers arrived, which complete the response. */
  trailers(headers: HeaderList): void {
    this.#trailers = copyHeaders(headers);
    this.#complete = true;
  }

  /** The response as the client saw it once the application settled. */
  toResponse(exchange: SettledExchange): TestResponse {
    const { settlement, violation } = exchange;
    let outcome: HttpOutcome;
    let status = this.#status;
    let headers = this.#headers;
    let body = joinPieces(this.#pieces);
    switch (settlement.action) {
      case 'ok':
        // A client that left while the last bytes were held never got them.
        outcome = this.#complete || !exchange.clientGone ? 'complete' : 'client-gone';
        break;
      case 'respond-500':
        outcome = 'internal-error';
        status = 500;
        body = UTF8.encode(INTERNAL_ERROR_BODY);
        headers = [
          ['content-type', 'text/plain; charset=utf-8'],
          ['content-length', String(body.byteLength)],
        ];
        break;
      case 'abort':
        outcome = 'aborted';
        break;
      default:
        outcome = 'client-gone';
    }
    return new TestResponse({
      scope: exchange.scope,
      status,
      headers,
      body,
      trailers: this.#trailers,
      earlyHints: [...this.#earlyHints],
      continued: exchange.continued,
      events: [...exchange.events],
      outcome,
      requirement: settlement.requirement,
      error: settlement.error ?? violation,
      violation,
    });
  }
}

function joinPieces(pieces: readonly Uint8Array[]): Uint8Array {
  if (pieces.length === 1) return pieces[0]!;
  let size = 0;
  for (const piece of pieces) size += piece.byteLength;
  const out = new Uint8Array(size);
  let at = 0;
  for (const piece of pieces) {
    out.set(piece, at);
    at += piece.byteLength;
  }
  return out;
}
