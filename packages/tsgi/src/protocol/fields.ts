/**
 * Field checks shared by the protocol machines: the small, typed readers that
 * turn an event of unknown shape into checked values or a `ProtocolError`.
 *
 * Each reader takes the requirement ID to cite and the field's name for the
 * message, so every machine reports its own rule in the same one-line form
 * (`[ID] what: expected X, received Y`). Readers return the checked value so a
 * machine reads each field once.
 *
 * @module
 */

import { describeValue, ProtocolError } from '../errors.js';

/** A zero-length body, shared: nothing can be written into it. */
export const EMPTY_BODY: Uint8Array = new Uint8Array(0);

/** An object that is not null and not an array: the shape of every scope and event. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads the `type` of something sent as an event.
 *
 * @throws ProtocolError citing `requirement` when `event` is not an object with a string `type`.
 */
export function eventType(event: unknown, requirement: string, what: string): string {
  if (!isRecord(event)) {
    throw new ProtocolError(
      requirement,
      what,
      'an event object with a string type',
      describeValue(event),
    );
  }
  const type = event.type;
  if (typeof type !== 'string') {
    throw new ProtocolError(requirement, `${what} type`, 'a string', describeValue(type));
  }
  return type;
}

/** Reads an HTTP status: an integer from 200 to 599 (HTTP-RESP-2). */
export function readStatus(value: unknown, requirement: string, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 200 || value > 599) {
    throw new ProtocolError(requirement, what, 'an integer from 200 to 599', describeValue(value));
  }
  return value;
}

/** Reads an optional boolean, giving `fallback` when it is absent. */
export function readFlag(
  value: unknown,
  fallback: boolean,
  requirement: string,
  what: string,
): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') {
    throw new ProtocolError(requirement, what, 'a boolean when present', describeValue(value));
  }
  return value;
}

/** Reads an optional body: a Uint8Array or a string, empty when absent. */
export function readBody(value: unknown, requirement: string, what: string): Uint8Array | string {
  if (value === undefined) return EMPTY_BODY;
  if (typeof value === 'string' || value instanceof Uint8Array) return value;
  throw new ProtocolError(
    requirement,
    what,
    'a Uint8Array or a string when present',
    describeValue(value),
  );
}

/** Reads an optional string, giving `fallback` when it is absent. */
export function readText(
  value: unknown,
  fallback: string,
  requirement: string,
  what: string,
): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string') {
    throw new ProtocolError(requirement, what, 'a string when present', describeValue(value));
  }
  return value;
}

/** Reads an optional non-negative safe integer, `null` when absent. */
export function readCount(value: unknown, requirement: string, what: string): number | null {
  if (value === undefined) return null;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new ProtocolError(
      requirement,
      what,
      'a non-negative integer when present',
      describeValue(value),
    );
  }
  return value;
}

/**
 * The number of bytes `text` takes in UTF-8, without encoding it. Lone
 * surrogates count 3 bytes, as the U+FFFD an encoder writes for them.
 */
export function utf8ByteLength(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) continue;
    if (code < 0x800) {
      bytes += 1;
    } else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        // A pair: 2 UTF-16 units become 4 bytes.
        bytes += 2;
        i++;
      } else {
        bytes += 2;
      }
    } else {
      bytes += 2;
    }
  }
  return bytes;
}

/** The byte length of a body as the server will write it. */
export function bodyByteLength(body: Uint8Array | string): number {
  return typeof body === 'string' ? utf8ByteLength(body) : body.byteLength;
}
