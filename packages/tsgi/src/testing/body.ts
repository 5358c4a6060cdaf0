/**
 * Request bodies as the harness's client sends them: the framing fields a
 * client would add, the checks a server makes on them (SEC-1, SEC-2, SEC-5),
 * and a pull-based source of pieces, so that the application reads no further
 * ahead than its `receive()` calls (HTTP-BP-2).
 *
 * @module
 */

import { headerValues, readContentLength } from '../protocol/headers.js';
import type { HeaderList, HttpVersion } from '../types.js';
import { invalidArgument } from './errors.js';
import type { BodyChunk, BodyInput, HttpOptions } from './options.js';

const UTF8 = new TextEncoder();
const EMPTY = new Uint8Array(0);

/** One piece of the request body, as the server reads it. */
export interface BodyPiece {
  /** The bytes; a new array the application may keep (SRV-4). */
  readonly bytes: Uint8Array;
  /** Whether the body ends with this piece. */
  readonly last: boolean;
}

/**
 * How the request body reaches the server: from the test's `body` option, or
 * piece by piece from `sendBody()` (`manual`).
 */
export interface BodyPlan {
  /** Whether the test sends the body itself with `sendBody()`. */
  readonly manual: boolean;
  /** The next piece, or `null` for a manual body (the test supplies it). */
  pull: (() => Promise<BodyPiece> | BodyPiece) | null;
  /** Adds the framing fields a client sends with this body and checks those the test gave. */
  readonly addHeaders: (headers: HeaderList, httpVersion: HttpVersion) => void;
  /** The declared `content-length` once headers were added, or `null`. */
  declared: number | null;
}

/** A copy of a chunk as bytes, so the application never shares an array the test may change. */
export function chunkBytes(chunk: BodyChunk): Uint8Array {
  if (typeof chunk === 'string') return UTF8.encode(chunk);
  if (chunk instanceof Uint8Array) return chunk.slice();
  throw invalidArgument('body: expected pieces that are strings or Uint8Arrays');
}

/**
 * Checks the framing fields the test gave and adds those a client would:
 * `content-length` for a body of known length, `transfer-encoding: chunked`
 * for a streamed one on HTTP/1.1. Returns the declared length.
 */
function frame(
  headers: HeaderList,
  httpVersion: HttpVersion,
  known: number | null,
  hasBody: boolean,
): number | null {
  const declared = readContentLength(headers);
  if (Number.isNaN(declared)) {
    throw invalidArgument(
      '[SEC-2] headers: a content-length that is not one decimal number is rejected with 400',
    );
  }
  const encodings = headerValues(headers, 'transfer-encoding');
  if (encodings.length > 0) {
    if (declared !== null) {
      throw invalidArgument(
        '[SEC-1] headers: a request with both content-length and transfer-encoding is rejected with 400',
      );
    }
    const codings = encodings.join(',').split(',');
    if (httpVersion === '1.0' || codings[codings.length - 1]!.trim().toLowerCase() !== 'chunked') {
      throw invalidArgument(
        '[SEC-5] headers: transfer-encoding on HTTP/1.0, or not ending in chunked, is rejected with 400',
      );
    }
    return null;
  }
  if (declared !== null) {
    if (known !== null && known !== declared) {
      throw invalidArgument(
        `headers: content-length ${declared} does not match the body of ${known} bytes; to cut the body short, use the disconnect option`,
      );
    }
    return declared;
  }
  if (!hasBody) return null;
  if (known !== null) {
    headers.push(['content-length', String(known)]);
    return known;
  }
  if (httpVersion === '1.1') headers.push(['transfer-encoding', 'chunked']);
  else if (httpVersion === '1.0') {
    throw invalidArgument(
      'body: an HTTP/1.0 request cannot stream a body of unknown length; set content-length',
    );
  }
  return null;
}

/** Pulls pieces from an iterable, checking them against a declared length. */
function iterate(body: Iterable<BodyChunk> | AsyncIterable<BodyChunk>, plan: BodyPlan) {
  const iterator =
    Symbol.asyncIterator in body
      ? (body as AsyncIterable<BodyChunk>)[Symbol.asyncIterator]()
      : (body as Iterable<BodyChunk>)[Symbol.iterator]();
  let total = 0;
  let done = false;
  return async (): Promise<BodyPiece> => {
    for (;;) {
      if (done) return { bytes: EMPTY, last: true };
      const next = await iterator.next();
      if (next.done) {
        done = true;
        if (plan.declared !== null && total !== plan.declared) {
          throw invalidArgument(
            `body: the pieces hold ${total} bytes, but content-length declares ${plan.declared}`,
          );
        }
        return { bytes: new Uint8Array(0), last: true };
      }
      const bytes = chunkBytes(next.value);
      // A chunked body cannot carry an empty piece: it would end the body.
      if (bytes.byteLength === 0) continue;
      total += bytes.byteLength;
      if (plan.declared !== null && total > plan.declared) {
        throw invalidArgument(
          `body: the pieces hold more than the ${plan.declared} bytes content-length declares`,
        );
      }
      return { bytes, last: false };
    }
  };
}

/**
 * Plans the request body of `options`.
 *
 * @throws TsgiError (`ERR_TSGI_INVALID_ARGUMENT`) for a body no client could send this way.
 */
export function planBody(options: HttpOptions): BodyPlan {
  const body: BodyInput | undefined = options.body;
  if (options.streamBody === true) {
    if (body !== undefined) throw invalidArgument('body: give either body or streamBody, not both');
    const plan: BodyPlan = {
      manual: true,
      pull: null,
      addHeaders: (headers, httpVersion) => {
        plan.declared = frame(headers, httpVersion, null, true);
      },
      declared: null,
    };
    return plan;
  }
  if (body === undefined) {
    const plan: BodyPlan = {
      manual: false,
      pull: () => ({ bytes: new Uint8Array(0), last: true }),
      addHeaders: (headers, httpVersion) => {
        plan.declared = frame(headers, httpVersion, null, false);
        if (plan.declared !== null && plan.declared !== 0) {
          throw invalidArgument(
            `headers: content-length ${plan.declared} declares a body, but none was given`,
          );
        }
      },
      declared: null,
    };
    return plan;
  }
  if (typeof body === 'string' || body instanceof Uint8Array) {
    const bytes = chunkBytes(body);
    let given = false;
    const plan: BodyPlan = {
      manual: false,
      pull: () => {
        const piece = { bytes: given ? new Uint8Array(0) : bytes, last: true };
        given = true;
        return piece;
      },
      addHeaders: (headers, httpVersion) => {
        plan.declared = frame(headers, httpVersion, bytes.byteLength, true);
      },
      declared: null,
    };
    return plan;
  }
  if (
    typeof body !== 'object' ||
    body === null ||
    !(Symbol.iterator in body || Symbol.asyncIterator in body)
  ) {
    throw invalidArgument(
      'body: expected a string, a Uint8Array, or an iterable or async iterable of them',
    );
  }
  const plan: BodyPlan = {
    manual: false,
    pull: null,
    addHeaders: (headers, httpVersion) => {
      plan.declared = frame(headers, httpVersion, null, true);
    },
    declared: null,
  };
  plan.pull = iterate(body, plan);
  return plan;
}
