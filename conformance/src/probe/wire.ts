/**
 * The JSON encoding the probe app uses to report what a server gave it, and
 * its inverse for the suite.
 *
 * Scopes and events hold values JSON cannot carry as they are (`Uint8Array`,
 * `undefined`, class instances). The probe tags each such value so that the
 * suite can rebuild it and judge it: bytes become `Uint8Array` again (so the
 * JSON Schemas' `binary` keyword applies), and an object that is not plain
 * keeps the name of its class, so that SRV-2 can be checked across the wire.
 *
 * This module runs inside the server under test: it imports nothing.
 *
 * @module
 */

/** The property that marks a tagged value in the encoded JSON. */
export const TAG = '$tsgi';

/** A JSON value. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A value that was not a plain object, array or primitive, rebuilt on the suite's side. */
export class ForeignValue {
  /**
   * @param kind - what the value was: `object`, `function`, `symbol`, `bigint` or `number`.
   * @param className - the name of its constructor, when it had one.
   * @param value - the decoded own fields of an object, or the text of a number.
   */
  constructor(
    readonly kind: string,
    readonly className: string | null,
    readonly value: unknown,
  ) {}
}

function className(value: object): string | null {
  const proto = Object.getPrototypeOf(value) as { constructor?: { name?: unknown } } | null;
  const name = proto?.constructor?.name;
  return typeof name === 'string' ? name : null;
}

function base64(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(text);
}

function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/**
 * Encodes any value as JSON-safe data. Bytes keep their class name and
 * content; objects whose prototype is not `Object.prototype` or `null` keep
 * their class name; cycles are cut.
 */
export function encode(value: unknown, seen: Set<object> = new Set()): Json {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : { [TAG]: 'number', value: String(value) };
    case 'undefined':
      return { [TAG]: 'undefined' };
    case 'bigint':
      return { [TAG]: 'bigint', value: String(value) };
    case 'symbol':
      return { [TAG]: 'symbol', value: String(value) };
    case 'function':
      return { [TAG]: 'function', class: className(value) };
  }
  if (value === null) return null;
  const object = value as object;
  if (object instanceof Uint8Array) {
    return { [TAG]: 'bytes', class: className(object), base64: base64(object) };
  }
  if (seen.has(object)) return { [TAG]: 'cycle' };
  seen.add(object);
  try {
    if (Array.isArray(object)) {
      const items = object.map((item) => encode(item, seen));
      return Object.getPrototypeOf(object) === Array.prototype
        ? items
        : { [TAG]: 'object', class: className(object), value: items };
    }
    const fields: { [key: string]: Json } = {};
    for (const key of Object.keys(object)) {
      fields[key] = encode((object as Record<string, unknown>)[key], seen);
    }
    const proto = Object.getPrototypeOf(object);
    return proto === Object.prototype || proto === null
      ? fields
      : { [TAG]: 'object', class: className(object), value: fields };
  } finally {
    seen.delete(object);
  }
}

/**
 * Rebuilds a value from {@link encode}'s output: bytes become `Uint8Array`,
 * `undefined` comes back, and other tagged values become {@link ForeignValue}.
 */
export function decode(json: unknown): unknown {
  if (Array.isArray(json)) return json.map(decode);
  if (json === null || typeof json !== 'object') return json;
  const record = json as Record<string, unknown>;
  const tag = record[TAG];
  if (typeof tag === 'string') {
    const name = typeof record.class === 'string' ? record.class : null;
    switch (tag) {
      case 'bytes':
        return fromBase64(String(record.base64 ?? ''));
      case 'undefined':
        return undefined;
      case 'object':
        return new ForeignValue('object', name, decode(record.value));
      default:
        return new ForeignValue(tag, name, record.value ?? null);
    }
  }
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(record)) out[key] = decode(item);
  return out;
}

/**
 * Lists, as JSON Pointers with a note, every place in an encoded value that
 * was not plain data: an object with another prototype, a function, or
 * binary data of a class other than `Uint8Array` and `Buffer`.
 */
export function findForeign(json: unknown, at = ''): string[] {
  if (Array.isArray(json)) return json.flatMap((item, i) => findForeign(item, `${at}/${i}`));
  if (json === null || typeof json !== 'object') return [];
  const record = json as Record<string, unknown>;
  const tag = record[TAG];
  if (typeof tag === 'string') {
    if (tag === 'bytes') return [];
    if (tag === 'undefined') return [];
    return [
      `${at || '/'} is ${tag === 'object' ? `an instance of ${String(record.class)}` : `a ${tag}`}`,
    ];
  }
  return Object.entries(record).flatMap(([key, item]) => findForeign(item, `${at}/${key}`));
}

/** The class name recorded for encoded bytes, or `null` when `json` is not encoded bytes. */
export function bytesClass(json: unknown): string | null {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return null;
  const record = json as Record<string, unknown>;
  return record[TAG] === 'bytes' ? String(record.class) : null;
}
