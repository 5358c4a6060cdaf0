import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HttpSendEvent } from 'tsgi';
import {
  deferred,
  exchange,
  header,
  headers,
  RawClient,
  startHttp,
  textApp,
  turns,
} from './http-support.js';

/** An app that sends the given events in order, and records how each send() settled. */
function scripted(events: HttpSendEvent[], outcomes: string[] = []) {
  return async (
    _scope: unknown,
    receive: () => Promise<unknown>,
    send: (event: HttpSendEvent) => Promise<void>,
  ) => {
    await receive();
    for (const event of events) {
      try {
        await send(event);
        outcomes.push('ok');
      } catch (error) {
        outcomes.push((error as Error).message);
        throw error;
      }
    }
  };
}

const GET = 'GET / HTTP/1.1\r\nHost: h\r\n\r\n';

describe('response framing', { timeout: 20_000 }, () => {
  it('[HTTP-RESP-9] frames a body sent in one event with content-length', async () => {
    const server = await startHttp(textApp('hello'));
    try {
      const { client, responses } = await exchange(server.port, GET);
      const [response] = responses;
      assert.equal(header(response!.headers, 'content-length'), '5');
      assert.equal(header(response!.headers, 'transfer-encoding'), undefined);
      assert.equal(response!.body.toString(), 'hello');
      client.destroy();
    } finally {
      await server.close();
    }
  });

  it('[HTTP-RESP-9] frames a body of several events with chunks on HTTP/1.1', async () => {
    const server = await startHttp(
      scripted([
        { type: 'http.response.start', status: 200 },
        { type: 'http.response.body', body: 'ab', moreBody: true },
        { type: 'http.response.body', body: 'cd', moreBody: true },
        { type: 'http.response.body', body: 'e' },
      ]),
    );
    try {
      const { client, responses } = await exchange(server.port, GET);
      const [response] = responses;
      assert.equal(header(response!.headers, 'transfer-encoding'), 'chunked');
      assert.equal(header(response!.headers, 'content-length'), undefined);
      assert.equal(response!.body.toString(), 'abcde');
      assert.ok(response!.complete);
      assert.equal(client.closed, false);
      client.destroy();
    } finally {
      await server.close();
    }
  });

  it('[HTTP-RESP-9] frames a body of several events by closing the connection on HTTP/1.0', async () => {
    const server = await startHttp(
      scripted([
        { type: 'http.response.start', status: 200 },
        { type: 'http.response.body', body: 'ab', moreBody: true },
        { type: 'http.response.body', body: 'cd' },
      ]),
    );
    try {
      const client = await RawClient.connect(server.port);
      client.write('GET / HTTP/1.0\r\n\r\n');
      await client.waitClosed();
      assert.match(client.text, /^HTTP\/1\.1 200 OK\r\n/);
      assert.ok(!/transfer-encoding|content-length/i.test(client.text));
      assert.ok(client.text.endsWith('\r\n\r\nabcd'));
    } finally {
      await server.close();
    }
  });

  it('[HTTP-RESP-9] keeps a content-length the app set, across several events', async () => {
    const server = await startHttp(
      scripted([
        { type: 'http.response.start', status: 200, headers: [['content-length', '4']] },
        { type: 'http.response.body', body: 'ab', moreBody: true },
        { type: 'http.response.body', body: 'cd' },
      ]),
    );
    try {
      const { client, responses } = await exchange(server.port, GET);
      assert.equal(header(responses[0]!.headers, 'content-length'), '4');
      assert.equal(header(responses[0]!.headers, 'transfer-encoding'), undefined);
      assert.equal(responses[0]!.body.toString(), 'abcd');
      client.destroy();
    } finally {
      await server.close();
    }
  });

  it('[HTTP-RESP-10] sends no body for HEAD and keeps the content-length the app set', async () => {
    const server = await startHttp(
      scripted([
        {
          type: 'http.response.start',
          status: 200,
          headers: [
            ['content-type', 'text/html'],
            ['content-length', '5120'],
          ],
        },
        { type: 'http.response.body' },
      ]),
    );
    try {
      const client = await RawClient.connect(server.port);
      client.write('HEAD / HTTP/1.1\r\nHost: h\r\n\r\nHEAD / HTTP/1.1\r\nHost: h\r\n\r\n');
      const responses = await client.responses(2, 2);
      assert.equal(header(responses[0]!.headers, 'content-length'), '5120');
      assert.equal(responses[0]!.body.length, 0);
      // The first HEAD response ended where the next one begins.
      assert.match(responses[1]!.raw, /^HTTP\/1\.1 200 OK\r\n/);
      assert.equal(client.text.split('HTTP/1.1 200 OK').length, 3);
      client.destroy();
    } finally {
      await server.close();
    }
  });

  it('[HTTP-RESP-10] sends neither body nor content-length on 204, and keeps content-length on 304', async () => {
    for (const [status, expected] of [
      [204, undefined],
      [304, '10'],
    ] as const) {
      const server = await startHttp(
        scripted([
          { type: 'http.response.start', status, headers: [['content-length', '10']] },
          { type: 'http.response.body' },
        ]),
      );
      try {
        const client = await RawClient.connect(server.port);
        client.write(`${GET}${GET}`);
        const responses = await client.responses(2);
        assert.equal(responses[0]!.status, status);
        assert.equal(header(responses[0]!.headers, 'content-length'), expected);
        assert.equal(header(responses[0]!.headers, 'transfer-encoding'), undefined);
        assert.equal(responses[1]!.status, status, 'nothing between the two responses');
        client.destroy();
      } finally {
        await server.close();
      }
    }
  });

  it('[HTTP-RESP-12] [HTTP-RESP-13] writes the fields in order, each set-cookie on its own line, values byte for byte', async () => {
    const server = await startHttp(
      scripted([
        {
          type: 'http.response.start',
          status: 200,
          headers: [
            ['x-first', '1'],
            ['set-cookie', 'a=1; Path=/'],
            ['x-latin', 'caf\u00e9'],
            ['set-cookie', 'b=2; Path=/'],
            ['x-last', '2'],
          ],
        },
        { type: 'http.response.body', body: 'x' },
      ]),
    );
    try {
      const { client, responses } = await exchange(server.port, GET);
      const names = responses[0]!.headers.map(([name]) => name);
      assert.deepEqual(
        names.filter((name) => name.startsWith('x-') || name === 'set-cookie'),
        ['x-first', 'set-cookie', 'x-latin', 'set-cookie', 'x-last'],
      );
      assert.deepEqual(headers(responses[0]!.headers, 'set-cookie'), [
        'a=1; Path=/',
        'b=2; Path=/',
      ]);
      assert.ok(client.data.includes(Buffer.from('x-latin: caf\xe9\r\n', 'latin1')));
      client.destroy();
    } finally {
      await server.close();
    }
  });

  it('[HTTP-RESP-13] owns transfer-encoding: the app cannot frame the body', async () => {
    const server = await startHttp(
      scripted([
        { type: 'http.response.start', status: 200, headers: [['transfer-encoding', 'gzip']] },
        { type: 'http.response.body', body: 'plain' },
      ]),
    );
    try {
      const { client, responses } = await exchange(server.port, GET);
      assert.equal(header(responses[0]!.headers, 'transfer-encoding'), undefined);
      assert.equal(header(responses[0]!.headers, 'content-length'), '5');
      assert.equal(responses[0]!.body.toString(), 'plain');
      client.destroy();
    } finally {
      await server.close();
    }
  });

  it('[HTTP-RESP-14] adds a date field, and keeps the one the app set', async () => {
    const server = await startHttp(async (scope, _receive, send) => {
      await send({
        type: 'http.response.start',
        status: 200,
        headers: scope.path === '/own' ? [['date', 'Tue, 03 Jun 2025 10:00:00 GMT']] : [],
      });
      await send({ type: 'http.response.body' });
    });
    try {
      const client = await RawClient.connect(server.port);
      client.write('GET / HTTP/1.1\r\nHost: h\r\n\r\nGET /own HTTP/1.1\r\nHost: h\r\n\r\n');
      const [added, own] = await client.responses(2);
      assert.match(
        header(added!.headers, 'date') ?? '',
        /^\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT$/,
      );
      assert.deepEqual(headers(own!.headers, 'date'), ['Tue, 03 Jun 2025 10:00:00 GMT']);
      client.destroy();
    } finally {
      await server.close();
    }
  });

  it('[HTTP-RESP-15] encodes a string body as UTF-8, lone surrogates as U+FFFD, and counts the bytes', async () => {
    const server = await startHttp(textApp('é\uD800!'));
    try {
      const { client, responses } = await exchange(server.port, GET);
      assert.deepEqual([...responses[0]!.body], [0xc3, 0xa9, 0xef, 0xbf, 0xbd, 0x21]);
      assert.equal(header(responses[0]!.headers, 'content-length'), '6');
      client.destroy();
    } finally {
      await server.close();
    }
  });

  it('[HTTP-RESP-15] [HTTP-RESP-7] counts string bytes against the content-length the app set', async () => {
    const outcomes: string[] = [];
    const server = await startHttp(
      scripted(
        [
          { type: 'http.response.start', status: 200, headers: [['content-length', '2']] },
          { type: 'http.response.body', body: 'é' },
        ],
        outcomes,
      ),
    );
    try {
      const { client, responses } = await exchange(server.port, GET);
      assert.deepEqual([...responses[0]!.body], [0xc3, 0xa9]);
      assert.deepEqual(outcomes, ['ok', 'ok']);
      client.destroy();
    } finally {
      await server.close();
    }
  });
});

describe('response checks', { timeout: 20_000 }, () => {
  for (const [what, value] of [
    ['a CR LF', 'a\r\nx-injected: 1'],
    ['a NUL', 'a\u0000b'],
    ['a character above U+00FF', 'snow \u2603'],
  ] as const) {
    it(`[HTTP-RESP-16] [HTTP-RESP-3] refuses a header value with ${what}, transmits nothing of it, and answers 500`, async () => {
      const outcomes: string[] = [];
      const server = await startHttp(
        scripted(
          [
            { type: 'http.response.start', status: 200, headers: [['x-bad', value]] },
            { type: 'http.response.body', body: 'never' },
          ],
          outcomes,
        ),
      );
      try {
        const { client, responses } = await exchange(server.port, GET);
        assert.equal(responses[0]!.status, 500);
        assert.equal(header(responses[0]!.headers, 'x-bad'), undefined);
        assert.ok(!client.text.includes('x-injected'));
        assert.match(outcomes[0]!, /^\[HTTP-RESP-3\] /);
        client.destroy();
      } finally {
        await server.close();
      }
    });
  }

  it('[HTTP-RESP-16] [HTTP-RESP-2] [SRV-3] refuses a status of 600 and answers 500', async () => {
    const outcomes: string[] = [];
    const server = await startHttp(
      scripted([{ type: 'http.response.start', status: 600 }], outcomes),
    );
    try {
      const { client, responses } = await exchange(server.port, GET);
      assert.equal(responses[0]!.status, 500);
      assert.match(outcomes[0]!, /^\[HTTP-RESP-2\] /);
      client.destroy();
    } finally {
      await server.close();
    }
  });

  it('[SRV-3] refuses an event of unknown type, and every send after it', async () => {
    const outcomes: string[] = [];
    const server = await startHttp(async (_scope, receive, send) => {
      await receive();
      for (const event of [
        { type: 'http.response.nonsense' },
        { type: 'http.response.start', status: 200 },
      ]) {
        try {
          await send(event as HttpSendEvent);
          outcomes.push('ok');
        } catch (error) {
          outcomes.push((error as Error).message);
        }
      }
    });
    try {
      const { client, responses } = await exchange(server.port, GET);
      assert.equal(responses[0]!.status, 500);
      assert.match(outcomes[0]!, /^\[SRV-3\] /);
      assert.equal(outcomes[1], outcomes[0]);
      client.destroy();
    } finally {
      await server.close();
    }
  });

  it('[EXT-2] refuses an event of an extension that was not advertised', async () => {
    const outcomes: string[] = [];
    const server = await startHttp(
      scripted(
        [
          { type: 'http.response.start', status: 200, trailers: true },
          { type: 'http.response.body', body: 'x' },
        ],
        outcomes,
      ),
    );
    try {
      // No TE: trailers, so trailers are not advertised.
      const { client, responses } = await exchange(server.port, GET);
      assert.equal(responses[0]!.status, 500);
      assert.match(outcomes[0]!, /^\[EXT-1\] /);
      client.destroy();
    } finally {
      await server.close();
    }
  });

  it('[HTTP-RESP-11] rejects the send that passes content-length and aborts the response', async () => {
    const outcomes: string[] = [];
    const server = await startHttp(
      scripted(
        [
          { type: 'http.response.start', status: 200, headers: [['content-length', '3']] },
          { type: 'http.response.body', body: 'ab', moreBody: true },
          { type: 'http.response.body', body: 'cd' },
        ],
        outcomes,
      ),
    );
    try {
      const client = await RawClient.connect(server.port);
      client.write(GET);
      await client.waitClosed();
      assert.deepEqual(outcomes.slice(0, 2), ['ok', 'ok']);
      assert.match(outcomes[2]!, /^\[HTTP-RESP-7\] /);
      assert.ok(client.text.endsWith('\r\n\r\nab'), JSON.stringify(client.text));
    } finally {
      await server.close();
    }
  });

  it('[HTTP-RESP-11] rejects the send that ends the body short of content-length and aborts', async () => {
    const outcomes: string[] = [];
    const server = await startHttp(
      scripted(
        [
          { type: 'http.response.start', status: 200, headers: [['content-length', '10']] },
          { type: 'http.response.body', body: 'ab', moreBody: true },
          { type: 'http.response.body', body: 'cd' },
        ],
        outcomes,
      ),
    );
    try {
      const client = await RawClient.connect(server.port);
      client.write(GET);
      await client.waitClosed();
      assert.match(outcomes[2]!, /^\[HTTP-RESP-7\] /);
      const body = client.text.slice(client.text.indexOf('\r\n\r\n') + 4);
      assert.ok(body.length < 10, 'the client cannot take the response as complete');
    } finally {
      await server.close();
    }
  });
});

describe('connections', { timeout: 20_000 }, () => {
  it('[HTTP-CONN-1] answers pipelined requests in order, whatever order the apps finish in', async () => {
    const gates = new Map<string, ReturnType<typeof deferred<void>>>();
    for (const path of ['/1', '/2', '/3']) gates.set(path, deferred<void>());
    const server = await startHttp(async (scope, receive, send) => {
      await gates.get(scope.path)?.promise;
      await textApp(scope.path)(scope, receive, send);
    });
    try {
      const client = await RawClient.connect(server.port);
      client.write(
        'GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\nGET /3 HTTP/1.1\r\nHost: h\r\n\r\n',
      );
      await turns(10);
      gates.get('/3')!.resolve();
      gates.get('/2')!.resolve();
      await turns(10);
      gates.get('/1')!.resolve();
      const responses = await client.responses(3);
      assert.deepEqual(
        responses.map((r) => r.body.toString()),
        ['/1', '/2', '/3'],
      );
      client.destroy();
    } finally {
      await server.close();
    }
  });

  it('[HTTP-CONN-4] keeps the connection after a complete response, and closes when the app or the client asks', async () => {
    const server = await startHttp(async (scope, _receive, send) => {
      await send({
        type: 'http.response.start',
        status: 200,
        headers: scope.path === '/bye' ? [['connection', 'close']] : [],
      });
      await send({ type: 'http.response.body', body: scope.path });
    });
    try {
      const client = await RawClient.connect(server.port);
      client.write(GET);
      await client.responses(1);
      client.write('GET /bye HTTP/1.1\r\nHost: h\r\n\r\n');
      await client.responses(2);
      await client.waitClosed();
      const asked = await RawClient.connect(server.port);
      asked.write('GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n');
      const [response] = await asked.responses(1);
      assert.equal(header(response!.headers, 'connection'), 'close');
      await asked.waitClosed();
    } finally {
      await server.close();
    }
  });
});
