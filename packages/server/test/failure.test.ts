import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClientDisconnectedError, isClientDisconnected } from 'tsgi';
import {
  deferred,
  exchange,
  header,
  RawClient,
  startHttp,
  textApp,
  until,
} from './http-support.js';

const GET = 'GET / HTTP/1.1\r\nHost: h\r\n\r\n';

/** The error log lines at error level. */
function errors(log: string[]): string[] {
  return log.filter((line) => line.includes('[ERROR]'));
}

describe('failures before the response started', { timeout: 20_000 }, () => {
  it('[HTTP-FAIL-1] [HTTP-FAIL-4] answers 500 revealing nothing, logs the stack, and keeps serving', async () => {
    const server = await startHttp(async (scope, receive, send) => {
      if (scope.path === '/boom') throw new Error('secret database password in /srv/app/db.js');
      await textApp('fine')(scope, receive, send);
    });
    try {
      const client = await RawClient.connect(server.port);
      client.write('GET /boom HTTP/1.1\r\nHost: h\r\n\r\nGET /next HTTP/1.1\r\nHost: h\r\n\r\n');
      const [failed, next] = await client.responses(2);
      assert.equal(failed!.status, 500);
      assert.ok(!failed!.raw.includes('secret'));
      assert.ok(!failed!.raw.includes('db.js'));
      assert.equal(next!.body.toString(), 'fine');
      await until(() => errors(server.log).length > 0, 'the error log line');
      const line = errors(server.log)[0]!;
      assert.match(line, /GET \/boom/);
      assert.match(line, /secret database password/);
      assert.match(line, /\n\s+at /, 'the stack is logged');
      client.destroy();
    } finally {
      await server.close();
    }
  });

  it('[HTTP-FAIL-1] treats a synchronous throw like a rejection', async () => {
    const server = await startHttp(((_scope: unknown) => {
      throw new Error('sync');
    }) as never);
    try {
      const { client, responses } = await exchange(server.port, GET);
      assert.equal(responses[0]!.status, 500);
      client.destroy();
    } finally {
      await server.close();
    }
  });

  it('[HTTP-FAIL-1] answers 500 after early hints, which do not start the response', async () => {
    const server = await startHttp(async (_scope, _receive, send) => {
      await send({
        type: 'http.response.earlyHints',
        headers: [['link', '</a.css>; rel=preload']],
      });
      throw new Error('after hints');
    });
    try {
      const { client, responses } = await exchange(server.port, GET);
      assert.match(client.text, /^HTTP\/1\.1 103 Early Hints\r\n/);
      assert.equal(responses[0]!.status, 500);
      client.destroy();
    } finally {
      await server.close();
    }
  });

  it('[HTTP-FAIL-3] answers 500 when the app returns without starting a response', async () => {
    const server = await startHttp(async () => {});
    try {
      const { client, responses } = await exchange(server.port, GET);
      assert.equal(responses[0]!.status, 500);
      assert.equal(header(responses[0]!.headers, 'content-type'), 'text/plain; charset=utf-8');
      await until(
        () => errors(server.log).some((line) => line.includes('HTTP-FAIL-5')),
        'the log line',
      );
      client.destroy();
    } finally {
      await server.close();
    }
  });
});

describe('failures after the response started', { timeout: 20_000 }, () => {
  it('[HTTP-FAIL-2] aborts a chunked response when the app throws after start', async () => {
    const server = await startHttp(async (_scope, _receive, send) => {
      await send({ type: 'http.response.start', status: 200 });
      await send({ type: 'http.response.body', body: 'partial', moreBody: true });
      throw new Error('midway');
    });
    try {
      const client = await RawClient.connect(server.port);
      client.write(GET);
      await client.waitClosed();
      assert.match(client.text, /^HTTP\/1\.1 200 OK\r\n/);
      assert.ok(client.text.includes('partial'));
      assert.ok(!client.text.endsWith('0\r\n\r\n'), 'the chunked body is not terminated');
      await until(() => errors(server.log).some((line) => line.includes('midway')), 'the log line');
    } finally {
      await server.close();
    }
  });

  it('[HTTP-FAIL-2] resets the connection of a close-delimited HTTP/1.0 response', async () => {
    const gate = deferred<void>();
    const server = await startHttp(async (_scope, _receive, send) => {
      await send({ type: 'http.response.start', status: 200 });
      await send({ type: 'http.response.body', body: 'partial', moreBody: true });
      await gate.promise;
      throw new Error('midway');
    });
    try {
      const client = await RawClient.connect(server.port);
      client.write('GET / HTTP/1.0\r\n\r\n');
      // The reset must reach a client that is waiting to read: Linux reports
      // a reset that arrives behind unread data as an ordinary end.
      await client.waitFor((text) => text.endsWith('partial'), 'the first piece');
      gate.resolve();
      await client.waitClosed();
      assert.equal((client.error as NodeJS.ErrnoException | null)?.code, 'ECONNRESET');
    } finally {
      await server.close();
    }
  });

  it('[HTTP-FAIL-3] aborts when the app returns after start without finishing', async () => {
    const server = await startHttp(async (_scope, _receive, send) => {
      await send({
        type: 'http.response.start',
        status: 200,
        headers: [['content-length', '100']],
      });
      await send({ type: 'http.response.body', body: 'short', moreBody: true });
    });
    try {
      const client = await RawClient.connect(server.port);
      client.write(GET);
      await client.waitClosed();
      const body = client.text.slice(client.text.indexOf('\r\n\r\n') + 4);
      assert.equal(body, 'short');
    } finally {
      await server.close();
    }
  });
});

describe('client disconnects', { timeout: 20_000 }, () => {
  it('[HTTP-DISC-2] rejects send() with ClientDisconnectedError once the client is gone', async () => {
    const outcome = deferred<unknown>();
    const server = await startHttp(async (_scope, receive, send) => {
      await receive();
      await send({ type: 'http.response.start', status: 200 });
      await send({ type: 'http.response.body', body: 'first', moreBody: true });
      // Wait for the departure, then send in any order: the client is gone.
      while ((await receive()).type !== 'http.disconnect') {}
      try {
        await send({ type: 'http.response.body', body: 'more', moreBody: true });
        outcome.resolve('resolved');
      } catch (error) {
        outcome.resolve(error);
      }
      try {
        await send({ type: 'http.response.start', status: 200 });
      } catch (error) {
        assert.ok(isClientDisconnected(error), 'out-of-order events get the same error');
      }
    });
    try {
      const client = await RawClient.connect(server.port);
      client.write(GET);
      await client.waitFor((text) => text.includes('first'), 'the first piece');
      client.destroy();
      const error = await outcome.promise;
      assert.ok(error instanceof ClientDisconnectedError);
      assert.equal((error as ClientDisconnectedError).code, 'ERR_TSGI_CLIENT_DISCONNECTED');
    } finally {
      await server.close();
    }
  });

  it('[HTTP-DISC-4] does not log a ClientDisconnectedError that escapes the app as an error', async () => {
    const done = deferred<void>();
    const server = await startHttp(async (_scope, receive, send) => {
      try {
        await receive();
        await send({ type: 'http.response.start', status: 200 });
        for (;;)
          await send({ type: 'http.response.body', body: 'x'.repeat(65536), moreBody: true });
      } finally {
        done.resolve();
      }
    });
    try {
      const client = await RawClient.connect(server.port);
      client.write(GET);
      await client.waitFor((text) => text.includes('xxxx'), 'some body');
      client.destroy();
      await done.promise;
      await until(() => server.handle.inFlight() === 0, 'the app to settle');
      assert.deepEqual(errors(server.log), []);
      assert.ok(
        server.log.some((line) => line.includes('[DEBUG]') && line.includes('client disconnected')),
      );
    } finally {
      await server.close();
    }
  });

  it('[SRV-5] [HTTP-DISC-1] keeps serving other connections while one app waits, and after its client leaves', async () => {
    const started = deferred<void>();
    const server = await startHttp(async (scope, receive, send) => {
      if (scope.path === '/hang') {
        started.resolve();
        await receive();
        while ((await receive()).type !== 'http.disconnect') {}
        return;
      }
      await textApp('other')(scope, receive, send);
    });
    try {
      const hanging = await RawClient.connect(server.port);
      hanging.write('POST /hang HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n');
      await started.promise;
      const { client, responses } = await exchange(server.port, GET);
      assert.equal(responses[0]!.body.toString(), 'other');
      client.destroy();
      hanging.destroy();
      await until(() => server.handle.inFlight() === 0, 'the hanging app to see the disconnect');
    } finally {
      await server.close();
    }
  });
});
