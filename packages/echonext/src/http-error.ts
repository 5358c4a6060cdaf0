/**
 * Errors that are answers: throw one anywhere in a view or middleware and the
 * app layer turns it into a response with its status, headers and message.
 *
 * The message of an {@link HTTPError} is public: it is meant for the client
 * and is shown to it, so keep it short and free of internals. Put what only
 * the logs should see in `cause`.
 *
 * @module
 */

import type { HeaderList } from 'tsgi';
import { TsgiError } from 'tsgi';
import { checkHeaderValue, type HeadersInit, normalizeHeaders } from './headers.js';
import { UsageError, UsageErrorCode } from './usage-error.js';

/**
 * The stable codes of the HTTP errors, one per status this module names.
 * Other statuses get `ERR_ECHONEXT_HTTP_<status>`.
 */
export const HTTPErrorCode = {
  /** 400. */
  BAD_REQUEST: 'ERR_ECHONEXT_BAD_REQUEST',
  /** 401. */
  UNAUTHORIZED: 'ERR_ECHONEXT_UNAUTHORIZED',
  /** 403. */
  FORBIDDEN: 'ERR_ECHONEXT_FORBIDDEN',
  /** 404. */
  NOT_FOUND: 'ERR_ECHONEXT_NOT_FOUND',
  /** 405. */
  METHOD_NOT_ALLOWED: 'ERR_ECHONEXT_METHOD_NOT_ALLOWED',
  /** 406. */
  NOT_ACCEPTABLE: 'ERR_ECHONEXT_NOT_ACCEPTABLE',
  /** 409. */
  CONFLICT: 'ERR_ECHONEXT_CONFLICT',
  /** 413. */
  PAYLOAD_TOO_LARGE: 'ERR_ECHONEXT_PAYLOAD_TOO_LARGE',
  /** 415. */
  UNSUPPORTED_MEDIA_TYPE: 'ERR_ECHONEXT_UNSUPPORTED_MEDIA_TYPE',
  /** 422. */
  UNPROCESSABLE_ENTITY: 'ERR_ECHONEXT_UNPROCESSABLE_ENTITY',
  /** 429. */
  TOO_MANY_REQUESTS: 'ERR_ECHONEXT_TOO_MANY_REQUESTS',
  /** 500. */
  INTERNAL_SERVER_ERROR: 'ERR_ECHONEXT_INTERNAL_SERVER_ERROR',
} as const;

/** One of the values of {@link HTTPErrorCode}. */
export type HTTPErrorCodeValue = (typeof HTTPErrorCode)[keyof typeof HTTPErrorCode];

const CODE_BY_STATUS: ReadonlyMap<number, HTTPErrorCodeValue> = new Map([
  [400, HTTPErrorCode.BAD_REQUEST],
  [401, HTTPErrorCode.UNAUTHORIZED],
  [403, HTTPErrorCode.FORBIDDEN],
  [404, HTTPErrorCode.NOT_FOUND],
  [405, HTTPErrorCode.METHOD_NOT_ALLOWED],
  [406, HTTPErrorCode.NOT_ACCEPTABLE],
  [409, HTTPErrorCode.CONFLICT],
  [413, HTTPErrorCode.PAYLOAD_TOO_LARGE],
  [415, HTTPErrorCode.UNSUPPORTED_MEDIA_TYPE],
  [422, HTTPErrorCode.UNPROCESSABLE_ENTITY],
  [429, HTTPErrorCode.TOO_MANY_REQUESTS],
  [500, HTTPErrorCode.INTERNAL_SERVER_ERROR],
]);

/** The reason phrases of the client and server error statuses, used as default messages. */
export const STATUS_TEXT: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  402: 'Payment Required',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  407: 'Proxy Authentication Required',
  408: 'Request Timeout',
  409: 'Conflict',
  410: 'Gone',
  411: 'Length Required',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  416: 'Range Not Satisfiable',
  417: 'Expectation Failed',
  421: 'Misdirected Request',
  422: 'Unprocessable Content',
  423: 'Locked',
  424: 'Failed Dependency',
  425: 'Too Early',
  426: 'Upgrade Required',
  428: 'Precondition Required',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  451: 'Unavailable For Legal Reasons',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
  505: 'HTTP Version Not Supported',
  507: 'Insufficient Storage',
  508: 'Loop Detected',
  511: 'Network Authentication Required',
};

/** Options shared by every HTTP error. */
export interface HTTPErrorOptions {
  /** Headers the response carries, such as `www-authenticate` or `retry-after`. */
  readonly headers?: HeadersInit;
  /** Public, structured facts for the client, such as a limit or the fields that failed. */
  readonly details?: Readonly<Record<string, unknown>>;
  /** The underlying error, for the logs only. */
  readonly cause?: unknown;
}

/** The public part of an {@link HTTPError}, as {@link HTTPError.toJSON} gives it. */
export interface HTTPErrorBody {
  /** The status code. */
  readonly status: number;
  /** The stable code. */
  readonly code: string;
  /** The public message. */
  readonly message: string;
  /** The public details, when any. */
  readonly details?: Readonly<Record<string, unknown>>;
}

const BRAND = Symbol.for('echonext.HTTPError');

/**
 * An error answered with an HTTP status from 400 to 599. Use a subclass for
 * the common statuses; use this class for the others:
 *
 * ```ts
 * throw new HTTPError(410, 'this article was removed');
 * ```
 */
export class HTTPError extends TsgiError {
  /** The status code, 400 to 599. */
  readonly status: number;
  /** The headers the response carries, lowercase names. */
  readonly headers: HeaderList;
  /** Public, structured facts for the client, or `undefined`. */
  readonly details: Readonly<Record<string, unknown>> | undefined;

  /**
   * @param status - an integer from 400 to 599.
   * @param message - the public message; the reason phrase when left out.
   * @param options - headers, details and cause.
   * @throws {@link UsageError} `INVALID_STATUS` for a status outside 400 to 599.
   */
  constructor(status: number, message?: string, options: HTTPErrorOptions = {}) {
    if (!Number.isInteger(status) || status < 400 || status > 599) {
      throw new UsageError(
        UsageErrorCode.INVALID_STATUS,
        `an HTTPError status must be an integer from 400 to 599, received ${String(status)}`,
      );
    }
    super(
      CODE_BY_STATUS.get(status) ?? `ERR_ECHONEXT_HTTP_${status}`,
      message ?? STATUS_TEXT[status] ?? `HTTP ${status}`,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.status = status;
    this.headers = normalizeHeaders(options.headers);
    this.details = options.details;
  }

  /** The public part, ready for a JSON error body. */
  toJSON(): HTTPErrorBody {
    return this.details === undefined
      ? { status: this.status, code: this.code, message: this.message }
      : { status: this.status, code: this.code, message: this.message, details: this.details };
  }
}

// Recognises HTTP errors across copies of this package, where instanceof fails.
Object.defineProperty(HTTPError.prototype, BRAND, { value: true });

/** Tells whether `value` is an {@link HTTPError}, also one from another copy of this package. */
export function isHTTPError(value: unknown): value is HTTPError {
  return (
    value instanceof HTTPError ||
    (value instanceof Error && (value as unknown as Record<symbol, unknown>)[BRAND] === true)
  );
}

/** 400: the request is malformed (bad JSON, a malformed form, a bad parameter). */
export class BadRequest extends HTTPError {
  /**
   * @param message - the public message.
   * @param options - headers, details and cause.
   */
  constructor(message?: string, options?: HTTPErrorOptions) {
    super(400, message, options);
  }
}

/** Options of {@link Unauthorized}. */
export interface UnauthorizedOptions extends HTTPErrorOptions {
  /** The `www-authenticate` challenge, such as `Bearer realm="api"`. */
  readonly challenge?: string;
}

/** 401: the request needs credentials, or the ones given are not valid. */
export class Unauthorized extends HTTPError {
  /**
   * @param message - the public message.
   * @param options - the challenge, headers, details and cause.
   */
  constructor(message?: string, options: UnauthorizedOptions = {}) {
    super(401, message, options);
    if (options.challenge !== undefined) {
      this.headers.push([
        'www-authenticate',
        checkHeaderValue('www-authenticate', options.challenge),
      ]);
    }
  }
}

/** 403: the client is known but may not do this. */
export class Forbidden extends HTTPError {
  /**
   * @param message - the public message.
   * @param options - headers, details and cause.
   */
  constructor(message?: string, options?: HTTPErrorOptions) {
    super(403, message, options);
  }
}

/** 404: nothing here. */
export class NotFound extends HTTPError {
  /**
   * @param message - the public message.
   * @param options - headers, details and cause.
   */
  constructor(message?: string, options?: HTTPErrorOptions) {
    super(404, message, options);
  }
}

/** 405: the path exists but does not take this method; carries the `allow` header. */
export class MethodNotAllowed extends HTTPError {
  /** The methods the path takes. */
  readonly allowed: readonly string[];

  /**
   * @param allowed - the methods the path takes, for the `allow` header.
   * @param message - the public message.
   * @param options - headers, details and cause.
   */
  constructor(allowed: readonly string[], message?: string, options: HTTPErrorOptions = {}) {
    super(405, message, { ...options, details: { allowed: [...allowed], ...options.details } });
    this.allowed = Object.freeze([...allowed]);
    this.headers.push(['allow', checkHeaderValue('allow', this.allowed.join(', '))]);
  }
}

/** 406: no representation matches the request's `accept` headers. */
export class NotAcceptable extends HTTPError {
  /**
   * @param message - the public message.
   * @param options - headers, details (such as the types offered) and cause.
   */
  constructor(message?: string, options?: HTTPErrorOptions) {
    super(406, message, options);
  }
}

/** 409: the request conflicts with the current state of the resource. */
export class Conflict extends HTTPError {
  /**
   * @param message - the public message.
   * @param options - headers, details and cause.
   */
  constructor(message?: string, options?: HTTPErrorOptions) {
    super(409, message, options);
  }
}

/** Options of {@link PayloadTooLarge}. */
export interface PayloadTooLargeOptions extends HTTPErrorOptions {
  /** The limit that was exceeded, in bytes (or in items, for counts); goes to `details.limit`. */
  readonly limit?: number;
}

/** 413: the request body, or a part of it, is over a limit. */
export class PayloadTooLarge extends HTTPError {
  /** The limit that was exceeded, when known. */
  readonly limit: number | undefined;

  /**
   * @param message - the public message.
   * @param options - the limit, headers, details and cause.
   */
  constructor(message?: string, options: PayloadTooLargeOptions = {}) {
    super(
      413,
      message,
      options.limit === undefined
        ? options
        : { ...options, details: { limit: options.limit, ...options.details } },
    );
    this.limit = options.limit;
  }
}

/** 415: the request body's content type (or charset) is not one this endpoint reads. */
export class UnsupportedMediaType extends HTTPError {
  /**
   * @param message - the public message.
   * @param options - headers, details (such as the types accepted) and cause.
   */
  constructor(message?: string, options?: HTTPErrorOptions) {
    super(415, message, options);
  }
}

/** 422: the body is well-formed but its content does not validate. */
export class UnprocessableEntity extends HTTPError {
  /**
   * @param message - the public message.
   * @param options - headers, details (such as the failures per field) and cause.
   */
  constructor(message?: string, options?: HTTPErrorOptions) {
    super(422, message, options);
  }
}

/** Options of {@link TooManyRequests}. */
export interface TooManyRequestsOptions extends HTTPErrorOptions {
  /** Seconds the client should wait, sent as `retry-after`. */
  readonly retryAfter?: number;
}

/** 429: the client sent too many requests; optionally says when to retry. */
export class TooManyRequests extends HTTPError {
  /**
   * @param message - the public message.
   * @param options - the retry delay, headers, details and cause.
   * @throws {@link UsageError} `INVALID_ARGUMENT` when `retryAfter` is not a non-negative integer.
   */
  constructor(message?: string, options: TooManyRequestsOptions = {}) {
    super(429, message, options);
    const retryAfter = options.retryAfter;
    if (retryAfter !== undefined) {
      if (!Number.isInteger(retryAfter) || retryAfter < 0) {
        throw new UsageError(
          UsageErrorCode.INVALID_ARGUMENT,
          `retryAfter must be a non-negative integer of seconds, received ${String(retryAfter)}`,
        );
      }
      this.headers.push(['retry-after', String(retryAfter)]);
    }
  }
}

/**
 * 500: the server failed. Its message is shown to the client like any other,
 * so the default says nothing more than the reason phrase.
 */
export class InternalServerError extends HTTPError {
  /**
   * @param message - the public message.
   * @param options - headers, details and cause.
   */
  constructor(message?: string, options?: HTTPErrorOptions) {
    super(500, message, options);
  }
}
