import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Application } from 'tsgi';
import { fromFetchHandler } from 'tsgi';
import { EchoNext } from '../src/app.js';
import { AppError, AppErrorCode } from '../src/app-errors.js';
import { RouterError, RouterErrorCode } from '../src/router/errors.js';
import { TestClient } from '../src/testing.js';

function makeBlog(): EchoNext {
  const blog = new EchoNext({ namespace: 'blog' });
  blog.get('/', () => 'blog index', { name: 'index' });
  blog.get(
    '/article/{article_id:int}',
    (request) => ({
      id: request.params.article_id,
      self: blog.urlFor('article', { article_id: request.params.article_id }, request),
    }),
    { name: 'article' },
  );
  return blog;
}

describe('include', () => {
  it('serves the sub-app routes under the prefix, its / as prefix/', async () => {
    const app = new EchoNext();
    app.get('/', () => 'home');
    app.include('/blog', makeBlog());
    const client = new TestClient(app);
    assert.equal((await client.get('/')).text(), 'home');
    assert.equal((await client.get('/blog/')).text(), 'blog index');
    const bare = await client.get('/blog');
    assert.equal(bare.status, 301);
    assert.equal(bare.headers.get('location'), '/blog/');
    assert.deepEqual((await client.get('/blog/article/3')).json(), {
      id: 3,
      self: '/blog/article/3',
    });
  });

  it('namespaces route names, and urlFor works from the parent and from the module', () => {
    const blog = makeBlog();
    const app = new EchoNext();
    app.include('/blog', blog);
    assert.equal(app.urlFor('blog:article', { article_id: 1 }), '/blog/article/1');
    assert.equal(blog.urlFor('article', { article_id: 1 }), '/blog/article/1');
    assert.equal(blog.urlFor('index'), '/blog/');
    assert.equal(blog.parent, app);
    assert.deepEqual(
      app.routes.map((route) => route.name),
      ['blog:index', 'blog:article'],
    );
  });

  it('lets a module reach another module by full name', () => {
    const blog = makeBlog();
    const shop = new EchoNext({ namespace: 'shop' });
    shop.get('/product/{id:int}', () => 'x', { name: 'product' });
    const app = new EchoNext();
    app.include('/blog', blog);
    app.include('/shop', shop);
    assert.equal(blog.urlFor('shop:product', { id: 2 }), '/shop/product/2');
  });

  it('takes the namespace option of include over the sub-app own, and works without one', () => {
    const app = new EchoNext();
    app.include('/news', makeBlog(), { namespace: 'news' });
    const plain = new EchoNext();
    plain.get('/about', () => 'x', { name: 'about' });
    app.include('', plain);
    assert.equal(app.urlFor('news:index'), '/news/');
    assert.equal(app.urlFor('about'), '/about');
  });

  it('nests: names and prefixes compose over three levels', async () => {
    const comments = new EchoNext({ namespace: 'comments' });
    comments.get('/{comment_id:int}', (request) => request.params.comment_id, { name: 'show' });
    const blog = new EchoNext({ namespace: 'blog' });
    blog.include('/comments', comments);
    const app = new EchoNext();
    app.include('/blog', blog);
    assert.equal(app.urlFor('blog:comments:show', { comment_id: 9 }), '/blog/comments/9');
    assert.equal(comments.urlFor('show', { comment_id: 9 }), '/blog/comments/9');
    assert.equal((await new TestClient(app).get('/blog/comments/9')).text(), '9');
  });

  it('throws conflicts at include time and leaves the parent unchanged', async () => {
    const app = new EchoNext();
    app.get('/blog/{slug}', (request) => `parent ${request.params.slug}`);
    const other = new EchoNext();
    other.get('/{name}', () => 'child');
    assert.throws(
      () => app.include('/blog', other),
      (error: unknown) =>
        error instanceof RouterError && error.code === RouterErrorCode.AMBIGUOUS_ROUTE,
    );
    assert.equal(other.parent, null);
    other.get('/more', () => 'still open');
    assert.equal((await new TestClient(app).get('/blog/x')).text(), 'parent x');
    assert.equal(app.routes.length, 1);
  });

  it('throws for a duplicate name across modules only within one namespace', () => {
    const a = new EchoNext();
    a.get('/a', () => 'x', { name: 'page' });
    const b = new EchoNext();
    b.get('/b', () => 'x', { name: 'page' });
    const app = new EchoNext();
    app.include('/a', a);
    assert.throws(
      () => app.include('/b', b),
      (error: unknown) =>
        error instanceof RouterError && error.code === RouterErrorCode.DUPLICATE_NAME,
    );
    app.include('/b', b, { namespace: 'b' });
    assert.equal(app.urlFor('b:page'), '/b/b');
  });

  it('refuses to include twice, itself, a cycle, a wrapped app or a taken namespace', () => {
    const app = new EchoNext();
    const blog = makeBlog();
    app.include('/blog', blog);
    const isInclude = (error: unknown) =>
      error instanceof AppError && error.code === AppErrorCode.BAD_INCLUDE;
    assert.throws(() => new EchoNext().include('/again', blog), isInclude);
    const self = new EchoNext();
    assert.throws(() => self.include('/me', self), isInclude);
    const wrapped = new EchoNext();
    wrapped.wrap((inner) => inner);
    assert.throws(() => new EchoNext().include('/w', wrapped), isInclude);
    assert.throws(() => app.include('/other', makeBlog()), isInclude);
    assert.throws(() => app.include('/raw', (async () => {}) as never), isInclude);
    assert.throws(
      () => app.include('blog/', makeBlog(), { namespace: 'x' }),
      (error: unknown) => error instanceof AppError && error.code === AppErrorCode.BAD_PREFIX,
    );
  });

  it('freezes the included app', () => {
    const blog = makeBlog();
    new EchoNext().include('/blog', blog);
    assert.throws(
      () => blog.get('/late', () => 'x'),
      (error: unknown) => error instanceof AppError && error.code === AppErrorCode.FROZEN,
    );
  });

  it('carries the sub-app converters, and refuses a different one of the same name', async () => {
    const upper = {
      name: 'upper',
      match: (text: string) => /^[A-Z]+$/.test(text),
      parse: (text: string) => text.toLowerCase(),
      format: (value: unknown) => String(value).toUpperCase(),
    };
    const codes = new EchoNext({ converters: [upper] });
    codes.get('/{code:upper}', (request) => request.params.code as string);
    const app = new EchoNext();
    app.include('/codes', codes);
    const client = new TestClient(app);
    assert.equal((await client.get('/codes/ABC')).text(), 'abc');
    assert.equal((await client.get('/codes/abc')).status, 404);
    const parent = new EchoNext({ converters: [upper] });
    const clash = new EchoNext({ converters: [{ ...upper }] });
    clash.get('/{c:upper}', () => 'x');
    assert.throws(
      () => parent.include('/clash', clash),
      (error: unknown) =>
        error instanceof RouterError && error.code === RouterErrorCode.BAD_CONVERTER,
    );
  });

  it('applies the sub-app body limit to its routes', async () => {
    const uploads = new EchoNext({ bodyLimit: 5 });
    uploads.post('/', async (request) => (await request.bytes()).byteLength);
    const app = new EchoNext({ bodyLimit: 100 });
    app.post('/big', async (request) => (await request.bytes()).byteLength);
    app.include('/uploads', uploads);
    const client = new TestClient(app);
    assert.equal((await client.post('/uploads/', { body: '123456' })).status, 413);
    assert.equal((await client.post('/big', { body: '123456' })).text(), '6');
  });
});

describe('mount inside a modular app', () => {
  it('serves a fetch handler under a sub-app prefix', async () => {
    const legacy = fromFetchHandler((request: Request) => {
      return new globalThis.Response(`legacy ${new URL(request.url).pathname}`);
    });
    const blog = new EchoNext();
    blog.mount('/old', legacy);
    blog.get('/new', () => 'new');
    const app = new EchoNext();
    app.include('/blog', blog);
    const client = new TestClient(app);
    assert.equal((await client.get('/blog/old/page')).text(), 'legacy /blog/old/page');
    assert.equal((await client.get('/blog/new')).text(), 'new');
  });

  it('keeps a mounted EchoNext app apart: it routes below its own rootPath', async () => {
    const inner = new EchoNext();
    inner.get('/', (request) => `inner at ${request.scope.rootPath}`);
    const app = new EchoNext();
    app.mount('/inner', inner as Application);
    assert.equal((await new TestClient(app).get('/inner')).text(), 'inner at /inner');
  });
});
