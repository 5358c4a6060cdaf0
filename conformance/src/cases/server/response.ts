/**
 * The response on the wire: framing, HEAD, 204 and 304, header order and
 * values, the date field and string bodies.
 *
 * @module
 */

import { expectBytes, expectEqual, expectThat, latin1, show } from '../../assert.js';
import { defineGroup } from '../../case.js';
import {
  buildRequest,
  headerValue,
  headerValues,
  type RawConnection,
  type RawResponse,
} from '../../clients/raw-http.js';
import {
  HEAD_BODY,
  HEADERS_OUT,
  HEADERS_OUT_BODY,
  STRING_BODY_BYTES,
  streamChunk,
  TOKEN_HEADER,
} from '../../probe/constants.js';
import type { ServerContext } from '../../server-context.js';
import {
  describeOutcome,
  expectStillFailed,
  field,
  readResponseFor,
  rejectedCiting,
} from './helpers.js';

async function get(
  context: ServerContext,
  requirement: string,
  route: string,
  options: { method?: string; version?: string; headers?: [string, string][] } = {},
): Promise<{ connection: RawConnection; response: RawResponse }> {
  const connection = await context.raw();
  const method = options.method ?? 'GET';
  await connection.write(
    buildRequest(`${method} ${context.path(route)} HTTP/${options.version ?? '1.1'}`, [
      ['Host', context.target.authority],
      ...(options.headers ?? []),
    ]),
  );
  const response = await readResponseFor(
    requirement,
    `the answer to ${method} ${route}`,
    connection,
    { method },
  );
  return { connection, response };
}

function isChunked(response: RawResponse): boolean {
  return /chunked/i.test(headerValues(response, 'transfer-encoding').join(','));
}

/** Expects no byte after the head of a response that must have no body. */
async function expectNoBody(
  requirement: string,
  what: string,
  connection: RawConnection,
): Promise<void> {
  const extra = await connection.collect(300);
  expectThat(
    requirement,
    what,
    extra.byteLength === 0,
    'no body bytes on the wire',
    () => `${extra.byteLength} bytes: ${show(latin1(extra, 60))}`,
  );
}

/**
 * Asks the probe to send body bytes where none may go (HEAD, 204, 304). The
 * server drops them, or refuses the send() citing HTTP-RESP-8; either way no
 * body byte reaches the wire. A refusal fails the exchange (section 3.7): the
 * probe's next send(), which ends the body, is refused too, and once the
 * probe returns the response is aborted.
 */
async function expectNothingSent(
  context: ServerContext,
  route: string,
  method: string,
): Promise<void> {
  const token = context.token();
  const connection = await context.raw();
  await connection.write(
    buildRequest(`${method} ${context.path(route)} HTTP/1.1`, [
      ['Host', context.target.authority],
      [TOKEN_HEADER, token],
    ]),
  );
  const head = await connection.readHead(5000).catch(() => null);
  const extra = await connection.collect(300);
  const sent = await context.waitResults(token);
  const refused = field(sent, 'rejected') === true;
  if (refused) {
    expectThat(
      'HTTP-RESP-10',
      `the refused send() of a body for ${method} ${route}`,
      rejectedCiting(sent, 'HTTP-RESP-8'),
      'a rejection citing HTTP-RESP-8',
      describeOutcome(sent),
    );
    expectStillFailed(`a body for ${method} ${route}`, sent);
  } else {
    expectThat(
      'HTTP-RESP-10',
      `the answer to ${method} ${route}`,
      head !== null,
      'a response without a body (the bytes dropped)',
      'no response',
    );
  }
  expectThat(
    'HTTP-RESP-10',
    `the answer to ${method} ${route}, whose app sent a body`,
    extra.byteLength === 0,
    'no body bytes on the wire',
    () => `${extra.byteLength} bytes: ${show(latin1(extra, 60))}`,
  );
  if (refused) {
    expectThat(
      'HTTP-FAIL-3',
      `the connection once the app returned after its body for ${method} ${route} was refused`,
      await connection.waitClosed(3000),
      'closed: the response aborted',
      'still open after 3 s',
    );
  }
}

const expectedStream = `${streamChunk(0, 10)}${streamChunk(1, 10)}${streamChunk(2, 10)}`;

/** The cases of the `http.response` group. */
export const responseCases = defineGroup<ServerContext>('http.response', [
  {
    id: 'http.response.content-length-framing',
    title: "a response with the app's content-length is framed by it, not chunked",
    requirements: ['HTTP-RESP-9'],
    async run(context) {
      const { response } = await get(context, 'HTTP-RESP-9', '/stream?chunks=3&size=10&cl=1');
      expectEqual(
        'HTTP-RESP-9',
        'the framing of a response with content-length',
        response.framing,
        'content-length',
      );
      expectEqual('HTTP-RESP-9', 'content-length', headerValue(response, 'content-length'), '30');
      expectEqual('HTTP-RESP-9', 'the body', latin1(response.body), expectedStream);
    },
  },
  {
    id: 'http.response.chunked-framing',
    title: 'a streamed HTTP/1.1 response without content-length is chunked',
    requirements: ['HTTP-RESP-9'],
    async run(context) {
      const { response } = await get(context, 'HTTP-RESP-9', '/stream?chunks=3&size=10');
      expectEqual(
        'HTTP-RESP-9',
        'the framing of a streamed HTTP/1.1 response',
        response.framing,
        'chunked',
      );
      expectThat(
        'HTTP-RESP-9',
        'the response',
        response.complete,
        'a complete chunked body',
        'an unterminated one',
      );
      expectEqual('HTTP-RESP-9', 'the body', latin1(response.body), expectedStream);
    },
  },
  {
    id: 'http.response.known-length',
    title: 'a body of one event with moreBody false gets content-length',
    requirements: ['HTTP-RESP-9'],
    async run(context) {
      const { response } = await get(context, 'HTTP-RESP-9', '/fixed');
      expectEqual(
        'HTTP-RESP-9',
        'content-length of a body known before writing',
        headerValue(response, 'content-length'),
        '17',
      );
      expectEqual(
        'HTTP-RESP-9',
        'transfer-encoding of a body known before writing',
        headerValue(response, 'transfer-encoding'),
        undefined,
      );
      expectEqual('HTTP-RESP-9', 'the body', latin1(response.body), 'fixed-length-body');
    },
  },
  {
    id: 'http.response.http10-framing',
    title: 'a streamed HTTP/1.0 response is not chunked; it ends by closing the connection',
    requirements: ['HTTP-RESP-9'],
    async run(context) {
      const { connection, response } = await get(
        context,
        'HTTP-RESP-9',
        '/stream?chunks=3&size=10',
        { version: '1.0' },
      );
      expectThat(
        'HTTP-RESP-9',
        'transfer-encoding of an HTTP/1.0 response',
        !isChunked(response),
        'no chunked coding',
        () => show(headerValues(response, 'transfer-encoding')),
      );
      expectEqual('HTTP-RESP-9', 'the body', latin1(response.body), expectedStream);
      expectThat(
        'HTTP-RESP-9',
        'the connection after a close-delimited body',
        await connection.waitClosed(3000),
        'closed',
        'still open',
      );
    },
  },
  {
    id: 'http.response.streams-before-end',
    title: 'the status, headers and first bytes go out before the app ends the body',
    requirements: ['HTTP-RESP-9'],
    async run(context) {
      const gate = context.token();
      const connection = await context.raw();
      await connection.write(context.get(`/stream?chunks=2&size=10&gate=${gate}`));
      const head = await connection.readHead(3000).catch(() => null);
      expectThat(
        'HTTP-RESP-9',
        'the response head while the app holds the rest of the body',
        head !== null,
        'the head before the body ends',
        'nothing within 3 s',
      );
      const first = await connection.collect(300);
      await context.release(gate);
      expectThat(
        'HTTP-RESP-9',
        'the first body bytes while the app holds the rest',
        latin1(first).includes(streamChunk(0, 10)),
        `${show(streamChunk(0, 10))} before the body ends`,
        show(latin1(first)),
      );
    },
  },
  {
    id: 'http.response.head',
    title: "a HEAD response keeps the app's content-length and carries no body",
    requirements: ['HTTP-RESP-10'],
    async run(context) {
      const { connection, response } = await get(context, 'HTTP-RESP-10', '/head', {
        method: 'HEAD',
      });
      expectEqual(
        'HTTP-RESP-10',
        'content-length of the HEAD response',
        headerValue(response, 'content-length'),
        String(HEAD_BODY.length),
      );
      await expectNoBody('HTTP-RESP-10', 'the HEAD response', connection);
    },
  },
  {
    id: 'http.response.head-body-dropped',
    title:
      'body bytes an app sends for HEAD anyway are dropped, or refused citing HTTP-RESP-8 (which fails the exchange)',
    requirements: ['HTTP-RESP-10', 'SRV-3', 'HTTP-FAIL-3'],
    async run(context) {
      await expectNothingSent(context, '/head?misbehave=1', 'HEAD');
    },
  },
  {
    id: 'http.response.no-content',
    title: 'a 204 response has no body and no content-length on the wire',
    requirements: ['HTTP-RESP-10', 'SRV-3', 'HTTP-FAIL-3'],
    async run(context) {
      await expectNothingSent(context, '/status?code=204&misbehave=1', 'GET');
      const route = '/status?code=204';
      const { connection, response } = await get(context, 'HTTP-RESP-10', route);
      expectEqual('HTTP-RESP-10', `the status of ${route}`, response.status, 204);
      expectEqual(
        'HTTP-RESP-10',
        `content-length of ${route}`,
        headerValue(response, 'content-length'),
        undefined,
      );
      expectEqual(
        'HTTP-RESP-10',
        `transfer-encoding of ${route}`,
        headerValue(response, 'transfer-encoding'),
        undefined,
      );
      await expectNoBody('HTTP-RESP-10', `the answer to ${route}`, connection);
    },
  },
  {
    id: 'http.response.not-modified',
    title: "a 304 response keeps the app's content-length and carries no body",
    requirements: ['HTTP-RESP-10', 'SRV-3', 'HTTP-FAIL-3'],
    async run(context) {
      await expectNothingSent(context, '/status?code=304&cl=42&misbehave=1', 'GET');
      const route = '/status?code=304&cl=42';
      const { connection, response } = await get(context, 'HTTP-RESP-10', route);
      expectEqual('HTTP-RESP-10', `the status of ${route}`, response.status, 304);
      expectEqual(
        'HTTP-RESP-10',
        `content-length of ${route}`,
        headerValue(response, 'content-length'),
        '42',
      );
      await expectNoBody('HTTP-RESP-10', `the answer to ${route}`, connection);
    },
  },
  {
    id: 'http.response.header-order',
    title: "the app's headers go out in its order, each set-cookie as its own field",
    requirements: ['HTTP-RESP-12'],
    async run(context) {
      const { response } = await get(context, 'HTTP-RESP-12', '/headers-out');
      const names = new Set(['x-probe-a', 'x-probe-b', 'set-cookie']);
      const sent = response.headers
        .filter(([name]) => names.has(name.toLowerCase()))
        .map(([name, value]) => [name.toLowerCase(), value]);
      expectEqual(
        'HTTP-RESP-12',
        'the x-probe-a, x-probe-b and set-cookie fields in wire order',
        sent,
        HEADERS_OUT.filter(([name]) => names.has(name)),
      );
    },
  },
  {
    id: 'http.response.header-values',
    title: 'header values go out unchanged, each character as the byte of the same value',
    requirements: ['HTTP-RESP-13'],
    async run(context) {
      const { response } = await get(context, 'HTTP-RESP-13', '/headers-out');
      for (const name of ['x-probe-spacing', 'x-probe-latin1', 'content-type']) {
        const expected = HEADERS_OUT.find(([key]) => key === name)?.[1];
        expectEqual('HTTP-RESP-13', `the ${name} field on the wire`, headerValues(response, name), [
          expected,
        ]);
      }
      expectEqual('HTTP-RESP-13', 'the body', latin1(response.body), HEADERS_OUT_BODY);
    },
  },
  {
    id: 'http.response.date',
    title: 'the server adds a date field when the app sets none',
    requirements: ['HTTP-RESP-14'],
    level: 'SHOULD',
    async run(context) {
      const { response } = await get(context, 'HTTP-RESP-14', '/fixed');
      const date = headerValue(response, 'date');
      expectThat(
        'HTTP-RESP-14',
        'the date field',
        date !== undefined && !Number.isNaN(Date.parse(date)),
        'an HTTP date',
        show(date),
      );
    },
  },
  {
    id: 'http.response.string-body',
    title:
      'a string body goes out as UTF-8 (a lone surrogate as U+FFFD), counted against content-length',
    requirements: ['HTTP-RESP-15'],
    async run(context) {
      for (const route of ['/string-body', '/string-body?cl=0']) {
        const token = context.token();
        const { response } = await get(context, 'HTTP-RESP-15', route, {
          headers: [[TOKEN_HEADER, token]],
        });
        expectBytes(
          'HTTP-RESP-15',
          `the body of ${route}`,
          response.body,
          Uint8Array.from(STRING_BODY_BYTES),
        );
        const sent = await context.results(token);
        expectEqual(
          'HTTP-RESP-15',
          `whether send() of the string body rejected (${route})`,
          field(sent, 'rejected'),
          false,
        );
      }
    },
  },
]);
