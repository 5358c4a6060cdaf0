/**
 * Responses the server must refuse to transmit as the app sent them: a body
 * that does not match its content-length, and a start with a bad status or
 * header. The server rejects the send() citing the rule and never lets the
 * client take the result for a valid response.
 *
 * @module
 */

import { expectEqual, expectOneOf, expectThat } from '../../assert.js';
import { defineGroup } from '../../case.js';
import { buildRequest, type RawConnection, type RawResponse } from '../../clients/raw-http.js';
import { TOKEN_HEADER } from '../../probe/constants.js';
import type { ServerContext } from '../../server-context.js';
import {
  describeOutcome,
  expectAborted,
  readMaybeAborted,
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

/** The cases of the `http.refusal` group. */
export const refusalCases = defineGroup<ServerContext>('http.refusal', [
  {
    id: 'http.refusal.content-length-exceeded',
    title:
      'more bytes than content-length: send() rejects citing HTTP-RESP-7 and the response is aborted',
    requirements: ['HTTP-RESP-11'],
    async run(context) {
      const token = context.token();
      const connection = await context.raw();
      await connection.write(context.get('/long-content-length', [[TOKEN_HEADER, token]]));
      const response = await readMaybeAborted(connection);
      await expectAborted(
        'HTTP-RESP-11',
        'a response whose app sent more than its content-length',
        connection,
        response,
      );
      const sent = await context.waitResults(token);
      expectThat(
        'HTTP-RESP-11',
        'the send() that exceeded content-length',
        rejectedCiting(sent, 'HTTP-RESP-7'),
        'a rejection citing HTTP-RESP-7',
        describeOutcome(sent),
      );
    },
  },
  {
    id: 'http.refusal.content-length-short',
    title:
      'fewer bytes than content-length: the ending send() rejects and the response is aborted, never padded',
    requirements: ['HTTP-RESP-11'],
    async run(context) {
      const token = context.token();
      const connection = await context.raw();
      await connection.write(context.get('/short-content-length', [[TOKEN_HEADER, token]]));
      const response = await readMaybeAborted(connection);
      await expectAborted(
        'HTTP-RESP-11',
        'a response whose app sent less than its content-length',
        connection,
        response,
      );
      const sent = await context.waitResults(token);
      expectThat(
        'HTTP-RESP-11',
        'the send() that ended the body short',
        rejectedCiting(sent, 'HTTP-RESP-7'),
        'a rejection citing HTTP-RESP-7',
        describeOutcome(sent),
      );
    },
  },
  {
    id: 'http.refusal.invalid-start',
    title:
      'a status outside 200-599 or a bad header is refused: send() rejects citing the rule, nothing goes out',
    requirements: ['HTTP-RESP-16'],
    async run(context) {
      const kinds = [
        ['status', 'HTTP-RESP-2'],
        ['header-name', 'HTTP-RESP-3'],
        ['header-value', 'HTTP-RESP-3'],
        ['header-non-latin1', 'HTTP-RESP-3'],
      ] as const;
      for (const [kind, cited] of kinds) {
        const token = context.token();
        const { response } = await get(context, 'HTTP-RESP-16', `/bad-event?kind=${kind}`, {
          headers: [[TOKEN_HEADER, token]],
        });
        const sent = await context.results(token);
        expectThat(
          'HTTP-RESP-16',
          `send() of an http.response.start with a bad ${kind}`,
          rejectedCiting(sent, cited),
          `a rejection citing ${cited}`,
          describeOutcome(sent),
        );
        // The server may let the app go on (its 200) or fail the exchange (a 500): never the bad start.
        expectOneOf(
          'HTTP-RESP-16',
          `the status on the wire after a refused ${kind}`,
          response.status,
          [200, 500],
        );
        const leaked = response.headers.filter(([name]) =>
          /^x-probe-(split|injected|wide)$/i.test(name),
        );
        expectEqual(
          'HTTP-RESP-16',
          `fields of the refused start on the wire (${kind})`,
          leaked,
          [],
        );
      }
    },
  },
]);
