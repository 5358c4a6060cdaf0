import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import app from '../../../examples/echonext-hello/app.js';
import { TestClient } from '../src/testing.js';

describe('the echonext-hello example', () => {
  const client = new TestClient(app);
  after(() => client.close());

  it('answers the plain and the parameterized routes', async () => {
    const home = await client.get('/');
    assert.equal(home.status, 200);
    assert.equal(home.text(), 'Hello from echonext!');
    assert.equal((await client.get('/hello/Ada')).text(), 'Hello, Ada!');
    assert.deepEqual((await client.get('/article/42')).json(), {
      article_id: 42,
      url: '/article/42',
    });
    assert.equal((await client.get('/article/forty-two')).status, 404);
  });

  it('adds the timing header of its middleware to every response, errors included', async () => {
    for (const path of ['/', '/article/1', '/missing', '/blog/nope']) {
      const res = await client.get(path);
      assert.match(res.headers.get('server-timing') ?? '', /^app;dur=\d+\.\d\d$/, path);
    }
  });

  it('serves the class-based view with startup state, and 405 for what it lacks', async () => {
    await client.delete('/visits');
    assert.deepEqual((await client.get('/visits')).json(), { visits: 0 });
    await client.post('/visits');
    assert.deepEqual((await client.post('/visits')).json(), { visits: 2 });
    const put = await client.put('/visits');
    assert.equal(put.status, 405);
    assert.equal(put.headers.get('allow'), 'DELETE, GET, HEAD, OPTIONS, POST');
  });

  it('serves the blog sub-app under /blog with its own names and 404 page', async () => {
    const index = await client.get('/blog/');
    assert.equal(index.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.match(index.text(), /<a href="\/blog\/hello-tsgi">Hello, TSGI<\/a>/);
    assert.deepEqual((await client.get('/blog/modules')).json(), {
      slug: 'modules',
      title: 'Modules',
      body: 'A sub-app runs alone or inside a monolith.',
    });
    const missing = await client.get('/blog/nope');
    assert.equal(missing.status, 404);
    assert.match(missing.text(), /Not in the blog/);
    assert.equal((await client.get('/blog')).headers.get('location'), '/blog/');
    assert.equal(app.urlFor('blog:post', { slug: 'modules' }), '/blog/modules');
  });

  it('echoes WebSocket messages', async () => {
    const ws = await client.websocket('/ws/echo');
    assert.equal((await ws.connect()).kind, 'accepted');
    ws.sendText('ping');
    assert.deepEqual(await ws.receive(), { type: 'text', text: 'ping' });
    ws.close();
    await ws.finished();
  });
});
