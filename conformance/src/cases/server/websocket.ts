/**
 * WebSocket: the scope, the handshake, messages, control frames and limits.
 * Skipped as a whole when the server does not support WebSocket.
 *
 * @module
 */

import { expectEqual, expectThat, fail, show } from '../../assert.js';
import { defineGroup } from '../../case.js';
import { buildRequest, headerValue, headerValues } from '../../clients/raw-http.js';
import { Opcode } from '../../clients/websocket.js';
import { decode, findForeign } from '../../probe/wire.js';
import { schemaProblems } from '../../schema.js';
import type { ServerContext } from '../../server-context.js';
import { field } from './helpers.js';
import { expectClose, nextText, open } from './ws-helpers.js';

/** The cases of the `websocket` group. */
export const websocketCases = defineGroup<ServerContext>('websocket', [
  {
    id: 'websocket.scope',
    title: "the WebSocket scope matches scope.websocket and follows the HTTP scope's rules",
    requirements: ['WS-SCOPE-1', 'SRV-2', 'VER-1'],
    needs: 'websocket',
    async run(context) {
      const connection = await open(context, 'WS-SCOPE-1', '/ws/echo-scope?q=%20x');
      const report = JSON.parse(await nextText('WS-SCOPE-1', connection, 'the scope message')) as {
        scope: unknown;
      };
      const scope = decode(report.scope) as Record<string, unknown>;
      const problems = schemaProblems('scope.websocket', scope);
      expectThat(
        'SRV-2',
        'the WebSocket scope',
        problems.length === 0,
        'a value valid against scope.websocket.json',
        () => problems.join('; '),
      );
      const foreign = findForeign(report.scope);
      expectThat('SRV-2', 'the WebSocket scope', foreign.length === 0, 'plain objects only', () =>
        foreign.join('; '),
      );
      expectEqual('WS-SCOPE-1', 'scope.type', scope.type, 'websocket');
      expectEqual('WS-SCOPE-1', 'scope.scheme', scope.scheme, context.target.tls ? 'wss' : 'ws');
      expectEqual('WS-SCOPE-1', 'scope.path', scope.path, context.path('/ws/echo-scope'));
      expectEqual('WS-SCOPE-1', 'scope.rawPath', scope.rawPath, context.path('/ws/echo-scope'));
      expectEqual('WS-SCOPE-1', 'scope.queryString', scope.queryString, 'q=%20x');
      expectEqual('WS-SCOPE-1', 'scope.rootPath', scope.rootPath, context.target.rootPath);
      expectEqual('WS-SCOPE-1', 'scope.httpVersion', scope.httpVersion, '1.1');
      const headers = (scope.headers as [string, string][]) ?? [];
      expectEqual(
        'WS-SCOPE-1',
        'the sec-websocket-version pair',
        headers.filter(([name]) => name === 'sec-websocket-version'),
        [['sec-websocket-version', '13']],
      );
      expectEqual(
        'VER-1',
        'scope.tsgi.version of a WebSocket scope',
        (scope.tsgi as { version?: unknown } | undefined)?.version,
        '1.0',
      );
      const tls = (scope.extensions as Record<string, unknown> | undefined)?.tls;
      expectThat(
        'WS-SCOPE-1',
        'scope.extensions.tls',
        context.target.tls === (tls !== undefined),
        context.target.tls ? 'present over TLS' : 'absent on a plaintext connection',
        show(tls),
      );
    },
  },
  {
    id: 'websocket.subprotocols',
    title:
      'scope.subprotocols lists the offered protocols, trimmed, in order ([] when none); the 101 names the chosen one',
    requirements: ['WS-SCOPE-2', 'WS-ACCEPT-3'],
    needs: 'websocket',
    async run(context) {
      const chosen = await context.websocket('/ws/echo-scope?choose=superchat', {
        protocols: [' chat ,  superchat', 'v2.probe'],
      });
      expectEqual(
        'WS-ACCEPT-3',
        'the sec-websocket-protocol fields of the 101 when the app chose "superchat"',
        headerValues(chosen.head, 'sec-websocket-protocol'),
        ['superchat'],
      );
      const offered = chosen.connection;
      if (offered === null)
        fail(
          'WS-SCOPE-2',
          'the handshake',
          '101 Switching Protocols',
          `status ${chosen.head.status}`,
        );
      const report = decode(
        (
          JSON.parse(await nextText('WS-SCOPE-2', offered, 'the scope message')) as {
            scope: unknown;
          }
        ).scope,
      ) as Record<string, unknown>;
      expectEqual('WS-SCOPE-2', 'scope.subprotocols', report.subprotocols, [
        'chat',
        'superchat',
        'v2.probe',
      ]);
      const none = await open(context, 'WS-SCOPE-2', '/ws/echo-scope');
      const bare = decode(
        (JSON.parse(await nextText('WS-SCOPE-2', none, 'the scope message')) as { scope: unknown })
          .scope,
      ) as Record<string, unknown>;
      expectEqual('WS-SCOPE-2', 'scope.subprotocols without an offer', bare.subprotocols, []);
    },
  },
  {
    id: 'websocket.connect-first',
    title: 'the first receive() gives websocket.connect',
    requirements: ['WS-CONNECT-1'],
    needs: 'websocket',
    async run(context) {
      const connection = await open(context, 'WS-CONNECT-1', '/ws/echo-scope');
      const report = JSON.parse(
        await nextText('WS-CONNECT-1', connection, 'the scope message'),
      ) as { first: unknown };
      expectEqual(
        'WS-CONNECT-1',
        'the first event received',
        field(report.first, 'type'),
        'websocket.connect',
      );
    },
  },
  {
    id: 'websocket.accept-headers',
    title: 'websocket.accept headers are added to the 101 without replacing the handshake fields',
    requirements: ['WS-ACCEPT-3'],
    needs: 'websocket',
    async run(context) {
      const handshake = await context.websocket('/ws/accept-headers');
      expectEqual('WS-ACCEPT-3', 'the handshake status', handshake.head.status, 101);
      expectEqual(
        'WS-ACCEPT-3',
        'the x-probe-accept field of the 101',
        headerValue(handshake.head, 'x-probe-accept'),
        'yes',
      );
      expectEqual(
        'WS-ACCEPT-3',
        'the sec-websocket-accept fields of the 101',
        headerValues(handshake.head, 'sec-websocket-accept'),
        [handshake.expectedAccept],
      );
      expectEqual(
        'WS-ACCEPT-3',
        'the sec-websocket-protocol fields of the 101 (no subprotocol offered or chosen)',
        headerValues(handshake.head, 'sec-websocket-protocol'),
        [],
      );
    },
  },
  {
    id: 'websocket.messages',
    title: 'each message reaches the app whole, as exactly one of text and bytes',
    requirements: ['WS-RECV-1', 'SRV-2'],
    needs: 'websocket',
    async run(context) {
      const connection = await open(context, 'WS-RECV-1', '/ws/describe');
      const check = async (what: string, expected: Record<string, unknown>): Promise<void> => {
        const encoded = JSON.parse(
          await nextText('WS-RECV-1', connection, `the description of ${what}`),
        ) as unknown;
        const event = decode(encoded) as Record<string, unknown>;
        const problems = schemaProblems('websocket.receive', event);
        expectThat(
          'WS-RECV-1',
          `the event for ${what}`,
          problems.length === 0,
          'a value valid against websocket.receive.json',
          () => problems.join('; '),
        );
        expectThat(
          'SRV-2',
          `the event for ${what}`,
          findForeign(encoded).length === 0,
          'a plain object',
          () => findForeign(encoded).join('; '),
        );
        const got = {
          type: event.type,
          text: event.text,
          bytes: event.bytes instanceof Uint8Array ? [...event.bytes] : event.bytes,
        };
        expectEqual('WS-RECV-1', `the event for ${what}`, got, {
          text: undefined,
          bytes: undefined,
          ...expected,
        });
      };
      await connection.sendText('h\u00e9llo');
      await check('a text message', { type: 'websocket.receive', text: 'h\u00e9llo' });
      await connection.sendBinary(Uint8Array.from([0, 1, 2, 255]));
      await check('a binary message', { type: 'websocket.receive', bytes: [0, 1, 2, 255] });
      await connection.sendText('');
      await check('an empty text message', { type: 'websocket.receive', text: '' });
      await connection.sendFrame({ opcode: Opcode.TEXT, payload: 'frag', fin: false });
      await connection.sendFrame({ opcode: Opcode.CONTINUATION, payload: 'ment', fin: false });
      await connection.ping('in-between');
      await connection.sendFrame({ opcode: Opcode.CONTINUATION, payload: 'ed' });
      await check('a text message in three fragments', {
        type: 'websocket.receive',
        text: 'fragmented',
      });
    },
  },
  {
    id: 'websocket.echo',
    title: 'messages the app sends reach the client with their kind',
    requirements: ['WS-RECV-1'],
    needs: 'websocket',
    async run(context) {
      const connection = await open(context, 'WS-RECV-1', '/ws/echo');
      await connection.sendText('round trip');
      expectEqual('WS-RECV-1', 'the echoed text message', await connection.nextMessage(), {
        kind: 'text',
        text: 'round trip',
      });
      await connection.sendBinary(Uint8Array.from([9, 8, 7]));
      const binary = await connection.nextMessage();
      expectEqual(
        'WS-RECV-1',
        'the echoed binary message',
        binary.kind === 'binary' ? [...binary.bytes] : binary,
        [9, 8, 7],
      );
    },
  },
  {
    id: 'websocket.ping',
    title: 'the server answers a ping with a pong carrying the same payload',
    requirements: ['WS-SERVER-1'],
    needs: 'websocket',
    async run(context) {
      const connection = await open(context, 'WS-SERVER-1', '/ws/echo');
      await connection.ping('probe-ping');
      await connection.sendText('after the ping');
      await connection.nextMessage();
      for (let i = 0; i < 10 && connection.pongs.length === 0; i++) {
        await connection.sendText('again');
        await connection.nextMessage();
      }
      expectEqual(
        'WS-SERVER-1',
        'the pong payloads',
        connection.pongs.map((payload) => Buffer.from(payload).toString('utf8')),
        ['probe-ping'],
      );
    },
  },
  {
    id: 'websocket.message-too-big',
    title: "a message beyond the server's maximum size is closed with 1009",
    requirements: ['WS-SERVER-1'],
    needs: 'websocket',
    async run(context) {
      const connection = await open(context, 'WS-SERVER-1', '/ws/echo');
      await connection.sendFrame({
        opcode: Opcode.BINARY,
        payload: new Uint8Array(1024),
        declaredLength: 2n ** 40n,
      });
      await expectClose(
        'WS-SERVER-1',
        'the close code after a frame announcing 1 TiB',
        connection,
        1009,
      );
    },
  },
  {
    id: 'websocket.invalid-utf8',
    title: 'a text message that is not UTF-8 is closed with 1007',
    requirements: ['WS-SERVER-1'],
    needs: 'websocket',
    async run(context) {
      const connection = await open(context, 'WS-SERVER-1', '/ws/echo');
      await connection.sendFrame({
        opcode: Opcode.TEXT,
        payload: Uint8Array.from([0x68, 0xff, 0xfe]),
      });
      await expectClose('WS-SERVER-1', 'the close code after invalid UTF-8 text', connection, 1007);
    },
  },
  {
    id: 'websocket.one-call-per-connection',
    title: 'the app is called once for each WebSocket connection',
    requirements: ['SRV-1'],
    needs: 'websocket',
    async run(context) {
      const token = context.token();
      const connection = await open(context, 'SRV-1', `/ws/echo?token=${token}`);
      await connection.sendText('one');
      await connection.nextMessage();
      await connection.close(1000);
      await connection.untilClose(3000).catch(() => null);
      expectEqual(
        'SRV-1',
        'the app calls for one WebSocket connection',
        await context.calls(token),
        1,
      );
    },
  },
  {
    id: 'websocket.malformed-handshake',
    title: 'a malformed handshake is refused with a 4xx and never reaches the app',
    requirements: ['HTTP-CONN-3'],
    needs: 'websocket',
    async run(context) {
      const variants: Record<string, [string, string][]> = {
        'no sec-websocket-key': [['Sec-WebSocket-Version', '13']],
        'sec-websocket-version 8': [
          ['Sec-WebSocket-Key', 'dGhlIHNhbXBsZSBub25jZQ=='],
          ['Sec-WebSocket-Version', '8'],
        ],
      };
      for (const [what, fields] of Object.entries(variants)) {
        const token = context.token();
        const connection = await context.raw();
        await connection.write(
          buildRequest(`GET ${context.path(`/ws/echo?token=${token}`)} HTTP/1.1`, [
            ['Host', context.target.authority],
            ['Upgrade', 'websocket'],
            ['Connection', 'Upgrade'],
            ...fields,
          ]),
        );
        const response = await connection
          .readResponse({ timeoutMs: 5000 })
          .catch((error: Error) => error);
        const status = response instanceof Error || response === null ? null : response.status;
        expectThat(
          'HTTP-CONN-3',
          `the answer to a handshake with ${what}`,
          status !== null && status >= 400 && status < 500,
          'a 4xx response',
          () => (response instanceof Error ? response.message : show(status)),
        );
        expectEqual(
          'HTTP-CONN-3',
          `app calls for a handshake with ${what}`,
          await context.calls(token),
          0,
        );
      }
    },
  },
]);
