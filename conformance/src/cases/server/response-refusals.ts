/**
 * Responses the server must refuse to transmit as the app sent them: a body
 * that does not match its content-length, and a start with a bad status or
 * header. The server rejects the send() citing the rule and never lets the
 * client take the result for a valid response. The refusal fails the
 * exchange (section 3.7): every later send() rejects with the same error, and
 * when the app settles the server answers 500, or aborts a started response.
 *
 * @module
 */

import { expectEqual, expectThat } from '../../assert.js';
import { defineGroup } from '../../case.js';
import { buildRequest, type RawConnection, type RawResponse } from '../../clients/raw-http.js';
import { TOKEN_HEADER } from '../../probe/constants.js';
import type { ServerContext } from '../../server-context.js';
import {
  describeOutcome,
  expectAborted,
  expectStillFailed,
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
      'more bytes than content-length: send() rejects citing HTTP-RESP-7, and so does every later send(); the response is aborted',
    requirements: ['HTTP-RESP-11', 'SRV-3'],
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
      expectStillFailed('the body that exceeded content-length', sent);
    },
  },
  {
    id: 'http.refusal.content-length-short',
    title:
      'fewer bytes than content-length: the ending send() rejects, and so does every later send(); the response is aborted, never padded',
    requirements: ['HTTP-RESP-11', 'SRV-3'],
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
      expectStillFailed('the body that ended short of content-length', sent);
    },
  },
  {
    id: 'http.refusal.invalid-start',
    title:
      'a status outside 200-599 or a bad header is refused citing the rule, nothing of it goes out, later sends reject too, and the answer is a 500',
    requirements: ['HTTP-RESP-16', 'SRV-3', 'HTTP-FAIL-3'],
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
        // The probe then sends a valid start, which the failed exchange refuses as well.
        expectStillFailed(`an http.response.start with a bad ${kind}`, sent);
        const leaked = response.headers.filter(([name]) =>
          /^x-probe-(split|injected|wide)$/i.test(name),
        );
        expectEqual(
          'HTTP-RESP-16',
          `fields of the refused start on the wire (${kind})`,
          leaked,
          [],
        );
        // The probe returns: no start was accepted, so the server answers 500.
        expectEqual(
          'HTTP-FAIL-3',
          `the status on the wire once the app returned after a refused ${kind}`,
          response.status,
          500,
        );
      }
    },
  },
]);
