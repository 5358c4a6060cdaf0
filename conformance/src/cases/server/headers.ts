/**
 * Request headers in the scope: lowercase names, order and duplicates,
 * Latin-1 values without surrounding whitespace, cookie joining, and the
 * authority of an absolute-form target.
 *
 * @module
 */

import { expectEqual, expectThat, show } from '../../assert.js';
import { defineGroup } from '../../case.js';
import type { ServerContext } from '../../server-context.js';
import { headersOf, probeHeaders, rawScope } from './helpers.js';

/** The cases of the `http.headers` group. */
export const headerCases = defineGroup<ServerContext>('http.headers', [
  {
    id: 'http.headers.order-case-duplicates',
    title: 'scope.headers keeps every field line in order, duplicates apart, names lowercased',
    requirements: ['HTTP-SCOPE-10'],
    async run(context) {
      const { scope } = await rawScope(
        context,
        'HTTP-SCOPE-10',
        `GET ${context.path('/echo-scope')} HTTP/1.1`,
        [
          ['Host', context.target.authority],
          ['X-Probe-B', '1'],
          ['x-probe-a', '2'],
          ['X-PROBE-B', '3'],
          ['Accept', 'text/html'],
          ['X-Probe-List', 'a, b'],
          ['Accept', 'application/json'],
        ],
      );
      const names = headersOf(scope).map(([name]) => name);
      const upper = names.filter((name) => typeof name !== 'string' || name !== name.toLowerCase());
      expectThat(
        'HTTP-SCOPE-10',
        'scope.headers names',
        upper.length === 0,
        'lowercase names only',
        show(upper),
      );
      const ours = headersOf(scope).filter(([name]) => /^(x-probe-[abl]|accept)/.test(name));
      expectEqual('HTTP-SCOPE-10', 'scope.headers (the test fields, in order)', ours, [
        ['x-probe-b', '1'],
        ['x-probe-a', '2'],
        ['x-probe-b', '3'],
        ['accept', 'text/html'],
        ['x-probe-list', 'a, b'],
        ['accept', 'application/json'],
      ]);
    },
  },
  {
    id: 'http.headers.latin1-values',
    title:
      'header values are the received bytes read as Latin-1, surrounding spaces and tabs removed',
    requirements: ['HTTP-SCOPE-15'],
    async run(context) {
      const { scope } = await rawScope(
        context,
        'HTTP-SCOPE-15',
        `GET ${context.path('/echo-scope')} HTTP/1.1`,
        [
          ['Host', context.target.authority],
          ['X-Probe-Utf8', '  Zo\u00c3\u00ab \t'],
          ['X-Probe-Latin', 'caf\u00e9'],
          ['X-Probe-Inner', 'a  b\tc'],
          ['X-Probe-Empty', ''],
        ],
      );
      expectEqual(
        'HTTP-SCOPE-15',
        'the Latin-1 reading of trimmed header values',
        probeHeaders(scope),
        [
          ['x-probe-utf8', 'Zo\u00c3\u00ab'],
          ['x-probe-latin', 'caf\u00e9'],
          ['x-probe-inner', 'a  b\tc'],
          ['x-probe-empty', ''],
        ],
      );
    },
  },
  {
    id: 'http.headers.cookie-joined',
    title: 'several cookie fields become one cookie pair joined with "; ", where the first was',
    requirements: ['HTTP-SCOPE-12'],
    async run(context) {
      const one = await rawScope(
        context,
        'HTTP-SCOPE-12',
        `GET ${context.path('/echo-scope')} HTTP/1.1`,
        [
          ['Host', context.target.authority],
          ['Cookie', 'a=1; b=2'],
        ],
      );
      expectEqual(
        'HTTP-SCOPE-12',
        'the cookie pairs of a request with one cookie field',
        headersOf(one.scope).filter(([name]) => name === 'cookie'),
        [['cookie', 'a=1; b=2']],
      );
      const two = await rawScope(
        context,
        'HTTP-SCOPE-12',
        `GET ${context.path('/echo-scope')} HTTP/1.1`,
        [
          ['Host', context.target.authority],
          ['X-Probe-Before', '1'],
          ['Cookie', 'a=1'],
          ['X-Probe-Middle', '2'],
          ['Cookie', 'b=2; c=3'],
          ['X-Probe-After', '3'],
        ],
      );
      expectEqual(
        'HTTP-SCOPE-12',
        'scope.headers of a request with two cookie fields',
        headersOf(two.scope).filter(
          ([name]) => name === 'cookie' || /^x-probe-(before|middle|after)$/.test(name),
        ),
        [
          ['x-probe-before', '1'],
          ['cookie', 'a=1; b=2; c=3'],
          ['x-probe-middle', '2'],
          ['x-probe-after', '3'],
        ],
      );
    },
  },
  {
    id: 'http.headers.no-pseudo-headers',
    title: 'no pseudo-header (a name starting with ":") appears in scope.headers',
    requirements: ['HTTP-SCOPE-11'],
    async run(context) {
      const { scope } = await context.scope();
      const pseudo = headersOf(scope).filter(([name]) => String(name).startsWith(':'));
      expectEqual('HTTP-SCOPE-11', 'pseudo-headers in scope.headers', pseudo, []);
    },
  },
  {
    id: 'http.headers.absolute-form-host',
    title: 'an absolute-form target gives exactly one host pair holding its authority',
    requirements: ['HTTP-SCOPE-18'],
    async run(context) {
      const { scope } = await rawScope(
        context,
        'HTTP-SCOPE-18',
        `GET http://probe.example:8123${context.path('/echo-scope')} HTTP/1.1`,
        [['Host', 'other.example']],
      );
      expectEqual(
        'HTTP-SCOPE-18',
        'the host pairs of an absolute-form request',
        headersOf(scope).filter(([name]) => name === 'host'),
        [['host', 'probe.example:8123']],
      );
    },
  },
]);
