import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HttpReceiveEvent } from 'tsgi';
import {
  deferred,
  exchange,
  header,
  parseResponses,
  RawClient,
  readBody,
  startHttp,
  textApp,
  turns,
  until,
} from './http-support.js';

/** A server whose app records the events it receives, then answers with the body length. */
async function recordingServer() {
  const received: HttpReceiveEvent[][] = [];
  const server = await startHttp(async (_scope, receive, send) => {
    const events: HttpReceiveEvent[] = [];
    received.push(events);
    for (;;) {
      const event = await receive();
      events.push(event);
      if (event.type === 'http.disconnect' || !event.moreBody) break;
    }
    const size = events.reduce(
      (sum, e) => sum + (e.type === 'http.request' ? e.body.byteLength : 0),
      0,
    );
    await send({ type: 'http.response.start', status: 200 });
    await send({ type: 'http.response.body', body: String(size) });
  });
  return { server, received };
}

describe('request body', { timeout: 20_000 }, () => {
  it('[HTTP-REQ-1] gives a content-length body in order, moreBody false on the last piece only', async () => {
    const { server, received } = await recordingServer();
    try {
      const client = await RawClient.connect(server.port);
      client.write('POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nhello');
      await until(() => received.length === 1 && received[0]!.length >= 1, 'the first piece');
      client.write('world');
      const [response] = await client.responses(1);
      assert.equal(response!.body.toString(), '10');
      const events = received[0]!;
      const body = Buffer.concat(
        events.map((e) => (e.type === 'http.request' ? e.body : Buffer.alloc(0))),
      );
      assert.equal(body.toString(), 'helloworld');
      events.forEach((event, index) => {
        assert.equal(event.type, 'http.request');
        if (event.type === 'http.request') {
          assert.ok(event.body instanceof Uint8Array);
          assert.equal(event.moreBody, index < events.length - 1);
        }
      });
      assert.ok(events.length >= 2, 'the body came in two pieces');
      client.destroy();
    } finally {
      await server.close();
    }
  });

  it('[HTTP-REQ-2] gives one empty event with moreBody false for a request without content', async () => {
    const { server, received } = await recordingServer();
    try {
      for (const request of [
        'GET / HTTP/1.1\r\nHost: h\r\n\r\n',
        'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n',
        'GET / HTTP/1.0\r\n\r\n',
      ]) {
        const { client } = await exchange(server.port, request);
        client.destroy();
        const events = received.at(-1)!;
        assert.equal(events.length, 1, request);
        const [event] = events;
        assert.equal(event!.type, 'http.request');
        if (event!.type === 'http.request') {
          assert.equal(event!.body.byteLength, 0);
          assert.equal(event!.moreBody, false);
        }
      }
    } finally {
      await server.close();
    }
  });

  it('[HTTP-REQ-3] gives a chunked body de-chunked, without sizes, extensions or trailers', async () => {
    const bodies: string[] = [];
    const server = await startHttp(async (scope, receive, send) => {
      bodies.push((await readBody(receive))!.toString('latin1'));
      await textApp()(scope, receive, send);
    });
    try {
      const { client } = await exchange(
        server.port,
        'POST /upload HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n',
      );
      client.destroy();
      assert.deepEqual(bodies, ['hello world']);
    } finally {
      await server.close();
    }
  });

  it('[HTTP-REQ-4] [HTTP-DISC-1] gives http.disconnect when the body is cut off, on every later call', async () => {
    const events = deferred<string[]>();
    const server = await startHttp(async (_scope, receive) => {
      const types: string[] = [];
      for (let i = 0; i < 4; i++) {
        const event = await receive();
        types.push(event.type === 'http.request' ? `request:${event.moreBody}` : event.type);
      }
      events.resolve(types);
    });
    try {
      const client = await RawClient.connect(server.port);
      client.write(
        'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n',
      );
      await turns(20);
      client.destroy();
      const types = await events.promise;
      assert.equal(types[0], 'request:true');
      assert.deepEqual(types.slice(1), ['http.disconnect', 'http.disconnect', 'http.disconnect']);
    } finally {
      await server.close();
    }
  });

  it('[HTTP-DISC-1] resolves a pending receive() with http.disconnect when the client leaves', async () => {
    const outcome = deferred<string>();
    const server = await startHttp(async (_scope, receive, send) => {
      await receive(); // the (empty) body
      await send({ type: 'http.response.start', status: 200 });
      await send({ type: 'http.response.body', body: 'streaming', moreBody: true });
      outcome.resolve((await receive()).type);
    });
    try {
      const client = await RawClient.connect(server.port);
      client.write('GET / HTTP/1.1\r\nHost: h\r\n\r\n');
      await client.waitFor((text) => text.includes('streaming'), 'the first piece');
      client.destroy();
      assert.equal(await outcome.promise, 'http.disconnect');
    } finally {
      await server.close();
    }
  });

  it('[HTTP-DISC-3] gives http.disconnect once the response is complete, to pending and later calls', async () => {
    const outcome = deferred<string[]>();
    const server = await startHttp(async (_scope, receive, send) => {
      await receive();
      const pending = receive();
      await send({ type: 'http.response.start', status: 200 });
      await send({ type: 'http.response.body', body: 'done' });
      outcome.resolve([(await pending).type, (await receive()).type]);
    });
    try {
      const { client, responses } = await exchange(
        server.port,
        'GET / HTTP/1.1\r\nHost: h\r\n\r\n',
      );
      assert.equal(responses[0]!.body.toString(), 'done');
      assert.deepEqual(await outcome.promise, ['http.disconnect', 'http.disconnect']);
      assert.equal(client.closed, false, 'the connection stays open');
      client.destroy();
    } finally {
      await server.close();
    }
  });

  it('[SRV-4] never changes body bytes or scope fields it handed over', async () => {
    const kept: Array<{ body: Uint8Array; copy: Buffer }> = [];
    let scopeCopy = '';
    let scopeSeen: unknown;
    const server = await startHttp(async (scope, receive, send) => {
      scopeSeen = scope;
      scopeCopy = JSON.stringify(scope);
      for (;;) {
        const event = await receive();
        if (event.type !== 'http.request') break;
        kept.push({ body: event.body, copy: Buffer.from(event.body) });
        if (!event.moreBody) break;
      }
      await textApp()(scope, receive, send);
    });
    try {
      const client = await RawClient.connect(server.port);
      client.write('POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 65536\r\n\r\n');
      for (let i = 0; i < 16; i++) {
        client.write(Buffer.alloc(4096, 0x61 + i));
        await turns(3);
      }
      client.write('GET /next HTTP/1.1\r\nHost: h\r\n\r\n');
      await client.responses(2);
      assert.ok(kept.length > 1);
      for (const { body, copy } of kept) assert.ok(copy.equals(body));
      assert.equal(JSON.stringify(scopeSeen), scopeCopy);
      client.destroy();
    } finally {
      await server.close();
    }
  });

  it('answers receive() calls made while an earlier one is pending in order', async () => {
    const got = deferred<string[]>();
    const server = await startHttp(async (_scope, receive, send) => {
      const first = receive();
      const second = receive();
      const events = await Promise.all([first, second]);
      got.resolve(
        events.map((e) => (e.type === 'http.request' ? Buffer.from(e.body).toString() : e.type)),
      );
      await send({ type: 'http.response.start', status: 204 });
      await send({ type: 'http.response.body' });
    });
    try {
      const client = await RawClient.connect(server.port);
      client.write('POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 6\r\n\r\n');
      await turns(10);
      client.write('abc');
      await turns(10);
      client.write('def');
      const texts = await got.promise;
      assert.equal(texts.join(''), 'abcdef');
      client.destroy();
    } finally {
      await server.close();
    }
  });
});

describe('Expect: 100-continue', { timeout: 20_000 }, () => {
  it('[HTTP-REQ-5] sends 100 Continue when the app calls receive() before starting its response', async () => {
    const server = await startHttp(async (scope, receive, send) => {
      const body = await readBody(receive);
      await textApp(`got ${body}`)(scope, receive, send);
    });
    try {
      const client = await RawClient.connect(server.port);
      client.write(
        'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n',
      );
      await client.waitFor(
        (text) => text.startsWith('HTTP/1.1 100 Continue\r\n\r\n'),
        '100 Continue',
      );
      client.write('hello');
      const [response] = await client.responses(1);
      assert.equal(response!.body.toString(), 'got hello');
      client.destroy();
    } finally {
      await server.close();
    }
  });

  it('[HTTP-REQ-5] [HTTP-REQ-6] sends no 100 Continue when the app answers without reading, and closes', async () => {
    const server = await startHttp(async (_scope, _receive, send) => {
      await send({ type: 'http.response.start', status: 417, headers: [['content-length', '0']] });
      await send({ type: 'http.response.body' });
    });
    try {
      const client = await RawClient.connect(server.port);
      client.write(
        'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 100000\r\nExpect: 100-continue\r\n\r\n',
      );
      const [response] = await client.responses(1);
      assert.equal(response!.status, 417);
      assert.equal(header(response!.headers, 'connection'), 'close');
      await client.waitClosed();
      assert.ok(!client.text.includes('100 Continue'));
    } finally {
      await server.close();
    }
  });

  it('[HTTP-REQ-5] sends no 100 Continue when receive() comes after http.response.start, nor without the expectation', async () => {
    const server = await startHttp(async (_scope, receive, send) => {
      await send({ type: 'http.response.start', status: 200 });
      const body = await readBody(receive);
      await send({ type: 'http.response.body', body: `late ${body}` });
    });
    try {
      const client = await RawClient.connect(server.port);
      client.write(
        'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n',
      );
      await turns(20);
      client.write('ab');
      const [response] = await client.responses(1);
      assert.equal(response!.body.toString(), 'late ab');
      const plain = await exchange(
        server.port,
        'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nab',
      );
      assert.ok(!client.text.includes('100 Continue'));
      assert.ok(!plain.client.text.includes('100 Continue'));
      client.destroy();
      plain.client.destroy();
    } finally {
      await server.close();
    }
  });
});

describe('unread request body', { timeout: 20_000 }, () => {
  it('[HTTP-REQ-6] [HTTP-CONN-4] reads and drops a small unread body and keeps the connection', async () => {
    let calls = 0;
    const server = await startHttp(async (scope, receive, send) => {
      calls++;
      if (scope.path === '/partial') {
        await receive(); // only the first piece
      }
      await textApp(`call ${calls}`)(scope, receive, send);
    });
    try {
      const client = await RawClient.connect(server.port);
      const body = 'x'.repeat(30_000);
      client.write(
        `POST /skip HTTP/1.1\r\nHost: h\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      );
      client.write(
        `POST /partial HTTP/1.1\r\nHost: h\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      );
      client.write('GET /after HTTP/1.1\r\nHost: h\r\n\r\n');
      const responses = await client.responses(3);
      assert.deepEqual(
        responses.map((r) => r.body.toString()),
        ['call 1', 'call 2', 'call 3'],
      );
      assert.equal(client.closed, false);
      client.destroy();
    } finally {
      await server.close();
    }
  });

  it('[HTTP-REQ-6] closes the connection when too much body is left unread', async () => {
    const server = await startHttp(textApp('early'));
    try {
      const client = await RawClient.connect(server.port);
      client.write('POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10000000\r\n\r\nsome');
      const [response] = await client.responses(1);
      assert.equal(response!.body.toString(), 'early');
      assert.equal(header(response!.headers, 'connection'), 'close');
      await client.waitClosed();
      // A chunked body of unknown size is read after the response up to the
      // drain budget; past it, the connection closes.
      const chunked = await RawClient.connect(server.port);
      chunked.write(
        'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nsome\r\n',
      );
      await chunked.responses(1);
      const piece = 'y'.repeat(16 * 1024);
      for (let i = 0; i < 8 && !chunked.closed; i++) {
        chunked.write(`${piece.length.toString(16)}\r\n${piece}\r\n`);
        await turns(5);
      }
      await chunked.waitClosed();
    } finally {
      await server.close();
    }
  });

  it('parses what follows a drained body as the next request', async () => {
    const server = await startHttp(async (scope, receive, send) => {
      await textApp(scope.path)(scope, receive, send);
    });
    try {
      const { client, responses } = await exchange(
        server.port,
        'POST /a HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n',
        2,
      );
      assert.deepEqual(
        responses.map((r) => r.body.toString()),
        ['/a', '/b'],
      );
      assert.equal(parseResponses(client.data).length, 2);
      client.destroy();
    } finally {
      await server.close();
    }
  });
});
