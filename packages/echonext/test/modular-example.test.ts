import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createBlog } from '../../../examples/modular/blog/app.js';
import { createMonolith } from '../../../examples/modular/monolith.js';
import { createShop } from '../../../examples/modular/shop/app.js';
import { type ClientRequestOptions, type ClientResponse, TestClient } from '../src/testing.js';

type Send = (
  method: string,
  path: string,
  options?: ClientRequestOptions,
) => Promise<ClientResponse>;

/** The monolith: one app answers every path. */
function monolith(): Send {
  const client = new TestClient(createMonolith());
  return (method, path, options) => client.request(method, path, options);
}

/** Two services behind a proxy that sends /blog to one and /shop to the other, unstripped. */
function services(): Send {
  const blog = new TestClient(createBlog(), { rootPath: '/blog' });
  const shop = new TestClient(createShop(), { rootPath: '/shop' });
  return (method, path, options) =>
    (path.startsWith('/blog/') ? blog : shop).request(method, path, options);
}

/** The requests both arrangements must answer alike, in order (some change state). */
const script: [method: string, path: string, options?: ClientRequestOptions][] = [
  ['GET', '/blog/'],
  ['GET', '/blog/posts/1'],
  ['GET', '/blog/posts/99'],
  ['POST', '/blog/posts', { json: { title: 'Second' } }],
  ['GET', '/blog/posts/2'],
  ['POST', '/blog/posts', { body: 'not json', headers: { 'content-type': 'text/plain' } }],
  ['DELETE', '/blog/posts/1'],
  ['GET', '/blog/nothing/here'],
  ['GET', '/shop/products'],
  ['GET', '/shop/products/2'],
  ['GET', '/shop/products/7'],
  ['POST', '/shop/cart/1'],
  ['POST', '/shop/cart/2'],
  ['GET', '/shop/cart'],
  ['POST', '/shop/cart/9'],
  ['OPTIONS', '/shop/products'],
];

async function play(send: Send) {
  const answers = [];
  for (const [method, path, options] of script) {
    const res = await send(method, path, options);
    answers.push({
      request: `${method} ${path}`,
      status: res.status,
      module: res.headers.get('x-module') ?? null,
      location: res.headers.get('location') ?? null,
      allow: res.headers.get('allow') ?? null,
      body: res.text(),
    });
  }
  return answers;
}

describe('the modular example', () => {
  it('answers the same routes as one monolith and as two services', async () => {
    const asMonolith = await play(monolith());
    const asServices = await play(services());
    assert.deepEqual(asServices, asMonolith);
    // And the answers are the real ones, not two identical failures.
    const byRequest = new Map<string, (typeof asMonolith)[number]>();
    for (const answer of asMonolith)
      if (!byRequest.has(answer.request)) byRequest.set(answer.request, answer);
    assert.equal(byRequest.get('GET /blog/posts/1')?.status, 200);
    assert.equal(byRequest.get('GET /blog/posts/99')?.status, 404);
    assert.equal(byRequest.get('POST /blog/posts')?.location, '/blog/posts/2');
    assert.equal(byRequest.get('DELETE /blog/posts/1')?.status, 405);
    assert.equal(byRequest.get('GET /blog/nothing/here')?.module, 'blog');
    assert.deepEqual(JSON.parse(byRequest.get('GET /shop/cart')?.body ?? ''), {
      items: [1, 2],
      total: 32,
    });
    assert.equal(byRequest.get('GET /shop/products/7')?.module, 'shop');
    assert.equal(asMonolith[5]?.status, 415);
    assert.ok(asMonolith.every((answer) => answer.module !== null));
  });

  it('links within a module alike in both arrangements', async () => {
    const inMonolith = await new TestClient(createMonolith()).get('/blog/');
    const alone = await new TestClient(createBlog(), { rootPath: '/blog' }).get('/blog/');
    assert.deepEqual(inMonolith.json(), alone.json());
    assert.deepEqual(inMonolith.json(), {
      posts: [{ id: 1, title: 'Hello, modules', url: '/blog/posts/1' }],
    });
  });
});
