// Backpressure is observed on the sockets, never by timing: a side is
// "stalled" when the counter that would show its progress has stopped
// moving while the other side holds back, and the test then checks what the
// server did and did not accept.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deferred, RawClient, sleep, startHttp, until } from './http-support.js';

/** Waits until `read()` returns the same value `polls` times in a row, and returns it. */
async function stalled(read: () => number, what: string, polls = 20): Promise<number> {
  let last = read();
  let same = 0;
  const deadline = Date.now() + 15_000;
  while (same < polls) {
    if (Date.now() > deadline) throw new Error(`${what} never stopped moving`);
    await sleep(10);
    const now = read();
    same = now === last ? same + 1 : 0;
    last = now;
  }
  return last;
}

const CHUNK = 64 * 1024;

describe('backpressure', { timeout: 40_000 }, () => {
  it('[HTTP-BP-1] keeps send() pending while the client does not read, and resumes when it does', async () => {
    const total = 512; // 32 MiB in all, far more than socket buffers hold
    const progress = { accepted: 0, pending: false, done: false };
    const server = await startHttp(async (_scope, receive, send) => {
      await receive();
      await send({
        type: 'http.response.start',
        status: 200,
        headers: [['content-length', String(total * CHUNK)]],
      });
      const chunk = Buffer.alloc(CHUNK, 0x61);
      for (let i = 0; i < total; i++) {
        progress.pending = true;
        await send({ type: 'http.response.body', body: chunk, moreBody: i < total - 1 });
        progress.pending = false;
        progress.accepted += CHUNK;
      }
      progress.done = true;
    });
    try {
      const client = await RawClient.connect(server.port);
      client.socket.pause();
      client.write('GET / HTTP/1.1\r\nHost: h\r\n\r\n');
      const accepted = await stalled(() => progress.accepted, 'the app');
      assert.equal(progress.pending, true, 'a send() is pending');
      assert.ok(
        accepted < (total * CHUNK) / 2,
        `the server accepted ${accepted} bytes for a client that reads nothing`,
      );
      client.socket.resume();
      await until(
        () => progress.done && client.received > total * CHUNK,
        'the app to finish',
        20_000,
      );
      const [response] = await client.responses(1, 0, 20_000);
      assert.equal(response!.body.length, total * CHUNK);
      client.destroy();
    } finally {
      await server.close();
    }
  });

  it('[HTTP-BP-1] keeps the last send() pending until its bytes are taken', async () => {
    const size = 16 * 1024 * 1024;
    const state = { settled: false };
    const server = await startHttp(async (_scope, receive, send) => {
      await receive();
      await send({ type: 'http.response.start', status: 200 });
      await send({ type: 'http.response.body', body: Buffer.alloc(size, 0x62) });
      state.settled = true;
    });
    try {
      const client = await RawClient.connect(server.port);
      client.socket.pause();
      client.write('GET / HTTP/1.1\r\nHost: h\r\n\r\n');
      await until(() => server.handle.inFlight() === 1, 'the request');
      // The server has written what the sockets hold; the rest waits.
      await stalled(() => client.socket.readableLength + (state.settled ? 1 : 0), 'the transfer');
      assert.equal(state.settled, false, 'send() resolved before the client took the bytes');
      client.socket.resume();
      await until(() => client.received > size, 'the whole body', 20_000);
      const [response] = await client.responses(1, 0, 20_000);
      assert.equal(response!.body.length, size);
      await until(() => state.settled, 'send() to resolve');
      client.destroy();
    } finally {
      await server.close();
    }
  });

  it('[HTTP-BP-2] stops reading the request body while the app does not call receive()', async () => {
    const size = 32 * 1024 * 1024;
    const gate = deferred<void>();
    const server = await startHttp(async (_scope, receive, send) => {
      await gate.promise;
      let length = 0;
      for (;;) {
        const event = await receive();
        if (event.type !== 'http.request') break;
        length += event.body.byteLength;
        if (!event.moreBody) break;
      }
      await send({ type: 'http.response.start', status: 200 });
      await send({ type: 'http.response.body', body: String(length) });
    });
    try {
      const client = await RawClient.connect(server.port);
      client.write(`POST / HTTP/1.1\r\nHost: h\r\nContent-Length: ${size}\r\n\r\n`);
      client.write(Buffer.alloc(size, 0x63));
      const unsent = await stalled(() => client.socket.writableLength, 'the upload');
      assert.ok(unsent > 0, 'the client could send the whole body to an app that reads nothing');
      gate.resolve();
      const [response] = await client.responses(1, 0, 20_000);
      assert.equal(response!.body.toString(), String(size));
      assert.equal(client.socket.writableLength, 0);
      client.destroy();
    } finally {
      await server.close();
    }
  });
});
