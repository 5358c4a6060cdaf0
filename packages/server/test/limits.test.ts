import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  deferred,
  exchange,
  header,
  RawClient,
  readBody,
  sleep,
  startHttp,
  textApp,
  until,
} from './http-support.js';

/** A server that counts app calls and echoes the body length. */
async function countingServer(options = {}) {
  const calls: string[] = [];
  const server = await startHttp(async (scope, receive, send) => {
    calls.push(scope.path);
    const body = await readBody(receive);
    await textApp(body === null ? 'gone' : `len ${body.length}`)(scope, receive, send);
  }, options);
  return { server, calls };
}

async function statusOf(port: number, request: string): Promise<number> {
  const { client, responses } = await exchange(port, request);
  client.destroy();
  return responses[0]!.status;
}

describe('request line and header limits', { timeout: 20_000 }, () => {
  it('[SEC-7] [HTTP-CONN-3] accepts a request line at maxRequestLineSize and answers 414 one byte over', async () => {
    const { server, calls } = await countingServer({ maxRequestLineSize: 100 });
    try {
      // "GET " + target + " HTTP/1.1" is the target plus 13 bytes.
      const at = `/${'a'.repeat(100 - 13 - 1)}`;
      assert.equal(`GET ${at} HTTP/1.1`.length, 100);
      assert.equal(await statusOf(server.port, `GET ${at} HTTP/1.1\r\nHost: h\r\n\r\n`), 200);
      assert.equal(await statusOf(server.port, `GET ${at}b HTTP/1.1\r\nHost: h\r\n\r\n`), 414);
      assert.equal(calls.length, 1);
    } finally {
      await server.close();
    }
  });

  it('[SEC-7] answers 414 for a request line longer than the whole header section allows', async () => {
    const { server, calls } = await countingServer({ maxRequestLineSize: 100, maxHeaderSize: 200 });
    try {
      const client = await RawClient.connect(server.port);
      client.write(`GET /${'a'.repeat(400)} HTTP/1.1\r\nHost: h\r\n\r\n`);
      await client.waitClosed();
      assert.match(client.text, /^HTTP\/1\.1 414 /);
      assert.equal(calls.length, 0);
    } finally {
      await server.close();
    }
  });

  it('[SEC-7] [HTTP-CONN-3] accepts maxHeaderCount fields and answers 431 to one more', async () => {
    const { server, calls } = await countingServer({ maxHeaderCount: 5 });
    try {
      const fields = (n: number) =>
        Array.from({ length: n - 1 }, (_, i) => `X-${i}: v\r\n`).join('');
      assert.equal(
        await statusOf(server.port, `GET / HTTP/1.1\r\nHost: h\r\n${fields(5)}\r\n`),
        200,
      );
      assert.equal(
        await statusOf(server.port, `GET / HTTP/1.1\r\nHost: h\r\n${fields(6)}\r\n`),
        431,
      );
      assert.equal(calls.length, 1);
    } finally {
      await server.close();
    }
  });

  it('[SEC-7] [HTTP-CONN-3] accepts a header section of maxHeaderSize and answers 431 one byte over', async () => {
    const { server, calls } = await countingServer({ maxHeaderSize: 200 });
    try {
      // Counted: the target "/" (1), "Host" + "h" (5), "X-Fill" + the value (6 + n).
      const request = (n: number) =>
        `GET / HTTP/1.1\r\nHost: h\r\nX-Fill: ${'v'.repeat(n)}\r\n\r\n`;
      assert.equal(await statusOf(server.port, request(188)), 200);
      const client = await RawClient.connect(server.port);
      client.write(request(189));
      await client.waitClosed();
      assert.match(client.text, /^HTTP\/1\.1 431 /);
      assert.equal(calls.length, 1);
    } finally {
      await server.close();
    }
  });
});

describe('body size limit', { timeout: 20_000 }, () => {
  it('[SEC-7] [HTTP-CONN-3] accepts a declared body of maxBodySize and answers 413 one byte over, without calling the app', async () => {
    const { server, calls } = await countingServer({ maxBodySize: 10 });
    try {
      const { client, responses } = await exchange(
        server.port,
        'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n0123456789',
      );
      client.destroy();
      assert.equal(responses[0]!.body.toString(), 'len 10');
      const over = await RawClient.connect(server.port);
      over.write('POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\n0123456789a');
      const [response] = await over.responses(1);
      assert.equal(response!.status, 413);
      await over.waitClosed();
      assert.equal(calls.length, 1);
    } finally {
      await server.close();
    }
  });

  it('[SEC-7] [HTTP-REQ-4] cuts off a chunked body past maxBodySize: 413 to the client, http.disconnect to the app', async () => {
    const { server, calls } = await countingServer({ maxBodySize: 10 });
    try {
      const { client, responses } = await exchange(
        server.port,
        'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\na\r\n0123456789\r\n0\r\n\r\n',
      );
      client.destroy();
      assert.equal(responses[0]!.body.toString(), 'len 10');
      const over = await RawClient.connect(server.port);
      over.write(
        'POST /big HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nb\r\n0123456789a\r\n0\r\n\r\n',
      );
      const [response] = await over.responses(1);
      assert.equal(response!.status, 413);
      await over.waitClosed();
      assert.deepEqual(calls, ['/', '/big']);
      await until(() => server.handle.inFlight() === 0, 'the app to settle');
    } finally {
      await server.close();
    }
  });
});

describe('timeouts', { timeout: 30_000 }, () => {
  it('[SEC-7] answers 408 to a client that is too slow with its headers, while serving others', async () => {
    const { server, calls } = await countingServer({ headersTimeout: 0.5 });
    try {
      const slow = await RawClient.connect(server.port);
      slow.write('GET / HTTP/1.1\r\nHost: h\r\n');
      const trickle = setInterval(() => {
        if (!slow.closed) slow.write('X-Slow: 1\r\n');
      }, 100);
      try {
        assert.equal(await statusOf(server.port, 'GET /other HTTP/1.1\r\nHost: h\r\n\r\n'), 200);
        await slow.waitClosed(5000);
      } finally {
        clearInterval(trickle);
      }
      assert.match(slow.text, /^HTTP\/1\.1 408 /);
      assert.deepEqual(calls, ['/other']);
    } finally {
      await server.close();
    }
  });

  it('[SEC-7] [HTTP-REQ-4] cuts off a body that is too slow: 408 to the client, http.disconnect to the app', async () => {
    const { server, calls } = await countingServer({ headersTimeout: 0.4, requestTimeout: 0.6 });
    try {
      const slow = await RawClient.connect(server.port);
      slow.write('POST /slow HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\nabc');
      await until(() => calls.length === 1, 'the app to be called');
      assert.equal(await statusOf(server.port, 'GET /other HTTP/1.1\r\nHost: h\r\n\r\n'), 200);
      await slow.waitClosed(5000);
      assert.match(slow.text, /^HTTP\/1\.1 408 /);
      await until(() => server.handle.inFlight() === 0, 'the slow app to see the disconnect');
    } finally {
      await server.close();
    }
  });

  it('[SEC-7] closes a keep-alive connection left idle past keepAliveTimeout', async () => {
    const { server } = await countingServer({ keepAliveTimeout: 0.3 });
    try {
      const client = await RawClient.connect(server.port);
      client.write('GET / HTTP/1.1\r\nHost: h\r\n\r\n');
      const [response] = await client.responses(1);
      assert.equal(header(response!.headers, 'connection'), 'keep-alive');
      assert.equal(client.closed, false);
      await client.waitClosed(5000);
    } finally {
      await server.close();
    }
  });
});

describe('connection and concurrency limits', { timeout: 20_000 }, () => {
  it('[HTTP-CONN-4] closes a connection after maxRequestsPerConnection requests', async () => {
    const { server } = await countingServer({ maxRequestsPerConnection: 2 });
    try {
      const client = await RawClient.connect(server.port);
      client.write('GET /1 HTTP/1.1\r\nHost: h\r\n\r\n');
      const [first] = await client.responses(1);
      assert.equal(header(first!.headers, 'connection'), 'keep-alive');
      client.write('GET /2 HTTP/1.1\r\nHost: h\r\n\r\n');
      const [, second] = await client.responses(2);
      assert.equal(header(second!.headers, 'connection'), 'close');
      await client.waitClosed();
    } finally {
      await server.close();
    }
  });

  it('[SEC-7] answers 503 with Retry-After beyond limitConcurrency, without calling the app', async () => {
    const gate = deferred<void>();
    const calls: string[] = [];
    const server = await startHttp(
      async (scope, receive, send) => {
        calls.push(scope.path);
        if (scope.path === '/hold') await gate.promise;
        await textApp()(scope, receive, send);
      },
      { limitConcurrency: 1 },
    );
    try {
      const holder = await RawClient.connect(server.port);
      holder.write('GET /hold HTTP/1.1\r\nHost: h\r\n\r\n');
      await until(() => calls.length === 1, 'the first request to start');
      const { client, responses } = await exchange(
        server.port,
        'GET /refused HTTP/1.1\r\nHost: h\r\n\r\n',
      );
      client.destroy();
      assert.equal(responses[0]!.status, 503);
      assert.equal(header(responses[0]!.headers, 'retry-after'), '1');
      assert.deepEqual(calls, ['/hold']);
      gate.resolve();
      await holder.responses(1);
      holder.destroy();
      await until(() => server.handle.inFlight() === 0, 'the first request to finish');
      assert.equal(await statusOf(server.port, 'GET /after HTTP/1.1\r\nHost: h\r\n\r\n'), 200);
      await sleep(0);
    } finally {
      await server.close();
    }
  });
});
