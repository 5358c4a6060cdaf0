import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TsgiError } from 'tsgi';
import {
  BadRequest,
  Conflict,
  Forbidden,
  HTTPError,
  HTTPErrorCode,
  InternalServerError,
  isHTTPError,
  MethodNotAllowed,
  NotAcceptable,
  NotFound,
  PayloadTooLarge,
  TooManyRequests,
  Unauthorized,
  UnprocessableEntity,
  UnsupportedMediaType,
} from '../src/http-error.js';
import { UsageErrorCode } from '../src/usage-error.js';

describe('HTTPError', () => {
  it('gives each subclass its status, reason phrase and stable code', () => {
    const cases: [HTTPError, number, string, string][] = [
      [new BadRequest(), 400, 'Bad Request', HTTPErrorCode.BAD_REQUEST],
      [new Unauthorized(), 401, 'Unauthorized', HTTPErrorCode.UNAUTHORIZED],
      [new Forbidden(), 403, 'Forbidden', HTTPErrorCode.FORBIDDEN],
      [new NotFound(), 404, 'Not Found', HTTPErrorCode.NOT_FOUND],
      [new MethodNotAllowed(['GET']), 405, 'Method Not Allowed', HTTPErrorCode.METHOD_NOT_ALLOWED],
      [new NotAcceptable(), 406, 'Not Acceptable', HTTPErrorCode.NOT_ACCEPTABLE],
      [new Conflict(), 409, 'Conflict', HTTPErrorCode.CONFLICT],
      [new PayloadTooLarge(), 413, 'Content Too Large', HTTPErrorCode.PAYLOAD_TOO_LARGE],
      [
        new UnsupportedMediaType(),
        415,
        'Unsupported Media Type',
        HTTPErrorCode.UNSUPPORTED_MEDIA_TYPE,
      ],
      [new UnprocessableEntity(), 422, 'Unprocessable Content', HTTPErrorCode.UNPROCESSABLE_ENTITY],
      [new TooManyRequests(), 429, 'Too Many Requests', HTTPErrorCode.TOO_MANY_REQUESTS],
      [
        new InternalServerError(),
        500,
        'Internal Server Error',
        HTTPErrorCode.INTERNAL_SERVER_ERROR,
      ],
    ];
    for (const [error, status, message, code] of cases) {
      assert.equal(error.status, status);
      assert.equal(error.message, message);
      assert.equal(error.code, code);
      assert.ok(error instanceof HTTPError && error instanceof TsgiError);
      assert.equal(error.name, error.constructor.name);
    }
  });

  it('a status of the base class shares the code of its subclass, or gets a numeric one', () => {
    assert.equal(new HTTPError(404).code, HTTPErrorCode.NOT_FOUND);
    assert.equal(new HTTPError(410, 'gone for good').code, 'ERR_ECHONEXT_HTTP_410');
    assert.equal(new HTTPError(410).message, 'Gone');
  });

  it('refuses statuses that are not errors', () => {
    for (const status of [200, 302, 399, 600, 404.5]) {
      assert.throws(() => new HTTPError(status), { code: UsageErrorCode.INVALID_STATUS });
    }
  });

  it('carries headers, details and a private cause', () => {
    const cause = new Error('db password wrong');
    const error = new Conflict('the slug is taken', {
      headers: { 'X-Reason': 'slug' },
      details: { field: 'slug' },
      cause,
    });
    assert.deepEqual(error.headers, [['x-reason', 'slug']]);
    assert.deepEqual(error.toJSON(), {
      status: 409,
      code: HTTPErrorCode.CONFLICT,
      message: 'the slug is taken',
      details: { field: 'slug' },
    });
    assert.equal(error.cause, cause);
    assert.doesNotMatch(JSON.stringify(error), /password/);
  });

  it('MethodNotAllowed carries the allow header and list', () => {
    const error = new MethodNotAllowed(['GET', 'HEAD', 'OPTIONS']);
    assert.deepEqual(error.headers, [['allow', 'GET, HEAD, OPTIONS']]);
    assert.deepEqual(error.allowed, ['GET', 'HEAD', 'OPTIONS']);
    assert.deepEqual(error.details, { allowed: ['GET', 'HEAD', 'OPTIONS'] });
  });

  it('Unauthorized carries its challenge, TooManyRequests its retry-after, PayloadTooLarge its limit', () => {
    assert.deepEqual(new Unauthorized('log in', { challenge: 'Bearer realm="api"' }).headers, [
      ['www-authenticate', 'Bearer realm="api"'],
    ]);
    assert.deepEqual(new TooManyRequests(undefined, { retryAfter: 30 }).headers, [
      ['retry-after', '30'],
    ]);
    assert.throws(() => new TooManyRequests(undefined, { retryAfter: -1 }), {
      code: UsageErrorCode.INVALID_ARGUMENT,
    });
    const tooLarge = new PayloadTooLarge('too big', { limit: 1024 });
    assert.equal(tooLarge.limit, 1024);
    assert.deepEqual(tooLarge.details, { limit: 1024 });
  });

  it('refuses a header that would split the response', () => {
    assert.throws(() => new Unauthorized(undefined, { challenge: 'x\r\nset-cookie: a=b' }), {
      code: UsageErrorCode.INVALID_HEADER,
    });
  });

  it('isHTTPError recognises HTTP errors, also from another copy of the class', () => {
    assert.equal(isHTTPError(new NotFound()), true);
    assert.equal(isHTTPError(new Error('x')), false);
    assert.equal(isHTTPError({ status: 404 }), false);
    const foreign = Object.create(Error.prototype) as Error;
    (foreign as unknown as Record<symbol, unknown>)[Symbol.for('echonext.HTTPError')] = true;
    assert.equal(isHTTPError(foreign), true);
  });
});
