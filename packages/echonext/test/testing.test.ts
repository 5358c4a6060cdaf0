import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Application } from 'tsgi';
import { EchoNext } from '../src/app.js';
import { AppError } from '../src/app-errors.js';
import { text } from '../src/response.js';
import { CookieJar, TestClient } from '../src/testing.js';

function echoApp(): EchoNext {
  const app = new EchoNext();
  app.all('/echo', async (request) => ({
    method: request.method,
    query: [...request.query],
    header: request.headers.get('x-test') ?? null,
    type: request.contentType ?? null,
    body: request.method === 'GET' ? null : await request.text(),
  }));
  return app;
}

describe('TestClient requests', () => {
  it('sends the method, query and headers', async () => {
    const client = new TestClient(echoApp(), { headers: { 'x-test': 'default' } });
    const res = await client.get('/echo?a=1', { query: { b: [2, 3], c: 'x y' } });
    assert.equal(res.status, 200);
    assert.deepEqual(res.json(), {
      method: 'GET',
      query: [
        ['a', '1'],
        ['b', '2'],
        ['b', '3'],
        ['c', 'x y'],
      ],
      header: 'default',
      type: null,
      body: null,
    });
    const own = await client.get('/echo', { headers: { 'X-Test': 'own' } });
    assert.equal(own.json<{ header: string }>().header, 'own');
  });

  it('sends JSON, form and raw bodies with every method helper', async () => {
    const client = new TestClient(echoApp());
    const json = await client.post('/echo', { json: { a: 1 } });
    assert.deepEqual(json.json(), {
      method: 'POST',
      query: [],
      header: null,
      type: 'application/json',
      body: '{"a":1}',
    });
    const form = await client.put('/echo', { form: { name: 'ada', tag: ['x', 'y'] } });
    assert.equal(form.json<{ body: string }>().body, 'name=ada&tag=x&tag=y');
    assert.equal(form.json<{ type: string }>().type, 'application/x-www-form-urlencoded');
    const raw = await client.patch('/echo', { body: ['pie', 'ces'] });
    assert.equal(raw.json<{ body: string }>().body, 'pieces');
    assert.equal((await client.delete('/echo')).json<{ method: string }>().method, 'DELETE');
    assert.equal((await client.head('/echo')).body.byteLength, 0);
    assert.equal((await client.options('/echo')).status, 204);
    assert.equal((await client.request('PURGE', '/echo')).status, 405);
  });

  it('gives case-insensitive headers, bytes, text and the harness record', async () => {
    const app = new EchoNext();
    app.get('/', () => text('hé', { headers: { 'X-Multi': ['a', 'b'] } }));
    const res = await new TestClient(app).get('/');
    assert.equal(res.headers.get('Content-Type'), 'text/plain; charset=utf-8');
    assert.deepEqual(res.headers.getAll('x-multi'), ['a', 'b']);
    assert.equal(res.body.byteLength, 3);
    assert.equal(res.text(), 'hé');
    assert.equal(res.raw.outcome, 'complete');
  });

  it('drives any TSGI application, and in strict mode rejects one that breaks a rule', async () => {
    const broken: Application = async (scope, _receive, send) => {
      if (scope.type !== 'http') return;
      await send({ type: 'http.response.start', status: 200, headers: [['X-Upper', 'no']] });
      await send({ type: 'http.response.body', body: 'x' });
    };
    await assert.rejects(new TestClient(broken).get('/'), /HTTP-RESP-3/);
    assert.throws(() => new TestClient('app' as never), AppError);
  });

  it('serves the app under a rootPath and over https', async () => {
    const app = new EchoNext();
    app.get('/', (request) => ({ root: request.scope.rootPath, scheme: request.scheme }));
    const res = await new TestClient(app, { rootPath: '/api', scheme: 'https' }).get('/api');
    assert.deepEqual(res.json(), { root: '/api', scheme: 'https' });
  });
});

describe('TestClient cookies', () => {
  function cookieApp(): EchoNext {
    const app = new EchoNext();
    app.post('/login', () => text('ok').setCookie('session', 'abc 123'));
    app.post('/logout', () => text('bye').deleteCookie('session'));
    app.post('/scoped', () => text('ok').setCookie('admin', '1', { path: '/admin' }));
    app.post('/secure', () => text('ok').setCookie('s', '1', { secure: true }));
    app.get('/whoami', (request) => ({ cookies: Object.fromEntries(request.cookies) }));
    app.get('/admin/whoami', (request) => ({ cookies: Object.fromEntries(request.cookies) }));
    return app;
  }

  it('keeps cookies across requests and drops deleted ones', async () => {
    const client = new TestClient(cookieApp());
    await client.post('/login');
    assert.equal(client.cookies.get('session'), 'abc%20123');
    assert.deepEqual((await client.get('/whoami')).json(), { cookies: { session: 'abc 123' } });
    await client.post('/logout');
    assert.deepEqual(client.cookies.names(), []);
    assert.deepEqual((await client.get('/whoami')).json(), { cookies: {} });
  });

  it('sends a cookie only under its path, Secure ones only over https, and per-request ones', async () => {
    const client = new TestClient(cookieApp());
    await client.post('/scoped');
    await client.post('/secure');
    assert.deepEqual((await client.get('/whoami')).json(), { cookies: {} });
    assert.deepEqual((await client.get('/admin/whoami')).json(), { cookies: { admin: '1' } });
    const extra = await client.get('/whoami', { cookies: { once: 'yes' } });
    assert.deepEqual(extra.json(), { cookies: { once: 'yes' } });
    const https = new TestClient(cookieApp(), { scheme: 'https' });
    await https.post('/secure');
    assert.deepEqual((await https.get('/whoami')).json(), { cookies: { s: '1' } });
  });

  it('keeps nothing with cookies: false', async () => {
    const client = new TestClient(cookieApp(), { cookies: false });
    await client.post('/login');
    assert.deepEqual((await client.get('/whoami')).json(), { cookies: {} });
  });

  it('CookieJar stores, expires and matches by path', () => {
    const jar = new CookieJar();
    jar.store(
      [
        ['set-cookie', 'a=1; Path=/'],
        ['set-cookie', 'b=2; Path=/docs; Max-Age=60'],
        ['set-cookie', 'c=3; Expires=Thu, 01 Jan 1970 00:00:00 GMT'],
        ['content-type', 'text/plain'],
      ],
      '/',
    );
    assert.deepEqual(jar.names().sort(), ['a', 'b']);
    assert.equal(jar.header('/docs/x', false), 'b=2; a=1');
    assert.equal(jar.header('/docsy', false), 'a=1');
    jar.set('d', '4');
    assert.equal(jar.get('d'), '4');
    jar.clear();
    assert.equal(jar.header('/', false), undefined);
  });
});

describe('TestClient lifespan', () => {
  it('runs the startup before the first request and the shutdown on close', async () => {
    const events: string[] = [];
    const app = new EchoNext();
    app.onStartup((state) => {
      events.push('startup');
      state.ready = true;
    });
    app.onShutdown(() => void events.push('shutdown'));
    app.get('/', (request) => ({ ready: request.state.ready }));
    const client = new TestClient(app);
    assert.deepEqual(events, []);
    assert.deepEqual((await client.get('/')).json(), { ready: true });
    await client.get('/');
    assert.deepEqual(events, ['startup']);
    await client.close();
    assert.deepEqual(events, ['startup', 'shutdown']);
  });

  it('runs no lifespan with lifespan: false', async () => {
    let started = false;
    const app = new EchoNext();
    app.onStartup(() => {
      started = true;
    });
    app.get('/', () => 'x');
    const client = new TestClient(app, { lifespan: false });
    await client.get('/');
    await client.close();
    assert.equal(started, false);
  });

  it('starts explicitly with startup(), and rejects requests when the startup fails', async () => {
    const app = new EchoNext();
    app.onStartup(() => {
      throw new Error('no config');
    });
    const client = new TestClient(app);
    await assert.rejects(client.startup(), /no config/);
    await assert.rejects(client.get('/'), /no config/);
    await client.close();
  });
});
