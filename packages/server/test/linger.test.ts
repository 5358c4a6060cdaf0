// Lingering close: a request refused before it was read is answered, and the
// connection is read and discarded for a while, so that a client still sending
// reads the whole answer instead of a reset. The clients here send their
// request in pieces and read only once everything is sent: the case where an
// immediate close makes the client's next write fail with EPIPE or ECONNRESET
// and lose the answer waiting in its receive buffer.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { STATUS_CODES } from 'node:http';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { isLingering, type LingerBounds, lingeringClose } from '../src/http/linger.js';
import {
  parseResponses,
  readBody,
  sleep,
  startHttp,
  startServer,
  textApp,
} from './http-support.js';

const MiB = 1024 * 1024;
const PIECE = 64 * 1024;
const TLS_DIR = fileURLToPath(new URL('./fixtures/tls/', import.meta.url));

/** What a client saw of the server's side of one connection. */
interface Outcome {
  /** Everything received. */
  data: Buffer;
  /** The socket error, such as EPIPE or ECONNRESET, or `null`. */
  error: string | null;
  /** Whether the server ended its side with a FIN (rather than only a reset). */
  ended: boolean;
}

/**
 * Sends `request` on `socket` in 64 KiB pieces, each once the previous one
 * was taken, a few milliseconds apart, without reading; then reads until the
 * server closes the connection, or with `served` until a whole response came.
 */
async function sendThenRead(socket: Socket, request: Buffer, served = false): Promise<Outcome> {
  socket.pause();
  const chunks: Buffer[] = [];
  let error: string | null = null;
  let ended = false;
  socket.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    if (served && parseResponses(Buffer.concat(chunks)).some((r) => r.complete)) socket.destroy();
  });
  socket.on('error', (e: NodeJS.ErrnoException) => {
    error ??= e.code ?? e.message;
  });
  socket.on('end', () => {
    ended = true;
  });
  const closed = once(socket, 'close');
  for (let at = 0; at < request.length && error === null && !socket.destroyed; at += PIECE) {
    await new Promise<void>((resolve) => {
      socket.write(request.subarray(at, at + PIECE), () => resolve());
    });
    await sleep(2);
  }
  socket.resume();
  await closed;
  return { data: Buffer.concat(chunks), error, ended };
}

async function tcp(port: number): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  return socket;
}

/** Checks that the client read a complete answer with `status`, then an orderly close. */
function assertAnswered(outcome: Outcome, status: number, what: string): void {
  assert.equal(outcome.error, null, `${what}: the client saw ${outcome.error}`);
  const [response] = parseResponses(outcome.data);
  assert.ok(response !== undefined, `${what}: no response in ${outcome.data.length} bytes`);
  assert.equal(response.status, status, what);
  assert.ok(response.complete, `${what}: the response was cut short`);
  assert.equal(response.body.toString().trim(), STATUS_CODES[status], what);
  assert.equal(outcome.ended, true, `${what}: the server did not close its side`);
}

/** A server that counts app calls and answers with the length of the body it read. */
async function countingServer(options = {}) {
  const calls: string[] = [];
  const server = await startHttp(async (scope, receive, send) => {
    calls.push(scope.rawPath);
    const body = await readBody(receive);
    await textApp(body === null ? 'gone' : `len ${body.length}`)(scope, receive, send);
  }, options);
  return { server, calls };
}

function bytes(text: string): Buffer {
  return Buffer.from(text, 'latin1');
}

/** A request with a `content-length` body of `size` bytes. */
function withBody(head: string, size: number): Buffer {
  return Buffer.concat([bytes(`${head}Content-Length: ${size}\r\n\r\n`), Buffer.alloc(size, 0x61)]);
}

describe('lingering close of refused requests', { timeout: 60_000 }, () => {
  it('[SEC-7] [HTTP-CONN-3] a client still sending a 1 MiB target reads the whole 414', async () => {
    const { server, calls } = await countingServer();
    try {
      for (let i = 0; i < 3; i++) {
        const request = bytes(`GET /?pad=${'x'.repeat(MiB)} HTTP/1.1\r\nHost: h\r\n\r\n`);
        assertAnswered(await sendThenRead(await tcp(server.port), request), 414, '1 MiB target');
      }
      assert.equal(calls.length, 0);
    } finally {
      await server.close();
    }
  });

  it('[SEC-7] [HTTP-CONN-3] a client still sending a 1 MiB header field reads the whole 431', async () => {
    const { server, calls } = await countingServer();
    try {
      for (let i = 0; i < 3; i++) {
        const request = bytes(`GET / HTTP/1.1\r\nHost: h\r\nX-Huge: ${'x'.repeat(MiB)}\r\n\r\n`);
        assertAnswered(await sendThenRead(await tcp(server.port), request), 431, '1 MiB header');
      }
      assert.equal(calls.length, 0);
    } finally {
      await server.close();
    }
  });

  it('[SEC-7] serves a request line of exactly maxRequestLineSize, and answers 414 to one more byte while its 1 MiB body is still coming', async () => {
    const { server, calls } = await countingServer();
    try {
      // "GET " + target + " HTTP/1.1": the target plus 13 bytes, 8190 in all.
      const target = (length: number) => `/${'a'.repeat(length - 1)}`;
      const line = (length: number) => `GET ${target(length)} HTTP/1.1\r\nHost: h\r\n`;
      assert.equal(`GET ${target(8177)} HTTP/1.1`.length, 8190);
      const at = await sendThenRead(await tcp(server.port), withBody(line(8177), MiB), true);
      assert.equal(parseResponses(at.data)[0]?.body.toString(), `len ${MiB}`);
      const over = await sendThenRead(await tcp(server.port), withBody(line(8178), MiB));
      assertAnswered(over, 414, 'request line one byte over');
      assert.equal(calls.length, 1);
    } finally {
      await server.close();
    }
  });

  it('[SEC-7] serves a header section of exactly maxHeaderSize, and answers 431 to one more byte while its 1 MiB body is still coming', async () => {
    const { server, calls } = await countingServer();
    try {
      // Counted: the target "/" (1), "Host" + "h" (5), "Content-Length" + "1048576" (21),
      // "X-Fill" + the value (6 + n): 16384 in all for n = 16351.
      const head = (n: number) => `POST / HTTP/1.1\r\nHost: h\r\nX-Fill: ${'v'.repeat(n)}\r\n`;
      const at = await sendThenRead(await tcp(server.port), withBody(head(16351), MiB), true);
      assert.equal(parseResponses(at.data)[0]?.body.toString(), `len ${MiB}`);
      const over = await sendThenRead(await tcp(server.port), withBody(head(16352), MiB));
      assertAnswered(over, 431, 'header section one byte over');
      assert.equal(calls.length, 1);
    } finally {
      await server.close();
    }
  });

  it('[SEC-7] serves maxHeaderCount fields, and answers 431 to one more while its 1 MiB body is still coming', async () => {
    const { server, calls } = await countingServer();
    try {
      // Host and Content-Length are two of them.
      const head = (count: number) =>
        `POST / HTTP/1.1\r\nHost: h\r\n${Array.from({ length: count - 2 }, (_, i) => `X-${i}: v\r\n`).join('')}`;
      const at = await sendThenRead(await tcp(server.port), withBody(head(100), MiB), true);
      assert.equal(parseResponses(at.data)[0]?.body.toString(), `len ${MiB}`);
      const over = await sendThenRead(await tcp(server.port), withBody(head(101), MiB));
      assertAnswered(over, 431, 'one header field too many');
      assert.equal(calls.length, 1);
    } finally {
      await server.close();
    }
  });

  it('[SEC-7] accepts a body of maxBodySize, and answers 413 to one byte more while that body is still coming', async () => {
    const { server, calls } = await countingServer({ maxBodySize: MiB });
    try {
      const head = 'POST /upload HTTP/1.1\r\nHost: h\r\n';
      const at = await sendThenRead(await tcp(server.port), withBody(head, MiB), true);
      assert.equal(parseResponses(at.data)[0]?.body.toString(), `len ${MiB}`);
      const over = await sendThenRead(await tcp(server.port), withBody(head, MiB + 1));
      assertAnswered(over, 413, 'a body one byte over');
      assert.equal(calls.length, 1);
    } finally {
      await server.close();
    }
  });

  it('[SEC-7] lingers over TLS too: a 1 MiB header field gets its whole 431', async () => {
    const { server, calls } = await countingServer({
      certfile: `${TLS_DIR}cert.pem`,
      keyfile: `${TLS_DIR}key.pem`,
    });
    try {
      const socket = tlsConnect({
        port: server.port,
        host: '127.0.0.1',
        rejectUnauthorized: false,
      });
      await once(socket, 'secureConnect');
      const request = bytes(`GET / HTTP/1.1\r\nHost: h\r\nX-Huge: ${'x'.repeat(MiB)}\r\n\r\n`);
      assertAnswered(await sendThenRead(socket, request), 431, '1 MiB header over TLS');
      assert.equal(calls.length, 0);
    } finally {
      await server.close();
    }
  });

  it('[HTTP-CONN-2] serves nothing pipelined behind a refused request while lingering', async () => {
    const { server, calls } = await countingServer();
    try {
      const request = Buffer.concat([
        bytes(`GET /?pad=${'x'.repeat(64 * 1024)} HTTP/1.1\r\nHost: h\r\n\r\n`),
        bytes('GET /next HTTP/1.1\r\nHost: h\r\n\r\n'),
      ]);
      const outcome = await sendThenRead(await tcp(server.port), request);
      assertAnswered(outcome, 414, 'refused request');
      assert.equal(parseResponses(outcome.data).length, 1);
      assert.deepEqual(calls, []);
    } finally {
      await server.close();
    }
  });

  it('[HTTP-CONN-2] never hands a WebSocket handshake pipelined behind a refused request to the app', async () => {
    const calls: string[] = [];
    const server = await startServer(
      async (scope, receive, send) => {
        calls.push(`${scope.type} ${scope.type === 'lifespan' ? '' : scope.path}`);
        if (scope.type === 'websocket') {
          await receive();
          await send({ type: 'websocket.accept' });
        }
      },
      { maxHeaderCount: 5 },
    );
    try {
      const refused =
        'GET /bad HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\nE: 5\r\n\r\n';
      const handshake =
        'GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';
      const outcome = await sendThenRead(await tcp(server.port), bytes(refused + handshake));
      assertAnswered(outcome, 431, 'refused request');
      assert.equal(parseResponses(outcome.data).length, 1);
      // The same handshake on its own connection is served.
      const alone = await sendThenRead(await tcp(server.port), bytes(handshake), true);
      assert.match(alone.data.toString('latin1'), /^HTTP\/1\.1 101 /);
      assert.deepEqual(calls, ['websocket /ws']);
    } finally {
      await server.close();
    }
  });
});

/** A plain TCP server whose connections are closed at once through lingeringClose. */
async function lingeringServer(bounds: LingerBounds): Promise<{
  server: Server;
  port: number;
  closedAfter: Promise<{ ms: number; lingering: boolean }>;
}> {
  let report!: (value: { ms: number; lingering: boolean }) => void;
  const closedAfter = new Promise<{ ms: number; lingering: boolean }>((resolve) => {
    report = resolve;
  });
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    const started = Date.now();
    socket.once('data', () => {
      lingeringClose(socket, 'refused\n', bounds);
      // A second call changes nothing.
      lingeringClose(socket, 'again\n', bounds);
      const lingering = isLingering(socket);
      socket.once('close', () => report({ ms: Date.now() - started, lingering }));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  return { server, port: typeof address === 'object' && address ? address.port : 0, closedAfter };
}

describe('lingeringClose bounds', { timeout: 30_000 }, () => {
  it('closes as soon as the client closes its side, after the answer', async () => {
    const { server, port, closedAfter } = await lingeringServer({
      timeMs: 10_000,
      idleMs: 10_000,
      bytes: MiB,
    });
    try {
      const client = await tcp(port);
      client.write('hello');
      const [answer] = (await once(client, 'data')) as [Buffer];
      assert.equal(answer.toString(), 'refused\n');
      client.end();
      const { ms, lingering } = await closedAfter;
      assert.equal(lingering, true);
      assert.ok(ms < 2000, `closed after ${ms} ms`);
    } finally {
      server.close();
    }
  });

  it('closes a client that stays silent for idleMs once the answer is out', async () => {
    const { server, port, closedAfter } = await lingeringServer({
      timeMs: 10_000,
      idleMs: 200,
      bytes: MiB,
    });
    try {
      const client = await tcp(port);
      client.on('error', () => {});
      // allowHalfOpen: the client never closes its side by itself.
      client.allowHalfOpen = true;
      client.write('hello');
      const { ms } = await closedAfter;
      assert.ok(ms >= 200 && ms < 2000, `closed after ${ms} ms`);
      client.destroy();
    } finally {
      server.close();
    }
  });

  it('closes a client that keeps sending after timeMs', async () => {
    const { server, port, closedAfter } = await lingeringServer({
      timeMs: 400,
      idleMs: 10_000,
      bytes: 100 * MiB,
    });
    try {
      const client = await tcp(port);
      client.on('error', () => {});
      client.allowHalfOpen = true;
      client.write('hello');
      const timer = setInterval(() => client.writable && client.write('more'), 20);
      const { ms } = await closedAfter;
      clearInterval(timer);
      assert.ok(ms >= 400 && ms < 3000, `closed after ${ms} ms`);
      client.destroy();
    } finally {
      server.close();
    }
  });

  it('closes a client that sends more than the byte bound', async () => {
    const { server, port, closedAfter } = await lingeringServer({
      timeMs: 10_000,
      idleMs: 10_000,
      bytes: 256 * 1024,
    });
    try {
      const client = await tcp(port);
      let error: string | null = null;
      client.on('error', (e: NodeJS.ErrnoException) => {
        error = e.code ?? e.message;
      });
      client.allowHalfOpen = true;
      const piece = Buffer.alloc(PIECE);
      let sent = 0;
      while (!client.destroyed && error === null && sent < 64 * MiB) {
        sent += piece.length;
        if (!client.write(piece)) {
          await new Promise<void>((resolve) => {
            client.once('drain', resolve);
            client.once('close', resolve);
          });
        }
      }
      const { ms } = await closedAfter;
      assert.ok(ms < 5000, `closed after ${ms} ms`);
      assert.ok(sent < 64 * MiB, `the server read all ${sent} bytes`);
      client.destroy();
    } finally {
      server.close();
    }
  });
});
