import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  deferred,
  RawClient,
  readBody,
  startHttp,
  type TestServer,
  textApp,
  turns,
  until,
} from './http-support.js';

/**
 * Sends `request` and expects `status` from the server itself, a closed
 * connection, and no app call: a request rejected as malformed never reaches
 * the app (HTTP-CONN-3), and nothing after it on the connection is served
 * (HTTP-CONN-2).
 */
async function expectRejected(
  server: TestServer,
  calls: string[],
  request: string,
  status: number,
) {
  const before = calls.length;
  const client = await RawClient.connect(server.port);
  // A valid request right behind it must not be served either.
  client.write(`${request}GET /after HTTP/1.1\r\nHost: h\r\n\r\n`);
  await client.waitClosed();
  assert.match(client.text, new RegExp(`^HTTP/1\\.1 ${status} `), JSON.stringify(client.text));
  assert.equal(client.text.split('HTTP/1.1 ').length, 2, 'exactly one response');
  assert.deepEqual(calls.slice(before), [], 'the app was called');
}

describe('strict HTTP/1.1', { timeout: 30_000 }, () => {
  let server: TestServer;
  const calls: string[] = [];
  before(async () => {
    server = await startHttp(async (scope, receive, send) => {
      calls.push(scope.path);
      await readBody(receive);
      await textApp()(scope, receive, send);
    });
  });
  after(() => server.close());

  it('[SEC-1] [HTTP-CONN-2] [HTTP-CONN-3] rejects content-length together with transfer-encoding', async () => {
    await expectRejected(
      server,
      calls,
      'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 13\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      400,
    );
  });

  for (const [what, fields] of [
    ['differing values', 'Content-Length: 5\r\nContent-Length: 50\r\n'],
    ['a plus sign', 'Content-Length: +5\r\n'],
    ['hex', 'Content-Length: 0x10\r\n'],
    ['a fraction', 'Content-Length: 5.0\r\n'],
    ['a negative number', 'Content-Length: -1\r\n'],
    ['an empty value', 'Content-Length: \r\n'],
  ] as const) {
    it(`[SEC-2] [HTTP-CONN-2] rejects a content-length with ${what}`, async () => {
      await expectRejected(server, calls, `POST / HTTP/1.1\r\nHost: h\r\n${fields}\r\nhello`, 400);
    });
  }

  for (const [what, request] of [
    ['obsolete line folding', 'GET / HTTP/1.1\r\nHost: h\r\nX-Note: a\r\n b\r\n\r\n'],
    ['a bare LF ending a field line', 'GET / HTTP/1.1\r\nHost: h\nX-A: b\r\n\r\n'],
    ['a bare CR inside a value', 'GET / HTTP/1.1\r\nHost: h\r\nX-A: a\rb\r\n\r\n'],
    ['whitespace before the colon', 'GET / HTTP/1.1\r\nHost : h\r\n\r\n'],
    ['a field name that is not a token', 'GET / HTTP/1.1\r\nHost: h\r\nX(A): b\r\n\r\n'],
    ['a NUL in a value', 'GET / HTTP/1.1\r\nHost: h\r\nX-A: a\u0000b\r\n\r\n'],
  ] as const) {
    it(`[SEC-3] [HTTP-CONN-2] rejects ${what}`, async () => {
      await expectRejected(server, calls, request, 400);
    });
  }

  it('[SEC-4] rejects an HTTP/1.1 request without host', async () => {
    await expectRejected(server, calls, 'GET / HTTP/1.1\r\nAccept: */*\r\n\r\n', 400);
  });

  it('[SEC-4] rejects a request with two host fields', async () => {
    await expectRejected(server, calls, 'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n', 400);
  });

  it('[SEC-4] accepts an HTTP/1.0 request without host', async () => {
    const client = await RawClient.connect(server.port);
    client.write('GET /old HTTP/1.0\r\n\r\n');
    await client.waitClosed();
    assert.match(client.text, /^HTTP\/1\.1 200 /);
  });

  it('[SEC-5] rejects transfer-encoding in HTTP/1.0', async () => {
    await expectRejected(
      server,
      calls,
      'POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n',
      400,
    );
  });

  for (const coding of ['chunked, gzip', 'xchunked', 'gzip', 'chunked, chunked']) {
    it(`[SEC-5] rejects transfer-encoding: ${coding}`, async () => {
      await expectRejected(
        server,
        calls,
        `POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: ${coding}\r\n\r\n5\r\nhello\r\n0\r\n\r\n`,
        400,
      );
    });
  }

  it('[SEC-5] answers 501 to a transfer coding it does not implement before chunked', async () => {
    await expectRejected(
      server,
      calls,
      'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n',
      501,
    );
  });

  it('[HTTP-CONN-2] [HTTP-CONN-3] rejects a malformed request line', async () => {
    await expectRejected(server, calls, 'GET /a b HTTP/1.1\r\nHost: h\r\n\r\n', 400);
  });

  it('[HTTP-SCOPE-3] answers 505 to HTTP versions a scope cannot name', async () => {
    await expectRejected(server, calls, 'GET / HTTP/2.0\r\nHost: h\r\n\r\n', 505);
  });

  it('[HTTP-SCOPE-17] answers 501 to CONNECT, whose target no scope can carry', async () => {
    const client = await RawClient.connect(server.port);
    client.write('CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n');
    await client.waitClosed();
    assert.match(client.text, /^HTTP\/1\.1 501 /);
  });

  it('[HTTP-SCOPE-17] rejects an asterisk-form target on another method than OPTIONS', async () => {
    await expectRejected(server, calls, 'GET * HTTP/1.1\r\nHost: h\r\n\r\n', 400);
  });
});

describe('framing errors inside a body', { timeout: 20_000 }, () => {
  it('[HTTP-CONN-2] [HTTP-REQ-4] gives the app http.disconnect for a malformed chunk, answers 400 and closes', async () => {
    const seen = deferred<string[]>();
    const calls: string[] = [];
    const server = await startHttp(async (scope, receive) => {
      calls.push(scope.path);
      const types: string[] = [];
      for (;;) {
        const event = await receive();
        types.push(event.type === 'http.request' ? `request:${event.moreBody}` : event.type);
        if (event.type === 'http.disconnect' || !event.moreBody) break;
      }
      seen.resolve(types);
    });
    try {
      const client = await RawClient.connect(server.port);
      client.write(
        'POST /upload HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n',
      );
      await until(() => calls.length === 1, 'the app to be called');
      await turns(10);
      client.write('zz\r\nabc\r\n0\r\n\r\nGET /after HTTP/1.1\r\nHost: h\r\n\r\n');
      await client.waitClosed();
      const types = await seen.promise;
      assert.equal(types.at(-1), 'http.disconnect');
      assert.ok(!types.includes('request:false'));
      assert.match(client.text, /^HTTP\/1\.1 400 /);
      assert.deepEqual(calls, ['/upload']);
    } finally {
      await server.close();
    }
  });
});
