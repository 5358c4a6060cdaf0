import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { WebSocketScope } from 'tsgi';
import { applyAuthority, offeredSubprotocols } from '../src/websocket/scope.js';
import { RawClient, startServer } from './http-support.js';

const HANDSHAKE_FIELDS =
  'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n';

/** Serves the app that records each WebSocket scope and accepts, and sends `request` to it. */
async function scopeOf(request: string) {
  const scopes: WebSocketScope[] = [];
  const server = await startServer(async (scope, receive, send) => {
    if (scope.type !== 'websocket') return;
    scopes.push(scope);
    await receive();
    await send({ type: 'websocket.accept' });
    await send({ type: 'websocket.close', code: 1000 });
  });
  try {
    const client = await RawClient.connect(server.port);
    client.write(request);
    await client.waitFor((text) => text.startsWith('HTTP/1.1 101'), 'the handshake answer');
    client.destroy();
  } finally {
    await server.close();
  }
  assert.equal(scopes.length, 1);
  return scopes[0]!;
}

describe('WebSocket scope headers', { timeout: 20_000 }, () => {
  it('[HTTP-SCOPE-10] [HTTP-SCOPE-12] [HTTP-SCOPE-15] [WS-SCOPE-1] carries the header list the HTTP side reads: lowercase, in order, repeats kept, cookies joined, values trimmed', async () => {
    const scope = await scopeOf(
      `GET /chat HTTP/1.1\r\nHost: a\r\nCookie: a=1\r\nAccept: x\r\n${HANDSHAKE_FIELDS}Accept: y\r\ncookie: b=2\r\nX-Pad:  v\t\r\n\r\n`,
    );
    assert.deepEqual(scope.headers, [
      ['host', 'a'],
      ['cookie', 'a=1; b=2'],
      ['accept', 'x'],
      ['upgrade', 'websocket'],
      ['connection', 'Upgrade'],
      ['sec-websocket-key', 'dGhlIHNhbXBsZSBub25jZQ=='],
      ['sec-websocket-version', '13'],
      ['accept', 'y'],
      ['x-pad', 'v'],
    ]);
  });

  it('[HTTP-SCOPE-18] takes the host from an absolute-form target', async () => {
    const scope = await scopeOf(
      `GET http://example.com:8080/chat HTTP/1.1\r\nAccept: */*\r\nHost: other.example\r\n${HANDSHAKE_FIELDS}\r\n`,
    );
    assert.equal(scope.path, '/chat');
    assert.deepEqual(scope.headers.slice(0, 2), [
      ['accept', '*/*'],
      ['host', 'example.com:8080'],
    ]);
    assert.equal(scope.headers.filter(([name]) => name === 'host').length, 1);
  });
});

describe('WebSocket scope helpers', () => {
  it('[HTTP-SCOPE-18] puts the authority in place of the first host, drops the others, or puts it first', () => {
    const headers: [string, string][] = [
      ['host', 'other.example'],
      ['accept', '*/*'],
      ['host', 'third'],
    ];
    applyAuthority(headers, 'example.com:8080');
    assert.deepEqual(headers, [
      ['host', 'example.com:8080'],
      ['accept', '*/*'],
    ]);
    const without: [string, string][] = [['accept', '*/*']];
    applyAuthority(without, 'example.com');
    assert.deepEqual(without, [
      ['host', 'example.com'],
      ['accept', '*/*'],
    ]);
  });

  it('[WS-SCOPE-2] splits every sec-websocket-protocol field at commas, trimmed, in order', () => {
    assert.deepEqual(
      offeredSubprotocols([
        ['sec-websocket-protocol', ' chat.v2 ,chat.v1'],
        ['host', 'a'],
        ['sec-websocket-protocol', 'x'],
      ]),
      ['chat.v2', 'chat.v1', 'x'],
    );
    assert.deepEqual(offeredSubprotocols([['host', 'a']]), []);
  });
});
