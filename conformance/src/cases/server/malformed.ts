/**
 * Malformed and ambiguous requests, the stuff of request smuggling: each
 * must get a 400, the connection closed, and never reach the app; a valid
 * request pipelined behind it must not be processed either.
 *
 * @module
 */

import { expectEqual, expectOneOf, expectThat, fail, latin1, show } from '../../assert.js';
import { defineGroup } from '../../case.js';
import { buildRequest } from '../../clients/raw-http.js';
import { TOKEN_HEADER } from '../../probe/constants.js';
import type { ServerContext } from '../../server-context.js';
import { field } from './helpers.js';

/** Builds one malformed request; `path` already holds the mount point and a token. */
type Malformed = (path: string, host: string, token: string) => string;

const CRLF = '\r\n';

/**
 * Sends each malformed request with a valid one pipelined behind it, and
 * checks: a 400 (or one of `statuses`), the connection closed, neither
 * request seen by the app.
 */
async function expectRefused(
  context: ServerContext,
  requirement: string,
  variants: Readonly<Record<string, Malformed>>,
  statuses: readonly number[] = [400],
  pipelineValid = true,
): Promise<void> {
  for (const [name, build] of Object.entries(variants)) {
    const token = context.token();
    const next = context.token();
    const connection = await context.raw();
    const bad = build(context.path(`/echo-scope?token=${token}`), context.target.authority, token);
    const valid = context.get(`/count?token=${next}`);
    await connection.write(pipelineValid ? bad + valid : bad);
    let response: Awaited<ReturnType<typeof connection.readResponse>> = null;
    try {
      response = await connection.readResponse({ timeoutMs: 5000 });
    } catch (error) {
      fail(
        requirement,
        `the answer to a request with ${name}`,
        `a ${statuses.join(' or ')} response`,
        (error as Error).message,
      );
    }
    if (response === null) {
      fail(
        requirement,
        `the answer to a request with ${name}`,
        `a ${statuses.join(' or ')} response`,
        'the connection closed without one',
      );
    }
    expectOneOf(requirement, `the status for a request with ${name}`, response.status, statuses);
    const closed = await connection.waitClosed(3000);
    const rest = latin1(await connection.collect(0), 80);
    expectThat(
      'HTTP-CONN-2',
      `the connection after refusing a request with ${name}`,
      closed,
      'closed',
      'still open after 3 s',
    );
    expectThat(
      'HTTP-CONN-2',
      `what followed the refusal of a request with ${name}`,
      !rest.includes('HTTP/'),
      'no answer to the request pipelined behind it',
      show(rest),
    );
    expectEqual(
      'HTTP-CONN-3',
      `app calls for the request with ${name}`,
      await context.calls(token),
      0,
    );
    if (pipelineValid) {
      expectEqual(
        'HTTP-CONN-2',
        `app calls for the request pipelined behind one with ${name}`,
        await context.calls(next),
        0,
      );
    }
  }
}

function request(line: string, headers: readonly string[], body = ''): string {
  return `${line}${CRLF}${headers.map((header) => `${header}${CRLF}`).join('')}${CRLF}${body}`;
}

/** The cases of the `http.malformed` group. */
export const malformedCases = defineGroup<ServerContext>('http.malformed', [
  {
    id: 'http.malformed.content-length-and-chunked',
    title: 'content-length together with transfer-encoding is refused with 400',
    requirements: ['SEC-1', 'HTTP-CONN-2', 'HTTP-CONN-3'],
    async run(context) {
      await expectRefused(context, 'SEC-1', {
        'content-length then transfer-encoding': (path, host, token) =>
          request(
            `POST ${path} HTTP/1.1`,
            [
              `Host: ${host}`,
              `${TOKEN_HEADER}: ${token}`,
              'Content-Length: 5',
              'Transfer-Encoding: chunked',
            ],
            `0${CRLF}${CRLF}`,
          ),
        'transfer-encoding then content-length': (path, host, token) =>
          request(
            `POST ${path} HTTP/1.1`,
            [
              `Host: ${host}`,
              `${TOKEN_HEADER}: ${token}`,
              'Transfer-Encoding: chunked',
              'Content-Length: 5',
            ],
            `0${CRLF}${CRLF}`,
          ),
      });
    },
  },
  {
    id: 'http.malformed.content-length',
    title: 'differing or invalid content-length values are refused with 400',
    requirements: ['SEC-2', 'HTTP-CONN-2', 'HTTP-CONN-3'],
    async run(context) {
      const post =
        (values: string[]): Malformed =>
        (path, host, token) =>
          request(
            `POST ${path} HTTP/1.1`,
            [
              `Host: ${host}`,
              `${TOKEN_HEADER}: ${token}`,
              ...values.map((value) => `Content-Length: ${value}`),
            ],
            'hello!',
          );
      await expectRefused(context, 'SEC-2', {
        'two differing content-length fields': post(['5', '6']),
        'a content-length list of differing values': post(['5, 6']),
        'a content-length that is not a number': post(['5x']),
        'a negative content-length': post(['-1']),
        'a content-length with a plus sign': post(['+5']),
        'a content-length with a fraction': post(['5.0']),
        'a hexadecimal content-length': post(['0x5']),
        'an empty content-length': post(['']),
      });
    },
  },
  {
    id: 'http.malformed.field-syntax',
    title: 'obsolete line folding, bare CR or LF, and malformed header fields are refused with 400',
    requirements: ['SEC-3', 'HTTP-CONN-2', 'HTTP-CONN-3'],
    async run(context) {
      const get =
        (...extra: string[]): Malformed =>
        (path, host, token) =>
          request(`GET ${path} HTTP/1.1`, [`Host: ${host}`, `${TOKEN_HEADER}: ${token}`, ...extra]);
      await expectRefused(context, 'SEC-3', {
        'obsolete line folding': get('X-Probe-Fold: a', ' b'),
        'a bare CR in a value': get('X-Probe-Cr: a\rb'),
        'a header line ending in a bare LF': get(`X-Probe-Lf: a\nX-Probe-Next: b`),
        'whitespace between name and colon': get('X-Probe-Space : a'),
        'a line without a colon': get('X-Probe-No-Colon'),
        'a space inside a name': get('X Probe: a'),
        'a NUL in a value': get('X-Probe-Nul: a\u0000b'),
      });
    },
  },
  {
    id: 'http.malformed.host',
    title: 'an HTTP/1.1 request without host, or with more than one, is refused with 400',
    requirements: ['SEC-4', 'HTTP-CONN-2', 'HTTP-CONN-3'],
    async run(context) {
      await expectRefused(context, 'SEC-4', {
        'no host field': (path, _host, token) =>
          request(`GET ${path} HTTP/1.1`, [`${TOKEN_HEADER}: ${token}`]),
        'two differing host fields': (path, host, token) =>
          request(`GET ${path} HTTP/1.1`, [
            `Host: ${host}`,
            `${TOKEN_HEADER}: ${token}`,
            'Host: other.example',
          ]),
        'two equal host fields': (path, host, token) =>
          request(`GET ${path} HTTP/1.1`, [
            `Host: ${host}`,
            `${TOKEN_HEADER}: ${token}`,
            `Host: ${host}`,
          ]),
      });
    },
  },
  {
    id: 'http.malformed.transfer-encoding',
    title:
      'transfer-encoding on HTTP/1.0, or a coding list not ending in chunked, is refused with 400',
    requirements: ['SEC-5', 'HTTP-CONN-2', 'HTTP-CONN-3'],
    async run(context) {
      const post =
        (version: string, coding: string): Malformed =>
        (path, host, token) =>
          request(
            `POST ${path} HTTP/${version}`,
            [`Host: ${host}`, `${TOKEN_HEADER}: ${token}`, `Transfer-Encoding: ${coding}`],
            `0${CRLF}${CRLF}`,
          );
      await expectRefused(context, 'SEC-5', {
        'transfer-encoding on HTTP/1.0': post('1.0', 'chunked'),
        'a coding list ending in gzip': post('1.1', 'chunked, gzip'),
        'a coding list without chunked': post('1.1', 'gzip'),
        'a coding that only resembles chunked': post('1.1', 'xchunked'),
      });
    },
  },
  {
    id: 'http.malformed.request-line',
    title: 'an invalid request line is refused with 400 and never reaches the app',
    requirements: ['HTTP-CONN-2', 'HTTP-CONN-3'],
    async run(context) {
      await expectRefused(context, 'HTTP-CONN-2', {
        'a fourth element in the request line': (path, host, token) =>
          request(`GET ${path} HTTP/1.1 extra`, [`Host: ${host}`, `${TOKEN_HEADER}: ${token}`]),
        'a space inside the target': (path, host, token) =>
          request(`GET ${path}&x=a b HTTP/1.1`, [`Host: ${host}`, `${TOKEN_HEADER}: ${token}`]),
        'an unknown HTTP version': (path, host, token) =>
          request(`GET ${path} HTTP/9.1`, [`Host: ${host}`, `${TOKEN_HEADER}: ${token}`]),
        'a control character in the target': (path, host, token) =>
          request(`GET ${path}\u0001 HTTP/1.1`, [`Host: ${host}`, `${TOKEN_HEADER}: ${token}`]),
      });
    },
  },
  {
    id: 'http.malformed.chunk-size',
    title: 'a malformed chunk gives the app http.disconnect, a 400, and ends the connection',
    requirements: ['HTTP-CONN-2', 'HTTP-REQ-4'],
    async run(context) {
      const bodies: Record<string, string> = {
        'a chunk size that is not hex': `5${CRLF}hello${CRLF}zz${CRLF}world${CRLF}0${CRLF}${CRLF}`,
        'a chunk without its CRLF': `5${CRLF}helloXX5${CRLF}world${CRLF}0${CRLF}${CRLF}`,
      };
      for (const [name, body] of Object.entries(bodies)) {
        const token = context.token();
        const next = context.token();
        const connection = await context.raw();
        await connection.write(
          buildRequest(
            `POST ${context.path('/read-body')} HTTP/1.1`,
            [
              ['Host', context.target.authority],
              [TOKEN_HEADER, token],
              ['Transfer-Encoding', 'chunked'],
            ],
            body,
          ) + context.get(`/count?token=${next}`),
        );
        const response = await connection.readResponse({ timeoutMs: 5000 }).catch(() => null);
        if (response !== null)
          expectEqual('HTTP-CONN-2', `the status for a body with ${name}`, response.status, 400);
        expectThat(
          'HTTP-CONN-2',
          `the connection after ${name}`,
          await connection.waitClosed(3000),
          'closed',
          'still open after 3 s',
        );
        expectEqual(
          'HTTP-CONN-2',
          `app calls for the request pipelined behind ${name}`,
          await context.calls(next),
          0,
        );
        const report = await context.waitResults(token, (value) => value.end !== 'pending', 4000);
        if (report === undefined) continue;
        const events = (field(report, 'events') as Record<string, unknown>[] | undefined) ?? [];
        expectThat(
          'HTTP-REQ-4',
          `the receive events of a body with ${name}`,
          !events.some((event) => event.type === 'http.request' && event.moreBody === false),
          'no final http.request',
          () => show(events.map((event) => event.type)),
        );
        expectEqual(
          'HTTP-REQ-4',
          `the last receive event of a body with ${name}`,
          events.at(-1)?.type,
          'http.disconnect',
        );
      }
    },
  },
  {
    id: 'http.malformed.limits',
    title: "a request beyond the server's limits (a 1 MiB header field, a 1 MiB target) is refused",
    requirements: ['SEC-7'],
    level: 'SHOULD',
    async run(context) {
      const huge = 'x'.repeat(1024 * 1024);
      await expectRefused(
        context,
        'SEC-7',
        {
          'a 1 MiB header field': (path, host, token) =>
            request(`GET ${path} HTTP/1.1`, [
              `Host: ${host}`,
              `${TOKEN_HEADER}: ${token}`,
              `X-Probe-Huge: ${huge}`,
            ]),
          'a 1 MiB target': (path, host, token) =>
            request(`GET ${path}&pad=${huge} HTTP/1.1`, [
              `Host: ${host}`,
              `${TOKEN_HEADER}: ${token}`,
            ]),
        },
        [400, 413, 414, 431],
        false,
      );
    },
  },
]);
