import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { RawConnection, WireError } from '../src/clients/raw-http.js';
import { acceptFor, openWebSocket } from '../src/clients/websocket.js';
import { bytesClass, decode, encode, ForeignValue, findForeign } from '../src/probe/wire.js';
import { targetFromUrl, tcpTarget } from '../src/target.js';

describe('the probe wire encoding', () => {
  it('round-trips bytes, undefined and plain data', () => {
    const value = {
      body: Buffer.from('hi'),
      moreBody: false,
      gone: undefined,
      list: [1, 'x', null],
    };
    const json = JSON.parse(JSON.stringify(encode(value)));
    const back = decode(json) as Record<string, unknown>;
    assert.ok(back.body instanceof Uint8Array);
    assert.deepEqual([...(back.body as Uint8Array)], [104, 105]);
    assert.ok('gone' in back && back.gone === undefined);
    assert.deepEqual(back.list, [1, 'x', null]);
    assert.equal(bytesClass(json.body), 'Buffer');
    assert.deepEqual(findForeign(json), []);
  });

  it('marks values that are not plain data', () => {
    class Event {
      type = 'http.request';
    }
    const json = JSON.parse(
      JSON.stringify(encode({ event: new Event(), call: () => 1, map: new Map() })),
    );
    assert.deepEqual(findForeign(json), [
      '/event is an instance of Event',
      '/call is a function',
      '/map is an instance of Map',
    ]);
    const back = decode(json) as Record<string, unknown>;
    assert.ok(back.event instanceof ForeignValue);
    assert.equal((back.event as ForeignValue).className, 'Event');
  });
});

describe('targets', () => {
  it('reads URLs, with a path as the mount point', () => {
    const target = targetFromUrl('https://[::1]:8443/mount/');
    assert.equal(target.host, '::1');
    assert.equal(target.port, 8443);
    assert.equal(target.tls, true);
    assert.equal(target.authority, '[::1]:8443');
    assert.equal(target.rootPath, '/mount');
    assert.throws(() => targetFromUrl('ftp://x'), /http or https/);
  });
});

describe('RawConnection', () => {
  let server: net.Server;
  let reply = '';
  before(async () => {
    server = net.createServer((socket) => {
      socket.once('data', () => {
        socket.write(reply.replace(/@CLOSE$/, '').replace(/@RESET$/, ''));
        if (reply.endsWith('@CLOSE')) socket.end();
        if (reply.endsWith('@RESET')) setTimeout(() => socket.resetAndDestroy(), 20);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  after(() => server.close());

  async function read(text: string, method = 'GET') {
    reply = text;
    const connection = await RawConnection.open(
      tcpTarget('127.0.0.1', (server.address() as net.AddressInfo).port),
    );
    await connection.write('GET / HTTP/1.1\r\n\r\n');
    try {
      return await connection.readResponse({ method, timeoutMs: 1000 });
    } finally {
      connection.destroy();
    }
  }

  it('reads interim responses, a chunked body and trailers', async () => {
    const response = await read(
      'HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x=1\r\nabc\r\n2\r\nde\r\n0\r\nX-Sum: 9\r\n\r\n',
    );
    assert.deepEqual(
      response?.interim.map((head) => head.status),
      [103],
    );
    assert.equal(Buffer.from(response?.body ?? []).toString(), 'abcde');
    assert.equal(response?.framing, 'chunked');
    assert.equal(response?.complete, true);
    assert.deepEqual(response?.trailers, [['X-Sum', '9']]);
  });

  it('tells an aborted body from a complete one', async () => {
    const chunked = await read(
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n@CLOSE',
    );
    assert.equal(chunked?.complete, false);
    const short = await read('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc@CLOSE');
    assert.equal(short?.complete, false);
    assert.equal(short?.framing, 'content-length');
    const closed = await read('HTTP/1.0 200 OK\r\n\r\nall of it@CLOSE');
    assert.equal(closed?.complete, true);
    assert.equal(Buffer.from(closed?.body ?? []).toString(), 'all of it');
    const reset = await read('HTTP/1.0 200 OK\r\n\r\npart@RESET');
    assert.equal(reset?.framing, 'close');
    assert.equal(reset?.complete, false);
  });

  it('reads no body for HEAD, 204 and 304', async () => {
    const head = await read('HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n', 'HEAD');
    assert.equal(head?.body.byteLength, 0);
    assert.equal(head?.framing, 'none');
  });

  it('reports a missing answer, and bytes that are not HTTP', async () => {
    assert.equal(await read('@CLOSE'), null);
    await assert.rejects(read('SSH-2.0-nope\r\n\r\n'), WireError);
    await assert.rejects(
      read('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab'),
      /timed out after 2 of 5 body bytes/,
    );
  });
});

describe('the WebSocket client', () => {
  it('computes Sec-WebSocket-Accept as RFC 6455 section 1.3 shows', () => {
    assert.equal(acceptFor('dGhlIHNhbXBsZSBub25jZQ=='), 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  });

  it('sends masked frames, and reassembles the fragments and control frames it gets', async () => {
    const server = net.createServer((socket) => {
      let buffer = Buffer.alloc(0);
      let upgraded = false;
      socket.on('data', (chunk: Buffer) => {
        buffer = Buffer.concat([buffer, chunk]);
        if (!upgraded) {
          const end = buffer.indexOf('\r\n\r\n');
          if (end < 0) return;
          const key = /Sec-WebSocket-Key: (\S+)/.exec(buffer.toString('latin1'))?.[1] ?? '';
          buffer = buffer.subarray(end + 4);
          upgraded = true;
          socket.write(
            `HTTP/1.1 101 Switching Protocols\r\nSec-WebSocket-Accept: ${acceptFor(key)}\r\n\r\n`,
          );
        }
        if (buffer.length < 6 + 2) return;
        // One masked text frame "hi": unmask and answer in three pieces, with a ping between.
        assert.equal(buffer[1] ?? 0, 0x80 | 2);
        const mask = buffer.subarray(2, 6);
        const text = Buffer.from(
          [0, 1].map((i) => (buffer[6 + i] as number) ^ (mask[i % 4] as number)),
        ).toString();
        socket.write(
          Buffer.from([
            0x01,
            1,
            text.charCodeAt(0),
            0x89,
            1,
            0x70,
            0x80,
            1,
            text.charCodeAt(1),
            0x88,
            2,
            0x03,
            0xe8,
          ]),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const handshake = await openWebSocket(
        tcpTarget('127.0.0.1', (server.address() as net.AddressInfo).port),
        { path: '/' },
      );
      const connection = handshake.connection;
      assert.ok(connection !== null);
      await connection.sendText('hi');
      assert.deepEqual(await connection.nextMessage(), { kind: 'text', text: 'hi' });
      assert.deepEqual(await connection.nextMessage(), { kind: 'close', code: 1000, reason: '' });
      connection.destroy();
    } finally {
      server.close();
    }
  });
});
