import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EchoNext } from '../src/app.js';
import { AppError, AppErrorCode } from '../src/app-errors.js';
import { Forbidden } from '../src/http-error.js';
import type { Middleware } from '../src/middleware.js';
import { text } from '../src/response.js';
import { TestClient } from '../src/testing.js';

function quiet() {
  const entries: unknown[] = [];
  return { entries, error: (_message: string, error: unknown) => entries.push(error) };
}

/** A middleware that records when it enters and leaves. */
function tracer(trace: string[], name: string): Middleware {
  return async (request, next) => {
    trace.push(`${name} in`);
    const response = await next(request);
    trace.push(`${name} out`);
    return response;
  };
}

describe('onion middleware', () => {
  it('runs in registration order, the first outermost', async () => {
    const trace: string[] = [];
    const app = new EchoNext();
    app.use(tracer(trace, 'a'));
    app.use(tracer(trace, 'b'));
    app.use(tracer(trace, 'c'));
    app.get('/', () => {
      trace.push('view');
      return 'x';
    });
    await new TestClient(app).get('/');
    assert.deepEqual(trace, ['a in', 'b in', 'c in', 'view', 'c out', 'b out', 'a out']);
  });

  it('applies to routes added before it and after it', async () => {
    const app = new EchoNext();
    app.get('/before', () => 'before');
    app.use(async (request, next) => {
      const response = await next(request);
      response.setHeader('x-wrapped', 'yes');
      return response;
    });
    app.get('/after', () => 'after');
    const client = new TestClient(app);
    assert.equal((await client.get('/before')).headers.get('x-wrapped'), 'yes');
    assert.equal((await client.get('/after')).headers.get('x-wrapped'), 'yes');
  });

  it('applies to the automatic answers: 404, 405, OPTIONS and redirects', async () => {
    const app = new EchoNext();
    app.use(async (request, next) => {
      const response = await next(request);
      response.setHeader('x-seen', request.method);
      return response;
    });
    app.get('/a', () => 'a');
    app.get('/dir/', () => 'dir');
    const client = new TestClient(app);
    assert.equal((await client.get('/missing')).headers.get('x-seen'), 'GET');
    assert.equal((await client.post('/a')).headers.get('x-seen'), 'POST');
    assert.equal((await client.options('/a')).headers.get('x-seen'), 'OPTIONS');
    assert.equal((await client.get('/dir')).headers.get('x-seen'), 'GET');
  });

  it('may answer by itself without calling next, with any view result', async () => {
    const app = new EchoNext();
    let reached = false;
    app.use((request, next) => (request.query.get('stop') === '1' ? 'stopped' : next(request)));
    app.get('/', () => {
      reached = true;
      return 'view';
    });
    const client = new TestClient(app);
    const stopped = await client.get('/', { query: { stop: 1 } });
    assert.equal(stopped.text(), 'stopped');
    assert.equal(stopped.headers.get('content-type'), 'text/plain; charset=utf-8');
    assert.equal(reached, false);
    assert.equal((await client.get('/')).text(), 'view');
  });

  it('hands errors it throws to the app error handlers', async () => {
    const app = new EchoNext();
    app.use(async (request, next) => {
      if (request.headers.get('authorization') === undefined) throw new Forbidden('no token');
      return next(request);
    });
    app.onError(Forbidden, (error) => ({ denied: error.message }));
    app.get('/', () => 'secret');
    const client = new TestClient(app);
    const denied = await client.get('/');
    assert.equal(denied.status, 403);
    assert.deepEqual(denied.json(), { denied: 'no token' });
    assert.equal((await client.get('/', { headers: { authorization: 'x' } })).text(), 'secret');
  });

  it('sees the error response of what fails inside it: next() never throws', async () => {
    const logger = quiet();
    const app = new EchoNext({ logger });
    const statuses: number[] = [];
    app.use(async (request, next) => {
      const response = await next(request);
      statuses.push(response.status);
      response.setHeader('x-outer', '1');
      return response;
    });
    app.use(() => {
      throw new Error('inner middleware broke');
    });
    app.get('/', () => 'x');
    const res = await new TestClient(app).get('/');
    assert.equal(res.status, 500);
    assert.equal(res.headers.get('x-outer'), '1');
    assert.deepEqual(statuses, [500]);
    assert.equal(logger.entries.length, 1);
  });

  it('lets a middleware replace the response', async () => {
    const app = new EchoNext();
    app.use(async (request, next) => {
      const response = await next(request);
      return response.status === 404 ? text('custom missing', { status: 404 }) : response;
    });
    const res = await new TestClient(app).get('/nothing');
    assert.equal(res.status, 404);
    assert.equal(res.text(), 'custom missing');
  });

  it('fails clearly when next() is called without the request', async () => {
    const logger = quiet();
    const app = new EchoNext({ logger });
    app.use((_request, next) => (next as unknown as () => Promise<never>)());
    app.get('/', () => 'x');
    const res = await new TestClient(app).get('/');
    assert.equal(res.status, 500);
    const [error] = logger.entries;
    assert.ok(error instanceof AppError && error.code === AppErrorCode.NEXT_WITHOUT_REQUEST);
  });

  it('refuses a middleware that is not a function', () => {
    assert.throws(
      () => new EchoNext().use('nope' as never),
      (error: unknown) => error instanceof AppError && error.code === AppErrorCode.BAD_VIEW,
    );
  });
});

describe('middleware of sub-apps', () => {
  it('wraps only the sub-app routes, inside the parent middleware', async () => {
    const trace: string[] = [];
    const blog = new EchoNext();
    blog.use(tracer(trace, 'blog'));
    blog.get('/post', () => {
      trace.push('post');
      return 'post';
    });
    const app = new EchoNext();
    app.use(tracer(trace, 'app'));
    app.get('/home', () => {
      trace.push('home');
      return 'home';
    });
    app.include('/blog', blog);
    app.use(tracer(trace, 'app-late'));
    const client = new TestClient(app);
    await client.get('/blog/post');
    assert.deepEqual(trace, [
      'app in',
      'app-late in',
      'blog in',
      'post',
      'blog out',
      'app-late out',
      'app out',
    ]);
    trace.length = 0;
    await client.get('/home');
    assert.deepEqual(trace, ['app in', 'app-late in', 'home', 'app-late out', 'app out']);
  });

  it('runs the sub-app middleware for misses under its prefix', async () => {
    const blog = new EchoNext();
    blog.use(async (request, next) => {
      const response = await next(request);
      response.setHeader('x-blog', '1');
      return response;
    });
    blog.get('/post', () => 'post');
    const app = new EchoNext();
    app.include('/blog', blog);
    const client = new TestClient(app);
    assert.equal((await client.get('/blog/nothing')).headers.get('x-blog'), '1');
    assert.equal((await client.get('/elsewhere')).headers.get('x-blog'), undefined);
  });

  it('sends errors from parent middleware to the parent handlers', async () => {
    const blog = new EchoNext();
    blog.onError(Forbidden, () => 'blog handler');
    blog.get('/post', () => 'post');
    const app = new EchoNext();
    app.onError(Forbidden, () => 'app handler');
    app.use(() => {
      throw new Forbidden();
    });
    app.include('/blog', blog);
    assert.equal((await new TestClient(app).get('/blog/post')).text(), 'app handler');
  });
});
