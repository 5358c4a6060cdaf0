/**
 * Typed errors with stable codes. Errors about the contract carry the ID of the
 * requirement in `spec/tsgi.md` they enforce.
 *
 * @module
 */

/** The stable codes of every error this package throws. */
export const ErrorCode = {
  /** A side broke a requirement of the spec. */
  PROTOCOL: 'ERR_TSGI_PROTOCOL',
  /** The client is gone; a normal event, never logged as an error. */
  CLIENT_DISCONNECTED: 'ERR_TSGI_CLIENT_DISCONNECTED',
  /** A scope or event failed its JSON Schema. */
  SCHEMA: 'ERR_TSGI_SCHEMA',
  /** An option given to a function of this package is wrong. */
  INVALID_ARGUMENT: 'ERR_TSGI_INVALID_ARGUMENT',
} as const;

/** One of the values of {@link ErrorCode}. */
export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode];

/** The base of every error thrown by TSGI packages. */
export class TsgiError extends Error {
  /** A stable code: match on it, never on the message. */
  readonly code: string;

  /**
   * @param code - a stable code from {@link ErrorCode} (or a package's own).
   * @param message - one readable line.
   * @param options - the underlying cause, if any.
   */
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Formats a value for an error message: short, one line, never throws. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (typeof value === 'string') {
    const text = JSON.stringify(value);
    return text.length > 80 ? `${text.slice(0, 77)}..."` : text;
  }
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return String(value);
  }
  if (value instanceof Uint8Array) return `${value.constructor.name}(${value.byteLength})`;
  if (Array.isArray(value)) return `array(${value.length})`;
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'object') {
    const type = (value as { type?: unknown }).type;
    if (typeof type === 'string') return `{ type: ${JSON.stringify(type)} }`;
    return value.constructor?.name && value.constructor !== Object
      ? `a ${value.constructor.name}`
      : 'an object';
  }
  return typeof value;
}

/**
 * A side broke a requirement of the spec. The message is one line of the form
 * `[ID] what: expected X, received Y`.
 */
export class ProtocolError extends TsgiError {
  /** The requirement ID in `spec/tsgi.md`, such as `HTTP-RESP-2`. */
  readonly requirement: string;
  /** What the requirement asks for. */
  readonly expected: string;
  /** What was seen instead, already formatted for reading. */
  readonly received: string;

  /**
   * @param requirement - the requirement ID.
   * @param what - the subject, such as `http.response.start status`.
   * @param expected - what the requirement asks for.
   * @param received - what was seen (formatted with {@link describeValue} unless a string is given).
   */
  constructor(requirement: string, what: string, expected: string, received: string) {
    super(
      ErrorCode.PROTOCOL,
      `[${requirement}] ${what}: expected ${expected}, received ${received}`,
    );
    this.requirement = requirement;
    this.expected = expected;
    this.received = received;
  }
}

/**
 * The client went away. `send()` rejects with it after a disconnect
 * (HTTP-DISC-2, WS-DISC-1); servers never log it as an error (HTTP-DISC-4).
 */
export class ClientDisconnectedError extends TsgiError {
  /**
   * @param message - optional detail.
   */
  constructor(message = 'the client disconnected') {
    super(ErrorCode.CLIENT_DISCONNECTED, message);
  }
}

/** Tells whether `error` is a {@link ClientDisconnectedError}, across package copies. */
export function isClientDisconnected(error: unknown): error is ClientDisconnectedError {
  return (
    error instanceof ClientDisconnectedError ||
    (typeof error === 'object' &&
      error !== null &&
      (error as { code?: unknown }).code === ErrorCode.CLIENT_DISCONNECTED)
  );
}
