import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Hono } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { stream } from 'hono/streaming';
import type { FetchBridgeBindings } from '../src/fetch/from-fetch-handler.js';
import { fromFetchHandler } from '../src/fetch/from-fetch-handler.js';
import { toFetchHandler } from '../src/fetch/to-fetch-handler.js';
import { bytes, httpScope, ScriptedServer } from './fetch-driver.js';

function honoApp(): Hono<{ Bindings: FetchBridgeBindings }> {
  const app = new Hono<{ Bindings: FetchBridgeBindings }>();
  app.get('/users/:id', (c) =>
    c.json({ id: c.req.param('id'), fields: c.req.query('fields'), tags: c.req.queries('tag') }),
  );
  app.post('/users', async (c) => {
    const body = await c.req.json<{ name: string }>();
    return c.json({ created: body.name, type: c.req.header('content-type') }, 201);
  });
  app.get('/whoami', (c) =>
    c.json({ client: c.env.scope.client, agent: c.req.header('user-agent') ?? null }),
  );
  app.get('/session', (c) => {
    const session = getCookie(c, 'session');
    setCookie(c, 'seen', '1', { path: '/' });
    setCookie(c, 'theme', 'dark', { httpOnly: true });
    return c.text(`session=${session ?? 'none'} lang=${getCookie(c, 'lang') ?? 'none'}`);
  });
  app.get('/stream', (c) =>
    stream(c, async (s) => {
      for (let i = 0; i < 3; i++) await s.write(`part ${i}\n`);
    }),
  );
  return app;
}

function json(server: ScriptedServer): unknown {
  return JSON.parse(server.text);
}

describe('a Hono app as a TSGI application', () => {
  const app = fromFetchHandler(honoApp().fetch);

  it('routes with params and query values', async () => {
    const server = new ScriptedServer();
    await server.run(
      app,
      httpScope({
        path: '/users/42',
        rawPath: '/users/42',
        queryString: 'fields=name&tag=a&tag=b',
      }),
    );
    assert.equal(server.start.status, 200);
    assert.match(server.header('content-type')[0]!, /^application\/json/);
    assert.deepEqual(json(server), { id: '42', fields: 'name', tags: ['a', 'b'] });
  });

  it('parses a JSON body streamed in pieces', async () => {
    const text = JSON.stringify({ name: 'Ada Lovelace' });
    const server = new ScriptedServer({
      body: [bytes(text.slice(0, 5)), bytes(text.slice(5, 12)), bytes(text.slice(12))],
    });
    await server.run(
      app,
      httpScope({
        method: 'POST',
        path: '/users',
        rawPath: '/users',
        headers: [
          ['host', 'example.test'],
          ['content-type', 'application/json'],
          ['content-length', String(text.length)],
        ],
      }),
    );
    assert.equal(server.start.status, 201);
    assert.deepEqual(json(server), { created: 'Ada Lovelace', type: 'application/json' });
  });

  it('reads request headers and the client address from env.scope', async () => {
    const server = new ScriptedServer();
    await server.run(
      app,
      httpScope({
        path: '/whoami',
        rawPath: '/whoami',
        headers: [
          ['host', 'example.test'],
          ['user-agent', 'tsgi-test/1'],
        ],
        client: { host: '198.51.100.4', port: 4242 },
      }),
    );
    assert.deepEqual(json(server), {
      client: { host: '198.51.100.4', port: 4242 },
      agent: 'tsgi-test/1',
    });
  });

  it('[HTTP-RESP-12] reads cookies and sets two cookies as separate fields', async () => {
    const server = new ScriptedServer();
    await server.run(
      app,
      httpScope({
        path: '/session',
        rawPath: '/session',
        headers: [
          ['host', 'example.test'],
          ['cookie', 'session=abc123; lang=en'],
        ],
      }),
    );
    assert.equal(server.text, 'session=abc123 lang=en');
    assert.deepEqual(server.header('set-cookie'), [
      'seen=1; Path=/',
      'theme=dark; Path=/; HttpOnly',
    ]);
  });

  it('streams a response written piece by piece', async () => {
    const server = new ScriptedServer();
    await server.run(app, httpScope({ path: '/stream', rawPath: '/stream' }));
    assert.equal(server.text, 'part 0\npart 1\npart 2\n');
    assert.equal(server.bodies.at(-1)!.moreBody, false);
  });

  it('answers HEAD with headers only', async () => {
    const server = new ScriptedServer();
    await server.run(app, httpScope({ method: 'HEAD', path: '/users/7', rawPath: '/users/7' }));
    assert.equal(server.start.status, 200);
    assert.equal(server.text, '');
  });

  it('answers an unknown route with 404', async () => {
    const server = new ScriptedServer();
    await server.run(app, httpScope({ path: '/nowhere', rawPath: '/nowhere' }));
    assert.equal(server.start.status, 404);
  });
});

describe('round trip: toFetchHandler(fromFetchHandler(hono.fetch))', () => {
  const fetchHandler = toFetchHandler(fromFetchHandler(honoApp().fetch));

  it('answers a JSON POST', async () => {
    const response = await fetchHandler(
      new Request('http://example.test/users', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Grace Hopper' }),
      }),
    );
    assert.equal(response.status, 201);
    assert.deepEqual(await response.json(), { created: 'Grace Hopper', type: 'application/json' });
  });

  it('passes the client address given to the fetch handler through to Hono', async () => {
    const response = await fetchHandler(new Request('http://example.test/whoami'), {
      remoteAddress: '203.0.113.5',
      remotePort: 61000,
    });
    assert.deepEqual(await response.json(), {
      client: { host: '203.0.113.5', port: 61000 },
      agent: null,
    });
  });

  it('[HTTP-SCOPE-12] [HTTP-RESP-12] keeps cookies in and set-cookie fields out', async () => {
    const headers = new Headers();
    headers.append('cookie', 'session=xyz');
    headers.append('cookie', 'lang=fr');
    const response = await fetchHandler(new Request('http://example.test/session', { headers }));
    assert.equal(await response.text(), 'session=xyz lang=fr');
    assert.deepEqual(response.headers.getSetCookie(), [
      'seen=1; Path=/',
      'theme=dark; Path=/; HttpOnly',
    ]);
  });

  it('keeps percent-encoded route params and query values', async () => {
    const response = await fetchHandler(
      new Request('http://example.test/users/a%20b?fields=x%26y&tag=%C3%A9'),
    );
    assert.deepEqual(await response.json(), { id: 'a b', fields: 'x&y', tags: ['é'] });
  });

  it('streams the response through both bridges', async () => {
    const response = await fetchHandler(new Request('http://example.test/stream'));
    assert.equal(await response.text(), 'part 0\npart 1\npart 2\n');
  });
});
