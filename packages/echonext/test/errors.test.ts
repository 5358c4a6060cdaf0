import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EchoNext } from '../src/app.js';
import { AppError, ErrorHandlers } from '../src/app-errors.js';
import { escapeHtml, prefersJson } from '../src/error-response.js';
import {
  BadRequest,
  HTTPError,
  type MethodNotAllowed,
  NotFound,
  TooManyRequests,
  Unauthorized,
} from '../src/http-error.js';
import { json, Response } from '../src/response.js';
import { TestClient } from '../src/testing.js';

function recordingLogger() {
  const entries: { message: string; error: unknown }[] = [];
  return {
    entries,
    error(message: string, error: unknown) {
      entries.push({ message, error });
    },
  };
}

const JSON_ACCEPT = { accept: 'application/json' };

describe('HTTP errors', () => {
  it('answer with their status, headers and message, as text for most clients', async () => {
    const app = new EchoNext();
    app.get('/401', () => {
      throw new Unauthorized('log in first', { challenge: 'Bearer realm="api"' });
    });
    app.get('/410', () => {
      throw new HTTPError(410, 'this article was removed');
    });
    const client = new TestClient(app);
    const unauthorized = await client.get('/401');
    assert.equal(unauthorized.status, 401);
    assert.equal(unauthorized.headers.get('www-authenticate'), 'Bearer realm="api"');
    assert.equal(unauthorized.text(), 'log in first');
    const browser = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
    const gone = await client.get('/410', { headers: { accept: browser } });
    assert.equal(gone.status, 410);
    assert.equal(gone.headers.get('content-type'), 'text/plain; charset=utf-8');
    assert.equal(gone.text(), 'this article was removed');
  });

  it('answer as JSON to clients that ask for JSON', async () => {
    const app = new EchoNext();
    app.get('/', () => {
      throw new TooManyRequests('slow down', { retryAfter: 30 });
    });
    const res = await new TestClient(app).get('/', { headers: JSON_ACCEPT });
    assert.equal(res.status, 429);
    assert.equal(res.headers.get('retry-after'), '30');
    assert.deepEqual(res.json(), {
      status: 429,
      code: 'ERR_ECHONEXT_TOO_MANY_REQUESTS',
      message: 'slow down',
    });
  });

  it('negotiate by Accept weights', () => {
    const cases: [string | undefined, boolean][] = [
      [undefined, false],
      ['*/*', false],
      ['application/json', true],
      ['application/problem+json', true],
      ['application/json, text/plain, */*', true],
      ['text/plain, application/json;q=0.5', false],
      ['application/json;q=0', false],
      ['text/html,application/xhtml+xml,*/*;q=0.8', false],
    ];
    for (const [accept, expected] of cases) {
      const headers: [string, string][] = accept === undefined ? [] : [['accept', accept]];
      assert.equal(prefersJson(headers), expected, String(accept));
    }
  });

  it('answer a malformed body with 400, 413 or 415 and a short reason', async () => {
    const app = new EchoNext();
    app.post('/json', async (request) => request.json(), { bodyLimit: 20 });
    const client = new TestClient(app);
    const malformed = await client.post('/json', {
      body: '{"a":',
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(malformed.status, 400);
    assert.ok(malformed.text().length > 0 && malformed.text().length < 200);
    const large = await client.post('/json', { json: { long: 'x'.repeat(50) } });
    assert.equal(large.status, 413);
    const wrongType = await client.post('/json', {
      body: 'a=1',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(wrongType.status, 415);
  });
});

describe('unexpected errors', () => {
  it('answer 500 that leaks nothing, and are logged with their stack', async () => {
    const logger = recordingLogger();
    const app = new EchoNext({ logger });
    app.get('/boom', () => {
      throw new Error('database password is hunter2');
    });
    const client = new TestClient(app);
    const text = await client.get('/boom');
    assert.equal(text.status, 500);
    assert.equal(text.text(), 'Internal Server Error');
    const asJson = await client.get('/boom', { headers: JSON_ACCEPT });
    assert.deepEqual(asJson.json(), {
      status: 500,
      code: 'ERR_ECHONEXT_INTERNAL_SERVER_ERROR',
      message: 'Internal Server Error',
    });
    assert.equal(logger.entries.length, 2);
    const [entry] = logger.entries;
    assert.match(entry?.message ?? '', /GET \/boom/);
    assert.ok(entry?.error instanceof Error && entry.error.stack?.includes('hunter2'));
  });

  it('show the escaped stack with debug: true', async () => {
    const app = new EchoNext({ debug: true, logger: recordingLogger() });
    app.get('/boom', () => {
      throw new Error('<script>alert(1)</script>', { cause: new Error('the cause') });
    });
    const client = new TestClient(app);
    const page = await client.get('/boom');
    assert.equal(page.status, 500);
    assert.equal(page.headers.get('content-type'), 'text/html; charset=utf-8');
    const body = page.text();
    assert.ok(body.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
    assert.ok(!body.includes('<script>'));
    assert.ok(body.includes('the cause'));
    assert.match(body, /\n\s+at /);
    const asJson = await client.get('/boom', { headers: JSON_ACCEPT });
    assert.match(asJson.json<{ stack: string }>().stack, /<script>alert/);
  });

  it('are not logged when they are answers: HTTP errors below 500', async () => {
    const logger = recordingLogger();
    const app = new EchoNext({ logger });
    app.get('/404', () => {
      throw new NotFound();
    });
    app.get('/503', () => {
      throw new HTTPError(503, 'maintenance', { cause: new Error('disk full') });
    });
    const client = new TestClient(app);
    await client.get('/404');
    assert.equal(logger.entries.length, 0);
    await client.get('/503');
    assert.equal(logger.entries.length, 1);
  });

  it('escapeHtml escapes the five characters', () => {
    assert.equal(
      escapeHtml(`<a href="x" title='y'>&</a>`),
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
  });
});

describe('error handlers', () => {
  it('are chosen by class, then status, then HTTPError and Error, then catch-all', async () => {
    class Teapot extends HTTPError {
      constructor() {
        super(418, 'short and stout');
      }
    }
    const app = new EchoNext({ logger: recordingLogger() });
    app.onError(Error, () => 'by Error');
    app.onError(HTTPError, () => 'by HTTPError');
    app.onError(404, () => 'by 404');
    app.onError(NotFound, () => 'by NotFound');
    app.onError(418, () => 'by 418');
    app.onError(() => 'catch-all');
    app.get('/not-found', () => {
      throw new NotFound();
    });
    app.get('/teapot', () => {
      throw new Teapot();
    });
    app.get('/bad-request', () => {
      throw new BadRequest();
    });
    app.get('/type-error', () => {
      throw new TypeError('x');
    });
    app.get('/string', () => {
      throw 'a string';
    });
    const client = new TestClient(app);
    assert.equal((await client.get('/not-found')).text(), 'by NotFound');
    assert.equal((await client.get('/teapot')).text(), 'by 418');
    assert.equal((await client.get('/bad-request')).text(), 'by HTTPError');
    assert.equal((await client.get('/type-error')).text(), 'by Error');
    assert.equal((await client.get('/string')).text(), 'catch-all');
  });

  it('take unexpected errors with onError(500)', async () => {
    const logger = recordingLogger();
    const app = new EchoNext({ logger });
    app.onError(500, () => 'our 500 page');
    app.get('/', () => {
      throw new RangeError('x');
    });
    const res = await new TestClient(app).get('/');
    assert.equal(res.status, 500);
    assert.equal(res.text(), 'our 500 page');
    // Still unexpected: logged.
    assert.equal(logger.entries.length, 1);
  });

  it('give a non-Response result the error status and headers', async () => {
    const app = new EchoNext();
    app.onError(405, (error) => ({ sorry: (error as MethodNotAllowed).allowed }));
    app.onError(404, () => undefined);
    app.get('/only-get', () => 'x');
    const client = new TestClient(app);
    const res = await client.post('/only-get');
    assert.equal(res.status, 405);
    assert.equal(res.headers.get('allow'), 'GET, HEAD, OPTIONS');
    assert.deepEqual(res.json(), { sorry: ['GET', 'HEAD', 'OPTIONS'] });
    const missing = await client.get('/missing');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.byteLength, 0);
  });

  it('send a Response result as it is', async () => {
    const app = new EchoNext();
    app.onError(NotFound, () => json({ page: 'gone' }, { status: 410 }));
    const res = await new TestClient(app).get('/x');
    assert.equal(res.status, 410);
    assert.deepEqual(res.json(), { page: 'gone' });
  });

  it('that throw give a 500, are logged, and the app keeps serving', async () => {
    const logger = recordingLogger();
    const app = new EchoNext({ logger });
    app.onError(NotFound, () => {
      throw new Error('the handler itself broke');
    });
    app.get('/ok', () => 'still serving');
    const client = new TestClient(app);
    const res = await client.get('/nothing');
    assert.equal(res.status, 500);
    assert.equal(res.text(), 'Internal Server Error');
    assert.match(logger.entries[0]?.message ?? '', /error handler/);
    assert.equal((await client.get('/ok')).text(), 'still serving');
  });

  it('that rethrow an HTTPError give its response', async () => {
    const app = new EchoNext();
    app.onError(NotFound, () => {
      throw new HTTPError(410, 'moved on');
    });
    const res = await new TestClient(app).get('/x');
    assert.equal(res.status, 410);
    assert.equal(res.text(), 'moved on');
  });

  it('of a sub-app take precedence for its routes, and the parent handles the rest', async () => {
    const blog = new EchoNext();
    blog.onError(NotFound, () => 'blog 404');
    blog.get('/post/{id:int}', (request) => {
      if (request.params.id > 1) throw new NotFound();
      return 'post';
    });
    blog.get('/teapot', () => {
      throw new HTTPError(418);
    });
    const app = new EchoNext();
    app.onError(NotFound, () => 'app 404');
    app.onError(418, () => 'app 418');
    app.include('/blog', blog);
    const client = new TestClient(app);
    assert.equal((await client.get('/blog/post/2')).text(), 'blog 404');
    assert.equal((await client.get('/blog/unknown')).text(), 'blog 404');
    assert.equal((await client.get('/blog/teapot')).text(), 'app 418');
    assert.equal((await client.get('/elsewhere')).text(), 'app 404');
  });

  it('refuse bad registrations', () => {
    const app = new EchoNext();
    assert.throws(() => app.onError(302, () => 'x'), AppError);
    assert.throws(() => app.onError(404, 'x' as never), AppError);
    assert.throws(() => app.onError('NotFound' as never, () => 'x'), AppError);
    const handlers = new ErrorHandlers();
    assert.equal(handlers.empty, true);
    assert.equal(handlers.find(new Error('x')), null);
  });
});

describe('a response that fails before its start', () => {
  it('goes to the error handlers of the route owner', async () => {
    const app = new EchoNext({ logger: recordingLogger() });
    app.onError(500, () => 'handled send failure');
    app.get('/', () => {
      const response = new Response('abc', { headers: { 'content-length': '99' } });
      return response;
    });
    const res = await new TestClient(app).get('/');
    assert.equal(res.status, 500);
    assert.equal(res.text(), 'handled send failure');
  });
});
