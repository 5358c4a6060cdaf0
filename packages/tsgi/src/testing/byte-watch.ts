/**
 * A check of APP-6, as far as a server can see it: the bytes of a
 * `Uint8Array` the application passed to `send()` must stay as they were,
 * since a real server may still hold the array in a send buffer. The harness
 * keeps a copy of each array it accepted and compares when the application
 * settles.
 *
 * @module
 */

import { ProtocolError } from '../errors.js';

/** Arrays the application sent, each with a copy taken when it was sent. */
export class ByteWatch {
  readonly #watched: { original: Uint8Array; copy: Uint8Array; what: string }[] = [];

  /**
   * Watches `original`, which the application sent, against `copy`.
   *
   * @param what - the field, for the message, such as `http.response.body body`.
   */
  watch(original: Uint8Array, copy: Uint8Array, what: string): void {
    this.#watched.push({ original, copy, what });
  }

  /** The first watched array whose bytes changed, as the APP-6 error; else `null`. */
  check(): ProtocolError | null {
    for (const { original, copy, what } of this.#watched) {
      if (!sameBytes(original, copy)) {
        return new ProtocolError(
          'APP-6',
          what,
          'the bytes of a Uint8Array passed to send() left unchanged',
          'bytes changed after send()',
        );
      }
    }
    return null;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}
