/**
 * The optional HTTP extensions: trailers, 103 Early Hints, file responses and
 * TLS facts. A case for an extension the server does not advertise is
 * skipped; the rules about when an extension may be advertised are checked
 * on every server.
 *
 * @module
 */

import { expectBytes, expectEqual, expectThat, latin1, show } from '../../assert.js';
import { defineGroup } from '../../case.js';
import { buildRequest, headerValues } from '../../clients/raw-http.js';
import { EARLY_HINTS, FILE_SIZE, fileByte, TRAILER } from '../../probe/constants.js';
import type { ServerContext } from '../../server-context.js';
import {
  describeOutcome,
  expectAborted,
  expectStillFailed,
  field,
  rawScope,
  readMaybeAborted,
  readResponseFor,
} from './helpers.js';

function fileBytes(offset: number, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = fileByte(offset + i);
  return bytes;
}

function extensionsOf(scope: Record<string, unknown>): Record<string, unknown> {
  const value = scope.extensions;
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
}

/** The cases of the `http.extensions` group. */
export const extensionCases = defineGroup<ServerContext>('http.extensions', [
  {
    id: 'http.extensions.trailers-advertised-only-with-te',
    title: 'trailers are not advertised without "TE: trailers", nor on HTTP/1.0',
    requirements: ['EXT-TRAILERS-1'],
    async run(context) {
      const plain = await context.scope();
      expectEqual(
        'EXT-TRAILERS-1',
        'the trailers extension without "TE: trailers"',
        extensionsOf(plain.scope)['http.response.trailers'],
        undefined,
      );
      const old = await rawScope(
        context,
        'EXT-TRAILERS-1',
        `GET ${context.path('/echo-scope')} HTTP/1.0`,
        [
          ['Host', context.target.authority],
          ['TE', 'trailers'],
        ],
      );
      expectEqual(
        'EXT-TRAILERS-1',
        'the trailers extension on HTTP/1.0',
        extensionsOf(old.scope)['http.response.trailers'],
        undefined,
      );
    },
  },
  {
    id: 'http.extensions.trailers',
    title: 'trailer fields go out after the body, as the trailer section of a chunked body',
    requirements: ['EXT-TRAILERS-3'],
    needs: 'http.response.trailers',
    async run(context) {
      const connection = await context.raw();
      await connection.write(context.get('/trailers', [['TE', 'trailers']]));
      const response = await readResponseFor(
        'EXT-TRAILERS-3',
        'the answer to /trailers',
        connection,
      );
      expectEqual(
        'EXT-TRAILERS-3',
        'the framing of a response with trailers',
        response.framing,
        'chunked',
      );
      expectEqual('EXT-TRAILERS-3', 'the body', latin1(response.body), 'trailer-body');
      expectEqual(
        'EXT-TRAILERS-3',
        'the trailer section',
        response.trailers.map(([name, value]) => [name.toLowerCase(), value]),
        [[TRAILER[0], TRAILER[1]]],
      );
    },
  },
  {
    id: 'http.extensions.trailers-end-the-response',
    title: 'a response with trailers is not complete before the trailers event',
    requirements: ['EXT-TRAILERS-3'],
    needs: 'http.response.trailers',
    async run(context) {
      const gate = context.token();
      const connection = await context.raw();
      await connection.write(context.get(`/trailers?gate=${gate}`, [['TE', 'trailers']]));
      await context.waitResults(gate, (report) => report.bodyEnded === true, 4000);
      await context.sleep(300);
      const sofar = latin1(connection.pending);
      const body = sofar.includes('\r\n\r\n') ? sofar.slice(sofar.indexOf('\r\n\r\n') + 4) : '';
      expectThat(
        'EXT-TRAILERS-3',
        'the body bytes sent before the app sent its trailers',
        !/(?:^|\r\n)0+(?:;[^\r\n]*)?\r\n/.test(body),
        'no last chunk yet (the response is not complete)',
        show(body),
      );
      await context.release(gate);
      const response = await readResponseFor(
        'EXT-TRAILERS-3',
        'the answer to /trailers',
        connection,
      );
      expectEqual(
        'EXT-TRAILERS-3',
        'the trailer names',
        response.trailers.map(([name]) => name.toLowerCase()),
        [TRAILER[0]],
      );
    },
  },
  {
    id: 'http.extensions.early-hints',
    title:
      'each early hints event goes out as a 103 response with its headers, before the response',
    requirements: ['EXT-HINTS-2'],
    needs: 'http.response.earlyHints',
    async run(context) {
      const connection = await context.raw();
      await connection.write(context.get('/early-hints'));
      const response = await readResponseFor(
        'EXT-HINTS-2',
        'the answer to /early-hints',
        connection,
      );
      expectEqual(
        'EXT-HINTS-2',
        'the interim statuses',
        response.interim.map((head) => head.status),
        [103, 103],
      );
      expectEqual(
        'EXT-HINTS-2',
        'the link fields of the 103 responses',
        response.interim.map((head) => headerValues(head, 'link')),
        EARLY_HINTS.map((link) => [link]),
      );
      expectEqual('EXT-HINTS-2', 'the final status', response.status, 200);
    },
  },
  {
    id: 'http.extensions.early-hints-not-on-http10',
    title: 'early hints are not advertised to an HTTP/1.0 request',
    requirements: ['EXT-HINTS-2'],
    async run(context) {
      const { scope } = await rawScope(
        context,
        'EXT-HINTS-2',
        `GET ${context.path('/echo-scope')} HTTP/1.0`,
        [['Host', context.target.authority]],
      );
      expectEqual(
        'EXT-HINTS-2',
        'the earlyHints extension on HTTP/1.0',
        extensionsOf(scope)['http.response.earlyHints'],
        undefined,
      );
    },
  },
  {
    id: 'http.extensions.file',
    title: 'a file event sends length bytes of the file from offset as the rest of the body',
    requirements: ['EXT-FILE-2'],
    needs: 'http.response.file',
    async run(context) {
      const whole = await context.request({ path: '/file' });
      expectBytes('EXT-FILE-2', 'the body of the whole file', whole.body, fileBytes(0, FILE_SIZE));
      const part = await context.request({ path: '/file?offset=100&length=1000' });
      expectBytes('EXT-FILE-2', 'the body of bytes 100 to 1099', part.body, fileBytes(100, 1000));
      const after = await context.request({ path: '/file?offset=4000&prefix=1' });
      expectBytes(
        'EXT-FILE-2',
        'a body of "prefix" then the file from 4000',
        after.body,
        Uint8Array.from([...Buffer.from('prefix'), ...fileBytes(4000, FILE_SIZE - 4000)]),
      );
    },
  },
  {
    id: 'http.extensions.file-unreadable',
    title:
      'a file that cannot be read makes send() reject and fails the exchange: later sends reject, and the response is aborted',
    requirements: ['EXT-FILE-2', 'SRV-3', 'HTTP-FAIL-3'],
    needs: 'http.response.file',
    async run(context) {
      for (const prefix of [true, false]) {
        const token = context.token();
        const connection = await context.raw();
        const query = `missing=1${prefix ? '&prefix=1' : ''}&token=${token}`;
        await connection.write(
          buildRequest(`GET ${context.path(`/file?${query}`)} HTTP/1.1`, [
            ['Host', context.target.authority],
          ]),
        );
        const what = prefix ? 'after body bytes went out' : 'before any body byte';
        const response = await readMaybeAborted(connection).catch(() => null);
        const sent = await context.waitResults(token);
        expectThat(
          'EXT-FILE-2',
          `send() of a missing file ${what}`,
          field(sent, 'rejected') === true,
          'a rejection',
          describeOutcome(sent),
        );
        if (prefix) {
          await expectAborted(
            'EXT-FILE-2',
            `a response whose file could not be read ${what}`,
            connection,
            response,
          );
        }
        // The failed file failed the exchange (section 3.7): the probe's next send() is refused too.
        expectStillFailed(`a missing file ${what}`, sent);
        if (!prefix) {
          // The status and headers were decided: once the app returns, the response is aborted.
          await expectAborted(
            'HTTP-FAIL-3',
            `the response once the app returned after a missing file ${what}`,
            connection,
            response,
          );
        }
      }
    },
  },
  {
    id: 'http.extensions.tls',
    title:
      'on TLS, scope.extensions.tls holds protocol, cipher, serverName, alpnProtocol and clientCertificate',
    requirements: ['EXT-TLS-1'],
    needs: 'tls',
    async run(context) {
      const { scope } = await context.scope();
      const tls = extensionsOf(scope).tls as Record<string, unknown> | undefined;
      expectThat(
        'EXT-TLS-1',
        'scope.extensions.tls.protocol',
        typeof tls?.protocol === 'string' && /TLS/.test(String(tls.protocol)),
        'a protocol name such as "TLSv1.3"',
        show(tls?.protocol),
      );
      expectThat(
        'EXT-TLS-1',
        'scope.extensions.tls.cipher',
        typeof tls?.cipher === 'string' && String(tls.cipher).length > 0,
        'a cipher name',
        show(tls?.cipher),
      );
      for (const name of ['serverName', 'alpnProtocol', 'clientCertificate']) {
        const value = tls?.[name];
        expectThat(
          'EXT-TLS-1',
          `scope.extensions.tls.${name}`,
          value === null || typeof value === 'string',
          'a string or null',
          show(value),
        );
      }
      expectEqual(
        'EXT-TLS-1',
        'scope.extensions.tls.clientCertificate without a client certificate',
        tls?.clientCertificate,
        null,
      );
    },
  },
  {
    id: 'http.extensions.tls-absent-on-plaintext',
    title: 'a plaintext connection has no scope.extensions.tls',
    requirements: ['EXT-TLS-1'],
    async run(context) {
      const { scope } = await context.scope();
      if (context.target.tls) {
        expectThat(
          'EXT-TLS-1',
          'scope.extensions.tls on a TLS connection',
          extensionsOf(scope).tls !== undefined,
          'present',
          'absent',
        );
        return;
      }
      expectEqual(
        'EXT-TLS-1',
        'scope.extensions.tls on a plaintext connection',
        extensionsOf(scope).tls,
        undefined,
      );
    },
  },
]);
