import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { headerListFromRaw, offeredSubprotocols } from '../src/websocket/scope.js';

describe('WebSocket scope helpers', () => {
  it('[HTTP-SCOPE-18] takes the host from an absolute-form target, once', () => {
    assert.deepEqual(
      headerListFromRaw(
        ['Host', 'other.example', 'Accept', '*/*', 'Host', 'third'],
        'example.com:8080',
      ),
      [
        ['host', 'example.com:8080'],
        ['accept', '*/*'],
      ],
    );
  });

  it('[HTTP-SCOPE-10] [HTTP-SCOPE-12] lowercases names, keeps order and repeats, joins cookies', () => {
    assert.deepEqual(
      headerListFromRaw(
        [
          'Host',
          'a',
          'Cookie',
          'a=1',
          'Accept',
          'x',
          'Accept',
          'y',
          'cookie',
          'b=2',
          'X-Pad',
          ' v\t',
        ],
        null,
      ),
      [
        ['host', 'a'],
        ['cookie', 'a=1; b=2'],
        ['accept', 'x'],
        ['accept', 'y'],
        ['x-pad', 'v'],
      ],
    );
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
