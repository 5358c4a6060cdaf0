import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_BODY_LIMIT, Request } from '../src/request.js';
import { UsageErrorCode } from '../src/usage-error.js';
import { bodyReceive, httpScope } from './message-fixtures.js';

const noBody = () => bodyReceive().receive;

describe('Request fields', () => {
  it('mirrors method, path, scheme, client and the scope itself', () => {
    const scope = httpScope({
      method: 'PATCH',
      path: '/caf\u00e9/1',
      rawPath: '/caf%C3%A9/1',
      scheme: 'https',
      client: { host: '::1', port: 4000 },
    });
    const request = new Request(scope, noBody(), { id: 1 });
    assert.equal(request.method, 'PATCH');
    assert.equal(request.path, '/caf\u00e9/1');
    assert.equal(request.scheme, 'https');
    assert.deepEqual(request.client, { host: '::1', port: 4000 });
    assert.equal(request.scope, scope);
    assert.deepEqual(request.params, { id: 1 });
    assert.equal(request.bodyLimit, DEFAULT_BODY_LIMIT);
  });

  it('has frozen empty params when the router gave none', () => {
    const request = new Request(httpScope(), noBody());
    assert.deepEqual(request.params, {});
    assert.ok(Object.isFrozen(request.params));
  });

  it('routePath strips rootPath, gives "/" at the mount point, and ignores a mere prefix', () => {
    const at = (path: string, rootPath: string) =>
      new Request(httpScope({ path, rootPath }), noBody()).routePath;
    assert.equal(at('/api/users/1', '/api'), '/users/1');
    assert.equal(at('/api', '/api'), '/');
    assert.equal(at('/apiary', '/api'), '/apiary');
    assert.equal(at('/users', ''), '/users');
  });

  it('parses the query lazily: repeats, "+" as space, UTF-8 escapes', () => {
    const request = new Request(
      httpScope({ queryString: 'tag=a&tag=b&q=hello+world&name=caf%C3%A9&flag&&e=' }),
      noBody(),
    );
    const query = request.query;
    assert.equal(request.query, query, 'parsed once');
    assert.equal(query.get('q'), 'hello world');
    assert.equal(query.get('tag'), 'a');
    assert.deepEqual(query.getAll('tag'), ['a', 'b']);
    assert.equal(query.get('name'), 'caf\u00e9');
    assert.equal(query.get('flag'), '');
    assert.equal(query.get('e'), '');
    assert.equal(query.has('missing'), false);
    assert.equal(query.get('missing'), undefined);
    assert.deepEqual(query.getAll('missing'), []);
    assert.equal(query.size, 6);
    assert.deepEqual([...query.keys()], ['tag', 'q', 'name', 'flag', 'e']);
    assert.deepEqual([...query][1], ['tag', 'b']);
    assert.deepEqual(query.toObject({ all: true }).tag, ['a', 'b']);
  });

  it('keeps malformed escapes and decodes invalid UTF-8 to U+FFFD instead of failing', () => {
    const query = new Request(httpScope({ queryString: 'a=100%&b=%zz&c=%FF%41&d=%2B' }), noBody())
      .query;
    assert.equal(query.get('a'), '100%');
    assert.equal(query.get('b'), '%zz');
    assert.equal(query.get('c'), '\ufffdA');
    assert.equal(query.get('d'), '+');
  });

  it('exposes headers case-insensitively over scope.headers', () => {
    const scope = httpScope({
      headers: [
        ['host', 'example.test'],
        ['x-tag', 'a'],
        ['x-tag', 'b'],
      ],
    });
    const request = new Request(scope, noBody());
    assert.equal(request.headers.get('X-Tag'), 'a, b');
    assert.deepEqual(request.headers.getAll('x-tag'), ['a', 'b']);
    assert.equal(request.headers.raw, scope.headers);
  });

  it('parses cookies from the cookie header', () => {
    const request = new Request(
      httpScope({ headers: [['cookie', 'session=abc; theme=dark; note=a%20b']] }),
      noBody(),
    );
    assert.equal(request.cookies.get('session'), 'abc');
    assert.equal(request.cookies.get('note'), 'a b');
    assert.equal(request.cookies.get('missing'), undefined);
    assert.equal(new Request(httpScope(), noBody()).cookies.size, 0);
  });

  it('builds the URL from scheme, host header, raw path and query', () => {
    const request = new Request(
      httpScope({
        scheme: 'https',
        path: '/a b',
        rawPath: '/a%20b',
        queryString: 'x=1',
        headers: [['host', 'shop.test:8443']],
      }),
      noBody(),
    );
    assert.equal(request.url, 'https://shop.test:8443/a%20b?x=1');
  });

  it('falls back to the server address, leaving out the default port', () => {
    const url = (scheme: 'http' | 'https', host: string, port: number | null) =>
      new Request(httpScope({ scheme, headers: [], server: { host, port } }), noBody()).url;
    assert.equal(url('http', '10.0.0.1', 80), 'http://10.0.0.1/');
    assert.equal(url('https', '10.0.0.1', 443), 'https://10.0.0.1/');
    assert.equal(url('http', '::1', 8080), 'http://[::1]:8080/');
    assert.equal(
      new Request(httpScope({ headers: [], server: null }), noBody()).url,
      'http://localhost/',
    );
  });

  it('[APP-2] state is scope.state when present, else private to the request', () => {
    const shared = { db: 'pool' };
    const withState = new Request(httpScope({ state: shared }), noBody());
    assert.equal(withState.state, shared);
    const scope = httpScope();
    const without = new Request(scope, noBody());
    without.state.user = 'ann';
    assert.equal(without.state.user, 'ann');
    assert.equal(scope.state, undefined, 'the scope is not written to');
  });

  it('reads the media type without parameters, lowercase', () => {
    const request = new Request(
      httpScope({ headers: [['content-type', 'Application/JSON; charset=UTF-8']] }),
      noBody(),
    );
    assert.equal(request.contentType, 'application/json');
    assert.equal(new Request(httpScope(), noBody()).contentType, undefined);
  });

  it('refuses a negative or non-numeric body limit', () => {
    for (const bodyLimit of [-1, Number.NaN]) {
      assert.throws(() => new Request(httpScope(), noBody(), {}, { bodyLimit }), {
        code: UsageErrorCode.INVALID_ARGUMENT,
      });
    }
  });
});
