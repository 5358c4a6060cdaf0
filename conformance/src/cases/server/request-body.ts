/**
 * The request body: its events, de-chunking, cut-off bodies, `100 Continue`,
 * and draining what the application left unread.
 *
 * @module
 */

import { createHash } from 'node:crypto';
import { expectEqual, expectThat, fail, show } from '../../assert.js';
import { defineGroup } from '../../case.js';
import { buildRequest } from '../../clients/raw-http.js';
import { ROUTE_HEADER, TOKEN_HEADER } from '../../probe/constants.js';
import { findForeign } from '../../probe/wire.js';
import { schemaProblems } from '../../schema.js';
import { type ServerContext, scopeReport } from '../../server-context.js';
import { field, jsonBody, rawScope, readResponseFor } from './helpers.js';

function events(report: unknown): Record<string, unknown>[] {
  const list = field(report, 'events');
  return Array.isArray(list) ? (list as Record<string, unknown>[]) : [];
}

function isFinalPiece(event: Record<string, unknown>): boolean {
  return event.type === 'http.request' && event.moreBody === false;
}

/** The cases of the `http.request` group. */
export const requestBodyCases = defineGroup<ServerContext>('http.request', [
  {
    id: 'http.request.no-body',
    title: 'a request without content gives exactly one empty http.request with moreBody false',
    requirements: ['HTTP-REQ-2'],
    async run(context) {
      const path = context.path('/echo-scope');
      const bare = await rawScope(context, 'HTTP-REQ-2', `GET ${path} HTTP/1.1`);
      const zero = await rawScope(context, 'HTTP-REQ-2', `POST ${path} HTTP/1.1`, [
        ['Host', context.target.authority],
        ['Content-Length', '0'],
      ]);
      for (const [what, report] of [
        ['a GET without a body', bare],
        ['a POST with content-length 0', zero],
      ] as const) {
        const list = report.events.map((event) => ({
          type: event.type,
          bodyLength: event.body instanceof Uint8Array ? event.body.byteLength : show(event.body),
          moreBody: event.moreBody,
        }));
        expectEqual('HTTP-REQ-2', `the receive events of ${what}`, list, [
          { type: 'http.request', bodyLength: 0, moreBody: false },
        ]);
      }
    },
  },
  {
    id: 'http.request.events',
    title:
      'a body arrives as plain http.request events of Uint8Array pieces, only the last with moreBody false',
    requirements: ['HTTP-REQ-1', 'SRV-2'],
    async run(context) {
      const body = new Uint8Array(300 * 1024);
      for (let i = 0; i < body.length; i++) body[i] = (i * 31) % 256;
      const report = await context.scope({ method: 'POST', body });
      report.events.forEach((event, index) => {
        const problems = schemaProblems('http.request', event);
        expectThat(
          'SRV-2',
          `receive event ${index}`,
          problems.length === 0,
          'a value valid against http.request.json',
          () => problems.join('; '),
        );
        const foreign = findForeign(report.encodedEvents[index]);
        expectThat('SRV-2', `receive event ${index}`, foreign.length === 0, 'a plain object', () =>
          foreign.join('; '),
        );
        const last = index === report.events.length - 1;
        expectEqual(
          'HTTP-REQ-1',
          `moreBody of receive event ${index} of ${report.events.length}`,
          event.moreBody,
          !last,
        );
      });
      expectEqual('HTTP-REQ-1', 'the size of the joined body', report.size, body.byteLength);
      expectEqual(
        'HTTP-REQ-1',
        'the SHA-256 of the joined body',
        report.sha256,
        createHash('sha256').update(body).digest('hex'),
      );
    },
  },
  {
    id: 'http.request.chunked',
    title: 'a chunked body reaches the app de-chunked: no sizes, extensions or trailers',
    requirements: ['HTTP-REQ-3'],
    async run(context) {
      const report = await rawScope(
        context,
        'HTTP-REQ-3',
        `POST ${context.path('/echo-scope')} HTTP/1.1`,
        [
          ['Host', context.target.authority],
          ['Transfer-Encoding', 'chunked'],
        ],
        '5;probe=ext\r\nhello\r\n6\r\n world\r\n0\r\nX-Probe-Trailer: t\r\n\r\n',
      );
      expectEqual('HTTP-REQ-3', 'the body the app received', report.head, 'hello world');
      expectEqual('HTTP-REQ-3', 'the size of the body the app received', report.size, 11);
    },
  },
  {
    id: 'http.request.cut-off',
    title: 'a body cut off before its end gives http.disconnect, never a final http.request',
    requirements: ['HTTP-REQ-4'],
    async run(context) {
      for (const framing of ['content-length', 'chunked'] as const) {
        const token = context.token();
        const connection = await context.raw();
        const headers: [string, string][] = [
          ['Host', context.target.authority],
          [TOKEN_HEADER, token],
        ];
        headers.push(
          framing === 'chunked' ? ['Transfer-Encoding', 'chunked'] : ['Content-Length', '100'],
        );
        await connection.write(
          buildRequest(
            `POST ${context.path('/read-body')} HTTP/1.1`,
            headers,
            framing === 'chunked' ? 'a\r\n0123456789\r\n' : '0123456789',
          ),
        );
        await context.waitResults(token, (report) => events(report).length > 0, 3000);
        connection.destroy();
        const report = await context.waitResults(token, (value) => value.end !== 'pending', 4000);
        // A server that waits for the whole body before calling the app never calls it here.
        if (report === undefined) continue;
        const list = events(report);
        expectThat(
          'HTTP-REQ-4',
          `the receive events of a ${framing} body cut off`,
          !list.some(isFinalPiece),
          'no http.request with moreBody false',
          () => show(list.map((event) => ({ type: event.type, moreBody: event.moreBody }))),
        );
        expectEqual(
          'HTTP-REQ-4',
          `the last receive event of a ${framing} body cut off`,
          list.at(-1)?.type,
          'http.disconnect',
        );
      }
    },
  },
  {
    id: 'http.request.continue-when-read',
    title:
      '"Expect: 100-continue" gets 100 Continue once the app calls receive(), then the body flows',
    requirements: ['HTTP-REQ-5'],
    async run(context) {
      const connection = await context.raw();
      await connection.write(
        buildRequest(`POST ${context.path('/echo-body')} HTTP/1.1`, [
          ['Host', context.target.authority],
          ['Content-Length', '5'],
          ['Expect', '100-continue'],
        ]),
      );
      const interim = await connection
        .readHead(3000)
        .catch((error: Error) =>
          fail(
            'HTTP-REQ-5',
            'the answer to Expect: 100-continue',
            'a 100 Continue interim response',
            error.message,
          ),
        );
      expectEqual(
        'HTTP-REQ-5',
        'the first status sent for an app that reads the body',
        interim?.status,
        100,
      );
      await connection.write('hello');
      const response = await readResponseFor('HTTP-REQ-5', 'the final response', connection);
      expectEqual('HTTP-REQ-5', 'the final status', response.status, 200);
      expectEqual(
        'HTTP-REQ-5',
        'the echoed body',
        Buffer.from(response.body).toString('latin1'),
        'hello',
      );
    },
  },
  {
    id: 'http.request.no-continue-without-read',
    title:
      'no 100 Continue when the app answers without calling receive(), nor without the expectation',
    requirements: ['HTTP-REQ-5'],
    async run(context) {
      const connection = await context.raw();
      await connection.write(
        buildRequest(`POST ${context.path('/ignore-body?status=417')} HTTP/1.1`, [
          ['Host', context.target.authority],
          ['Content-Length', '5'],
          ['Expect', '100-continue'],
        ]),
      );
      const response = await readResponseFor(
        'HTTP-REQ-5',
        'the answer of an app that does not read',
        connection,
        { timeoutMs: 5000 },
      );
      expectEqual(
        'HTTP-REQ-5',
        'the interim responses before a final answer given without receive()',
        response.interim.map((head) => head.status),
        [],
      );
      expectEqual('HTTP-REQ-5', 'the final status', response.status, 417);
      connection.destroy();
      const plain = await context.raw();
      await plain.write(
        buildRequest(
          `POST ${context.path('/echo-body')} HTTP/1.1`,
          [
            ['Host', context.target.authority],
            ['Content-Length', '5'],
          ],
          'hello',
        ),
      );
      const second = await readResponseFor(
        'HTTP-REQ-5',
        'the answer to a request without the expectation',
        plain,
      );
      expectEqual(
        'HTTP-REQ-5',
        'the interim responses to a request without Expect',
        second.interim.map((head) => head.status),
        [],
      );
    },
  },
  {
    id: 'http.request.unread-body',
    title:
      'a body the app left unread is drained before the next request, or the connection closes',
    requirements: ['HTTP-REQ-6'],
    async run(context) {
      for (const chunked of [false, true]) {
        const token = context.token();
        const connection = await context.raw();
        const payload = 'x'.repeat(64 * 1024);
        const body = chunked
          ? `${payload.length.toString(16)}\r\n${payload}\r\n0\r\n\r\n`
          : payload;
        const framing: [string, string] = chunked
          ? ['Transfer-Encoding', 'chunked']
          : ['Content-Length', String(payload.length)];
        await connection.write(
          buildRequest(
            `POST ${context.path('/ignore-body')} HTTP/1.1`,
            [['Host', context.target.authority], framing],
            body,
          ) +
            buildRequest(`GET ${context.path('/echo-scope')} HTTP/1.1`, [
              ['Host', context.target.authority],
              [TOKEN_HEADER, token],
              [ROUTE_HEADER, '/echo-scope'],
            ]),
        );
        const first = await readResponseFor(
          'HTTP-REQ-6',
          'the answer to the request whose body was not read',
          connection,
        );
        expectEqual(
          'HTTP-REQ-6',
          'the status of the answer given without reading',
          first.status,
          200,
        );
        let second: Awaited<ReturnType<typeof connection.readResponse>>;
        try {
          second = await connection.readResponse({ timeoutMs: 5000 });
        } catch (error) {
          if (connection.closed) continue;
          fail(
            'HTTP-REQ-6',
            'the next request on the connection',
            'its answer, or the connection closed',
            (error as Error).message,
          );
        }
        if (second === null) continue;
        expectEqual(
          'HTTP-REQ-6',
          'the status of the next request after an unread body',
          second.status,
          200,
        );
        const { scope } = scopeReport(jsonBody('HTTP-REQ-6', 'the next answer', second));
        const tokens = (scope.headers as [string, string][]).filter(
          ([name]) => name === TOKEN_HEADER,
        );
        expectEqual('HTTP-REQ-6', 'the request answered next (after a body left unread)', tokens, [
          [TOKEN_HEADER, token],
        ]);
      }
    },
  },
]);
