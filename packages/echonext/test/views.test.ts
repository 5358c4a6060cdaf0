import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EchoNext } from '../src/app.js';
import { AppError, AppErrorCode } from '../src/app-errors.js';
import type { Request } from '../src/request.js';
import { html, Response } from '../src/response.js';
import { TestClient } from '../src/testing.js';
import { toResponse, View, viewMethodsOf } from '../src/views.js';

function quiet() {
  const entries: unknown[] = [];
  return { entries, error: (_message: string, error: unknown) => entries.push(error) };
}

describe('function views: what they return', () => {
  it('sends a string as text/plain, never guessed to be HTML', async () => {
    const app = new EchoNext();
    app.get('/', () => '<h1>not html</h1>');
    const res = await new TestClient(app).get('/');
    assert.equal(res.headers.get('content-type'), 'text/plain; charset=utf-8');
    assert.equal(res.text(), '<h1>not html</h1>');
  });

  it('sends objects, arrays, numbers, booleans and null as JSON', async () => {
    const app = new EchoNext();
    const values: Record<string, unknown> = {
      object: { a: [1, 'b'] },
      array: [1, 2],
      number: 4.5,
      boolean: false,
      null: null,
    };
    for (const [name, value] of Object.entries(values)) app.get(`/${name}`, () => value as object);
    const client = new TestClient(app);
    for (const [name, value] of Object.entries(values)) {
      const res = await client.get(`/${name}`);
      assert.equal(res.headers.get('content-type'), 'application/json');
      assert.deepEqual(res.json(), value);
    }
  });

  it('sends undefined as 204 without a body, bytes as octet-stream, a Response as it is', async () => {
    const app = new EchoNext();
    app.post('/nothing', () => undefined);
    app.get('/bytes', () => new Uint8Array([1, 2, 3]));
    app.get('/response', () => html('<b>hi</b>', { status: 201, headers: { 'x-a': '1' } }));
    const client = new TestClient(app);
    const nothing = await client.post('/nothing');
    assert.equal(nothing.status, 204);
    assert.equal(nothing.body.byteLength, 0);
    assert.equal(nothing.headers.get('content-length'), undefined);
    const bytes = await client.get('/bytes');
    assert.equal(bytes.headers.get('content-type'), 'application/octet-stream');
    assert.deepEqual([...bytes.body], [1, 2, 3]);
    const response = await client.get('/response');
    assert.equal(response.status, 201);
    assert.equal(response.headers.get('x-a'), '1');
    assert.equal(response.text(), '<b>hi</b>');
  });

  it('awaits async views', async () => {
    const app = new EchoNext();
    app.get('/', async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      return { late: true };
    });
    assert.deepEqual((await new TestClient(app).get('/')).json(), { late: true });
  });

  it('answers 500 for a result that has no response form', async () => {
    const logger = quiet();
    const app = new EchoNext({ logger });
    app.get('/fn', () => (() => 1) as never);
    app.get('/iter', () =>
      (async function* () {
        yield 'x';
      })(),
    );
    const client = new TestClient(app);
    assert.equal((await client.get('/fn')).status, 500);
    assert.equal((await client.get('/iter')).status, 500);
    assert.ok(
      logger.entries.every(
        (error) => error instanceof AppError && error.code === AppErrorCode.BAD_VIEW_RESULT,
      ),
    );
    assert.equal(logger.entries.length, 2);
  });

  it('toResponse follows the same rules', () => {
    assert.equal(toResponse('a').getHeader('content-type'), 'text/plain; charset=utf-8');
    assert.equal(toResponse(undefined).status, 204);
    const given = new Response('x');
    assert.equal(toResponse(given), given);
    assert.throws(() => toResponse(Symbol('s')), AppError);
    assert.throws(() => toResponse(10n), AppError);
  });
});

describe('class-based views', () => {
  class ArticleView extends View {
    get(request: Request<{ id: number }>) {
      return { id: request.params.id };
    }
    async post(request: Request<{ id: number }>) {
      return { created: request.params.id, body: await request.json() };
    }
  }

  it('answers each method with the method of the same name', async () => {
    const app = new EchoNext();
    app.route('/article/{id:int}', ArticleView, { name: 'article' });
    const client = new TestClient(app);
    assert.deepEqual((await client.get('/article/3')).json(), { id: 3 });
    const created = await client.post('/article/4', { json: { t: 1 } });
    assert.deepEqual(created.json(), { created: 4, body: { t: 1 } });
    assert.equal(app.urlFor('article', { id: 5 }), '/article/5');
  });

  it('answers 405 with Allow for methods the class lacks, HEAD from get, and OPTIONS', async () => {
    const app = new EchoNext();
    app.route('/article/{id:int}', ArticleView);
    const client = new TestClient(app);
    const put = await client.put('/article/1');
    assert.equal(put.status, 405);
    assert.equal(put.headers.get('allow'), 'GET, HEAD, OPTIONS, POST');
    const head = await client.head('/article/1');
    assert.equal(head.status, 200);
    assert.equal(head.body.byteLength, 0);
    assert.equal(head.headers.get('content-length'), '8');
    const options = await client.options('/article/1');
    assert.equal(options.status, 204);
    assert.equal(options.headers.get('allow'), 'GET, HEAD, OPTIONS, POST');
  });

  it('uses the class own options() when it has one', async () => {
    class WithOptions extends View {
      get() {
        return 'x';
      }
      options() {
        return 'my options';
      }
    }
    const app = new EchoNext();
    app.route('/x', WithOptions);
    assert.equal((await new TestClient(app).options('/x')).text(), 'my options');
  });

  it('makes a new instance for each request', async () => {
    class Counter extends View {
      hits = 0;
      get() {
        this.hits++;
        return { hits: this.hits };
      }
    }
    const app = new EchoNext();
    app.route('/c', Counter);
    const client = new TestClient(app);
    await client.get('/c');
    assert.deepEqual((await client.get('/c')).json(), { hits: 1 });
  });

  it('inherits methods from a parent view class', async () => {
    class Base extends View {
      get() {
        return 'base get';
      }
    }
    class Child extends Base {
      delete() {
        return 'child delete';
      }
    }
    assert.deepEqual(viewMethodsOf(Child), ['GET', 'DELETE']);
    const app = new EchoNext();
    app.route('/x', Child);
    const client = new TestClient(app);
    assert.equal((await client.get('/x')).text(), 'base get');
    assert.equal((await client.delete('/x')).text(), 'child delete');
  });

  it('registers through the decorator form', async () => {
    const app = new EchoNext();
    @app.route('/ping', { name: 'ping' })
    class Ping extends View {
      get() {
        return 'pong';
      }
    }
    assert.ok(Ping);
    assert.equal((await new TestClient(app).get('/ping')).text(), 'pong');
    assert.equal(app.urlFor('ping'), '/ping');
  });

  it('refuses a class that is not a View, one without methods, and a View given to get()', () => {
    const app = new EchoNext();
    class NotAView {
      get() {
        return 'x';
      }
    }
    class Empty extends View {}
    assert.throws(
      () => app.route('/a', NotAView as never),
      (error: unknown) => error instanceof AppError && error.code === AppErrorCode.BAD_VIEW,
    );
    assert.throws(
      () => app.route('/b', Empty),
      (error: unknown) => error instanceof AppError && error.code === AppErrorCode.BAD_VIEW,
    );
    assert.throws(
      () => app.get('/c', ArticleView as never),
      (error: unknown) => error instanceof AppError && /route\(\)/.test(error.message),
    );
    assert.deepEqual(app.routes, []);
  });

  it('leaves the router unchanged when one method of a class conflicts', async () => {
    const app = new EchoNext();
    app.post('/article/{id:int}', () => 'function post');
    assert.throws(() => app.route('/article/{id:int}', ArticleView));
    const client = new TestClient(app);
    assert.equal((await client.get('/article/1')).status, 405);
    assert.equal((await client.post('/article/1')).text(), 'function post');
  });
});
