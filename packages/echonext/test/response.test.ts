import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClientDisconnectedError, type HttpSendEvent } from 'tsgi';
import {
  html,
  json,
  type RedirectStatus,
  Response,
  redirect,
  sendResponse,
  stream,
  text,
} from '../src/response.js';
import { UsageErrorCode } from '../src/usage-error.js';
import { collectingSend, header, headers, httpScope, startOf } from './message-fixtures.js';

const EMPTY = new Uint8Array(0);

async function events(response: Response, method = 'GET', scheme: 'http' | 'https' = 'http') {
  const { send, events } = collectingSend();
  await response.send(httpScope({ method, scheme }), send);
  return events;
}

describe('fixed bodies', () => {
  it('[HTTP-RESP-5] text(): one start with content-length and one body event', async () => {
    assert.deepEqual(await events(text('h\u00e9llo')), [
      {
        type: 'http.response.start',
        status: 200,
        headers: [
          ['content-type', 'text/plain; charset=utf-8'],
          ['content-length', '6'],
        ],
      },
      { type: 'http.response.body', body: 'h\u00e9llo', moreBody: false },
    ]);
  });

  it('html() and json() set their types; json() serializes once', async () => {
    const page = await events(html('<p>hi</p>', { status: 201 }));
    assert.equal(startOf(page).status, 201);
    assert.equal(header(startOf(page), 'content-type'), 'text/html; charset=utf-8');
    const data = await events(json({ a: [1, 'é'] }));
    assert.deepEqual(data, [
      {
        type: 'http.response.start',
        status: 200,
        headers: [
          ['content-type', 'application/json'],
          ['content-length', '14'],
        ],
      },
      { type: 'http.response.body', body: '{"a":[1,"é"]}', moreBody: false },
    ]);
    assert.throws(() => json(undefined), { code: UsageErrorCode.INVALID_ARGUMENT });
  });

  it('a content type given in headers or contentType wins over the default', async () => {
    const viaHeaders = await events(text('a,b', { headers: { 'Content-Type': 'text/csv' } }));
    assert.deepEqual(headers(startOf(viaHeaders), 'content-type'), ['text/csv']);
    const viaOption = await events(
      json(1, { headers: [['content-type', 'x/y']], contentType: 'application/vnd.api+json' }),
    );
    assert.deepEqual(headers(startOf(viaOption), 'content-type'), ['application/vnd.api+json']);
  });

  it('sends bytes as given, and no body as an empty one with content-length 0', async () => {
    const bytes = new Uint8Array([1, 2, 3]);
    const sent = await events(new Response(bytes));
    assert.deepEqual(startOf(sent).headers, [['content-length', '3']]);
    assert.equal((sent[1] as { body: Uint8Array }).body, bytes);
    assert.deepEqual(await events(new Response()), [
      { type: 'http.response.start', status: 200, headers: [['content-length', '0']] },
      { type: 'http.response.body', body: EMPTY, moreBody: false },
    ]);
  });

  it('[HTTP-RESP-7] refuses, before sending, a content-length that does not match the body', async () => {
    const recorder = collectingSend();
    const response = text('four', { headers: { 'content-length': '5' } });
    await assert.rejects(response.send(httpScope(), recorder.send), {
      code: UsageErrorCode.INVALID_ARGUMENT,
    });
    assert.deepEqual(recorder.events, []);
    const matching = await events(text('four', { headers: { 'content-length': '4' } }));
    assert.deepEqual(headers(startOf(matching), 'content-length'), ['4']);
  });

  it('does not change the response when sending it, so it can be sent again', async () => {
    const response = text('x');
    response.setCookie('a', '1');
    const first = await events(response, 'GET', 'https');
    const second = await events(response);
    assert.deepEqual(response.headers, [['content-type', 'text/plain; charset=utf-8']]);
    assert.match(headers(startOf(first), 'set-cookie')[0] ?? '', /; Secure;/);
    assert.doesNotMatch(headers(startOf(second), 'set-cookie')[0] ?? '', /Secure/);
  });

  it('sendResponse() is response.send()', async () => {
    const recorder = collectingSend();
    await sendResponse(text('x'), httpScope(), recorder.send);
    assert.equal(recorder.events.length, 2);
  });
});

describe('no body: HEAD, 204, 304', () => {
  it('[HTTP-RESP-8] HEAD sends no body bytes but keeps the content-length of GET', async () => {
    assert.deepEqual(await events(text('hello'), 'HEAD'), [
      {
        type: 'http.response.start',
        status: 200,
        headers: [
          ['content-type', 'text/plain; charset=utf-8'],
          ['content-length', '5'],
        ],
      },
      { type: 'http.response.body', body: EMPTY, moreBody: false },
    ]);
  });

  it('[HTTP-RESP-8] 204 sends no body and no content-length, even one set by hand', async () => {
    const response = new Response('ignored', { status: 204, headers: { 'content-length': '7' } });
    assert.deepEqual(await events(response), [
      { type: 'http.response.start', status: 204, headers: [] },
      { type: 'http.response.body', body: EMPTY, moreBody: false },
    ]);
  });

  it('[HTTP-RESP-8] 304 sends no body and adds no content-length', async () => {
    const response = new Response(null, { status: 304, headers: { etag: '"v1"' } });
    assert.deepEqual(await events(response), [
      { type: 'http.response.start', status: 304, headers: [['etag', '"v1"']] },
      { type: 'http.response.body', body: EMPTY, moreBody: false },
    ]);
  });

  it('[HTTP-RESP-8] HEAD with a stream sends no body and closes the stream unread', async () => {
    let started = false;
    let closed = false;
    const source = {
      [Symbol.asyncIterator]() {
        return {
          next: async () => {
            started = true;
            return { done: true as const, value: undefined };
          },
          return: async () => {
            closed = true;
            return { done: true as const, value: undefined };
          },
        };
      },
    };
    const sent = await events(stream(source), 'HEAD');
    assert.deepEqual(sent.slice(1), [{ type: 'http.response.body', body: EMPTY, moreBody: false }]);
    assert.equal(started, false);
    assert.equal(closed, true);
  });
});

describe('streams', () => {
  it('[HTTP-RESP-5] one body event per non-empty piece with moreBody, then an empty last one', async () => {
    async function* pieces() {
      yield 'a';
      yield new Uint8Array([98]);
      yield '';
      yield 'c';
    }
    assert.deepEqual(await events(stream(pieces(), { contentType: 'text/plain' })), [
      { type: 'http.response.start', status: 200, headers: [['content-type', 'text/plain']] },
      { type: 'http.response.body', body: 'a', moreBody: true },
      { type: 'http.response.body', body: new Uint8Array([98]), moreBody: true },
      { type: 'http.response.body', body: 'c', moreBody: true },
      { type: 'http.response.body', body: EMPTY, moreBody: false },
    ]);
  });

  it('waits for each send before pulling the next piece', async () => {
    const log: string[] = [];
    async function* pieces() {
      for (const piece of ['1', '2']) {
        log.push(`yield ${piece}`);
        yield piece;
      }
    }
    const send = async (event: HttpSendEvent) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (event.type === 'http.response.body') log.push(`sent ${String(event.body)}`);
    };
    await stream(pieces()).send(httpScope(), send);
    assert.deepEqual(log, ['yield 1', 'sent 1', 'yield 2', 'sent 2', 'sent ']);
  });

  it('stops and closes the source when send rejects with ClientDisconnectedError', async () => {
    let closed = false;
    let pulled = 0;
    async function* pieces() {
      try {
        for (;;) {
          pulled++;
          yield 'tick';
        }
      } finally {
        closed = true;
      }
    }
    let sends = 0;
    const send = async () => {
      if (++sends > 2) throw new ClientDisconnectedError();
    };
    await assert.rejects(stream(pieces()).send(httpScope(), send), ClientDisconnectedError);
    assert.equal(closed, true);
    assert.equal(pulled, 2);
  });

  it('fails on a piece that is neither bytes nor text', async () => {
    async function* pieces() {
      yield 42 as unknown as string;
    }
    await assert.rejects(events(stream(pieces())), { code: UsageErrorCode.INVALID_ARGUMENT });
  });
});

describe('redirect()', () => {
  it('sends location with an empty body, 302 by default', async () => {
    assert.deepEqual(await events(redirect('/login?next=%2Fhome')), [
      {
        type: 'http.response.start',
        status: 302,
        headers: [
          ['location', '/login?next=%2Fhome'],
          ['content-length', '0'],
        ],
      },
      { type: 'http.response.body', body: EMPTY, moreBody: false },
    ]);
  });

  it('takes 301, 303, 307 and 308, and refuses other statuses', async () => {
    for (const status of [301, 303, 307, 308] as RedirectStatus[]) {
      assert.equal(redirect('/x', status).status, status);
    }
    for (const status of [200, 300, 304, 404]) {
      assert.throws(() => redirect('/x', status as RedirectStatus), {
        code: UsageErrorCode.INVALID_STATUS,
      });
    }
  });

  it('[HTTP-RESP-3] percent-encodes characters a location may not carry, so it cannot split the response', () => {
    const response = redirect('/caf\u00e9 menu\r\nset-cookie: x=1');
    assert.equal(response.getHeader('location'), '/caf%C3%A9%20menu%0D%0Aset-cookie:%20x=1');
  });
});

describe('status and headers', () => {
  it('[HTTP-RESP-2] refuses statuses outside 200 to 599, at construction and at send', async () => {
    for (const status of [100, 199, 600, 200.5]) {
      assert.throws(() => new Response(null, { status }), { code: UsageErrorCode.INVALID_STATUS });
    }
    const response = new Response();
    response.status = 99;
    const recorder = collectingSend();
    await assert.rejects(response.send(httpScope(), recorder.send), {
      code: UsageErrorCode.INVALID_STATUS,
    });
    assert.deepEqual(recorder.events, []);
  });

  it('[HTTP-RESP-3] keeps header names lowercase through the header methods', () => {
    const response = new Response(null, { headers: { 'X-One': '1' } });
    response
      .setHeader('Cache-Control', 'no-store')
      .appendHeader('Vary', 'a')
      .appendHeader('VARY', 'b');
    assert.deepEqual(response.headers, [
      ['x-one', '1'],
      ['cache-control', 'no-store'],
      ['vary', 'a'],
      ['vary', 'b'],
    ]);
    assert.equal(response.getHeader('vary'), 'a, b');
    assert.equal(response.deleteHeader('VARY').hasHeader('vary'), false);
    assert.throws(() => response.setHeader('x', 'a\nb'), { code: UsageErrorCode.INVALID_HEADER });
  });
});

describe('cookies', () => {
  it('sets cookies with HttpOnly, SameSite=Lax and Path=/ by default, one set-cookie each', async () => {
    const response = text('ok').setCookie('session', 'abc').setCookie('theme', 'dark mode');
    const start = startOf(await events(response));
    assert.deepEqual(headers(start, 'set-cookie'), [
      'session=abc; Path=/; HttpOnly; SameSite=Lax',
      'theme=dark%20mode; Path=/; HttpOnly; SameSite=Lax',
    ]);
  });

  it('adds Secure when the request came over https, unless told otherwise', async () => {
    const response = text('ok').setCookie('a', '1').setCookie('b', '2', { secure: false });
    const start = startOf(await events(response, 'GET', 'https'));
    assert.deepEqual(headers(start, 'set-cookie'), [
      'a=1; Path=/; Secure; HttpOnly; SameSite=Lax',
      'b=2; Path=/; HttpOnly; SameSite=Lax',
    ]);
    const plain = startOf(await events(text('ok').setCookie('a', '1', { secure: true })));
    assert.match(headers(plain, 'set-cookie')[0] ?? '', /; Secure;/);
  });

  it('replaces a cookie set twice for the same name, path and domain', async () => {
    const response = new Response()
      .setCookie('a', '1')
      .setCookie('a', '2')
      .setCookie('a', '3', { path: '/admin' });
    const values = headers(startOf(await events(response)), 'set-cookie');
    assert.deepEqual(values, [
      'a=2; Path=/; HttpOnly; SameSite=Lax',
      'a=3; Path=/admin; HttpOnly; SameSite=Lax',
    ]);
  });

  it('deleteCookie expires it in the past with the same path', async () => {
    const response = new Response().deleteCookie('session', { path: '/app' });
    assert.deepEqual(headers(startOf(await events(response)), 'set-cookie'), [
      'session=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/app; HttpOnly; SameSite=Lax',
    ]);
  });

  it('refuses a bad cookie where it is set', () => {
    assert.throws(() => new Response().setCookie('bad name', 'v'), {
      code: UsageErrorCode.INVALID_COOKIE,
    });
    assert.throws(() => new Response().setCookie('a', 'v', { sameSite: 'none', secure: false }), {
      code: UsageErrorCode.INVALID_COOKIE,
    });
  });
});
