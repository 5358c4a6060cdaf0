/**
 * The HTTP scope: its shape against the JSON Schema, and the fields that
 * describe the request and the connection.
 *
 * @module
 */

import { isIP } from 'node:net';
import { expectEqual, expectThat, fail, show } from '../../assert.js';
import { defineGroup } from '../../case.js';
import { buildRequest } from '../../clients/raw-http.js';
import { ROUTE_HEADER } from '../../probe/constants.js';
import { findForeign } from '../../probe/wire.js';
import { schemaProblems } from '../../schema.js';
import { type ServerContext, scopeReport } from '../../server-context.js';
import { jsonBody, rawScope, readResponseFor } from './helpers.js';

/** Strips the IPv4-mapped IPv6 prefix, which dual-stack sockets may report. */
function plainAddress(host: unknown): unknown {
  return typeof host === 'string' ? host.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '') : host;
}

/** The cases of the `http.scope` group. */
export const scopeCases = defineGroup<ServerContext>('http.scope', [
  {
    id: 'http.scope.schema',
    title: 'the HTTP scope is a plain object that matches the scope.http JSON Schema',
    requirements: ['SRV-2'],
    async run(context) {
      const report = await context.scope({ query: '?a=1' });
      const problems = schemaProblems('scope.http', report.scope);
      expectThat(
        'SRV-2',
        'the HTTP scope',
        problems.length === 0,
        'a value valid against scope.http.json',
        () => problems.join('; '),
      );
      const foreign = findForeign(report.encoded);
      expectThat(
        'SRV-2',
        'the HTTP scope',
        foreign.length === 0,
        'plain objects and arrays only',
        () => foreign.join('; '),
      );
    },
  },
  {
    id: 'http.scope.type-and-version',
    title: 'scope.type is "http" and scope.tsgi.version is "1.0"',
    requirements: ['HTTP-SCOPE-1', 'HTTP-SCOPE-2', 'VER-1'],
    async run(context) {
      const { scope } = await context.scope();
      expectEqual('HTTP-SCOPE-1', 'scope.type', scope.type, 'http');
      const tsgi = scope.tsgi as { version?: unknown } | undefined;
      expectEqual('HTTP-SCOPE-2', 'scope.tsgi.version', tsgi?.version, '1.0');
      expectEqual('VER-1', 'scope.tsgi.version', tsgi?.version, '1.0');
    },
  },
  {
    id: 'http.scope.http-version',
    title: 'scope.httpVersion names the version the request arrived in',
    requirements: ['HTTP-SCOPE-3'],
    async run(context) {
      const path = context.path('/echo-scope');
      const v11 = await rawScope(context, 'HTTP-SCOPE-3', `GET ${path} HTTP/1.1`);
      expectEqual(
        'HTTP-SCOPE-3',
        'scope.httpVersion of an HTTP/1.1 request',
        v11.scope.httpVersion,
        '1.1',
      );
      const v10 = await rawScope(context, 'HTTP-SCOPE-3', `GET ${path} HTTP/1.0`, [
        ['Host', context.target.authority],
      ]);
      expectEqual(
        'HTTP-SCOPE-3',
        'scope.httpVersion of an HTTP/1.0 request',
        v10.scope.httpVersion,
        '1.0',
      );
    },
  },
  {
    id: 'http.scope.method',
    title: 'scope.method is the method exactly as received',
    requirements: ['HTTP-SCOPE-4'],
    async run(context) {
      const path = context.path('/echo-scope');
      for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'PROPFIND']) {
        const body = method === 'GET' || method === 'OPTIONS' ? '' : 'x';
        const headers: [string, string][] = [['Host', context.target.authority]];
        if (body !== '') headers.push(['Content-Length', '1']);
        const report = await rawScope(
          context,
          'HTTP-SCOPE-4',
          `${method} ${path} HTTP/1.1`,
          headers,
          body,
        );
        expectEqual(
          'HTTP-SCOPE-4',
          `scope.method of a ${method} request`,
          report.scope.method,
          method,
        );
      }
      // A server may refuse a method it does not know, but one it passes on keeps its case.
      const connection = await context.raw();
      await connection.write(
        buildRequest(`get ${path} HTTP/1.1`, [
          ['Host', context.target.authority],
          [ROUTE_HEADER, '/echo-scope'],
        ]),
      );
      const response = await readResponseFor(
        'HTTP-SCOPE-4',
        'the answer to a "get" request',
        connection,
      );
      if (response.status === 200) {
        const { scope } = scopeReport(jsonBody('HTTP-SCOPE-4', 'the probe answer', response));
        expectEqual('HTTP-SCOPE-4', 'scope.method of a "get" request', scope.method, 'get');
      }
    },
  },
  {
    id: 'http.scope.scheme',
    title: 'scope.scheme is "https" over TLS and "http" otherwise',
    requirements: ['HTTP-SCOPE-5'],
    async run(context) {
      const { scope } = await context.scope();
      expectEqual(
        'HTTP-SCOPE-5',
        'scope.scheme',
        scope.scheme,
        context.target.tls ? 'https' : 'http',
      );
    },
  },
  {
    id: 'http.scope.client-address',
    title: 'scope.client is the peer address and port (null on a unix socket)',
    requirements: ['HTTP-SCOPE-13'],
    async run(context) {
      const connection = await context.raw();
      const local = { host: connection.socket.localAddress, port: connection.socket.localPort };
      await connection.write(context.get('/echo-scope'));
      const response = await readResponseFor('HTTP-SCOPE-13', 'the /echo-scope answer', connection);
      const { scope } = scopeReport(jsonBody('HTTP-SCOPE-13', 'the probe answer', response));
      const client = scope.client as { host?: unknown; port?: unknown } | null;
      if (context.target.kind === 'unix') {
        expectEqual('HTTP-SCOPE-13', 'scope.client on a unix socket', client, null);
        return;
      }
      if (client === null || typeof client !== 'object') {
        fail('HTTP-SCOPE-13', 'scope.client', show(local), show(client));
      }
      expectThat(
        'HTTP-SCOPE-13',
        'scope.client.host',
        isIP(String(client.host)) !== 0,
        'an IP address in text form',
        show(client.host),
      );
      expectEqual(
        'HTTP-SCOPE-13',
        'scope.client.host',
        plainAddress(client.host),
        plainAddress(local.host),
      );
      expectEqual('HTTP-SCOPE-13', 'scope.client.port', client.port, local.port);
    },
  },
  {
    id: 'http.scope.server-address',
    title:
      'scope.server is the local address and port ({ host: socketPath, port: null } on a unix socket)',
    requirements: ['HTTP-SCOPE-14'],
    async run(context) {
      const connection = await context.raw();
      const remote = { host: connection.socket.remoteAddress, port: connection.socket.remotePort };
      await connection.write(context.get('/echo-scope'));
      const response = await readResponseFor('HTTP-SCOPE-14', 'the /echo-scope answer', connection);
      const { scope } = scopeReport(jsonBody('HTTP-SCOPE-14', 'the probe answer', response));
      const server = scope.server as { host?: unknown; port?: unknown } | null;
      if (context.target.kind === 'unix') {
        if (server === null) return;
        expectEqual('HTTP-SCOPE-14', 'scope.server on a unix socket', server, {
          host: context.target.socketPath,
          port: null,
        });
        return;
      }
      if (server === null || typeof server !== 'object') {
        fail('HTTP-SCOPE-14', 'scope.server', show(remote), show(server));
      }
      expectEqual(
        'HTTP-SCOPE-14',
        'scope.server.host',
        plainAddress(server.host),
        plainAddress(remote.host),
      );
      expectEqual('HTTP-SCOPE-14', 'scope.server.port', server.port, remote.port);
    },
  },
  {
    id: 'http.scope.extensions',
    title: 'scope.extensions is an object, and data-less extensions are empty objects',
    requirements: ['HTTP-SCOPE-16', 'EXT-2'],
    async run(context) {
      const { scope } = await context.scope({ headers: { te: 'trailers' } });
      const extensions = scope.extensions;
      expectThat(
        'HTTP-SCOPE-16',
        'scope.extensions',
        extensions !== null && typeof extensions === 'object' && !Array.isArray(extensions),
        'an object',
        show(extensions),
      );
      const flags = ['http.response.trailers', 'http.response.earlyHints', 'http.response.file'];
      for (const name of flags) {
        const value = (extensions as Record<string, unknown>)[name];
        if (value === undefined) continue;
        expectEqual('EXT-2', `scope.extensions[${JSON.stringify(name)}]`, value, {});
      }
    },
  },
]);
