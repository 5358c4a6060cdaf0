/**
 * Reading a request body from TSGI `http.request` events, under a size limit
 * that is enforced while the bytes arrive: a body over the limit is refused as
 * soon as the running count passes it, and nothing past the limit is kept.
 *
 * @module
 */

import type { ReceiveEvent } from 'tsgi';
import { ClientDisconnectedError } from 'tsgi';
import { PayloadTooLarge } from '../http-error.js';

/** What the body readers call for the next event: a TSGI `receive`. */
export type BodyReceive = () => Promise<ReceiveEvent>;

const EMPTY = new Uint8Array(0);

/**
 * Refuses a body whose announced `content-length` is over `limit`, before a
 * byte of it is read.
 *
 * @param contentLength - the parsed `content-length`, or `null` when absent.
 * @param limit - the limit in bytes.
 * @throws {@link PayloadTooLarge} when the announced length is over the limit.
 */
export function checkAnnouncedLength(contentLength: number | null, limit: number): void {
  if (contentLength !== null && contentLength > limit) {
    throw tooLarge(limit);
  }
}

function tooLarge(limit: number): PayloadTooLarge {
  return new PayloadTooLarge(`the request body is larger than the limit of ${limit} bytes`, {
    limit,
  });
}

/**
 * Parses a `content-length` value: a non-negative decimal integer. The server
 * already refused a malformed one (SEC-2); anything else reads as absent here.
 */
export function parseContentLength(value: string | undefined): number | null {
  if (value === undefined || !/^\d+$/.test(value)) return null;
  const length = Number(value);
  return Number.isSafeInteger(length) ? length : null;
}

/**
 * Yields the body's pieces as they arrive, empty ones skipped, stopping after
 * the piece with `moreBody: false`. Events of other types are ignored, so that
 * events a later spec version adds pass by.
 *
 * @param receive - the TSGI `receive`.
 * @param limit - the most bytes to accept; `Infinity` for no limit.
 * @throws {@link PayloadTooLarge} as soon as the count passes `limit`.
 * @throws `ClientDisconnectedError` on `http.disconnect` (HTTP-DISC-1, HTTP-REQ-4).
 */
export async function* receiveChunks(
  receive: BodyReceive,
  limit: number,
): AsyncGenerator<Uint8Array, void, undefined> {
  let received = 0;
  for (;;) {
    const event = await receive();
    if (event.type === 'http.request') {
      const body = event.body;
      if (body.byteLength > 0) {
        received += body.byteLength;
        if (received > limit) throw tooLarge(limit);
        yield body;
      }
      if (!event.moreBody) return;
    } else if (event.type === 'http.disconnect') {
      throw new ClientDisconnectedError('the client disconnected while sending the request body');
    }
  }
}

/**
 * Reads the whole body into one `Uint8Array`. A body that arrives in one
 * piece is returned as is, without a copy.
 *
 * @param receive - the TSGI `receive`.
 * @param limit - the most bytes to accept.
 * @throws {@link PayloadTooLarge} and `ClientDisconnectedError` as {@link receiveChunks} does.
 */
export async function readBody(receive: BodyReceive, limit: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of receiveChunks(receive, limit)) {
    chunks.push(chunk);
    total += chunk.byteLength;
  }
  if (chunks.length === 0) return EMPTY;
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  const body = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}
