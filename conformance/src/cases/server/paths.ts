/**
 * Paths and query strings: `path` decoded, `rawPath` as received,
 * `queryString` raw, and the mount point. The rows follow the worked
 * examples of the spec.
 *
 * @module
 */

import { expectEqual, expectThat, show } from '../../assert.js';
import { defineGroup } from '../../case.js';
import type { ServerContext } from '../../server-context.js';
import { rawScope } from './helpers.js';

/** One request target and what the scope must say about it (the mount point is put in front). */
interface Row {
  readonly target: string;
  readonly path: string;
  readonly rawPath: string;
  readonly queryString: string;
}

const ROWS: readonly Row[] = [
  { target: '/a%2Fb', path: '/a/b', rawPath: '/a%2Fb', queryString: '' },
  { target: '/100%25', path: '/100%', rawPath: '/100%25', queryString: '' },
  { target: '/caf%E9', path: '/caf\uFFFD', rawPath: '/caf%E9', queryString: '' },
  {
    target: '/%C3%A9t%C3%A9?x=%20',
    path: '/\u00e9t\u00e9',
    rawPath: '/%C3%A9t%C3%A9',
    queryString: 'x=%20',
  },
  {
    target: '/%e2%82%ac%E2%82%AC',
    path: '/\u20ac\u20ac',
    rawPath: '/%e2%82%ac%E2%82%AC',
    queryString: '',
  },
  { target: '/a+b', path: '/a+b', rawPath: '/a+b', queryString: '' },
  { target: '/a/./b/../c', path: '/a/./b/../c', rawPath: '/a/./b/../c', queryString: '' },
  { target: '/%2e%2e/etc', path: '/../etc', rawPath: '/%2e%2e/etc', queryString: '' },
  { target: '//x//y', path: '//x//y', rawPath: '//x//y', queryString: '' },
  { target: '/50%zz', path: '/50%zz', rawPath: '/50%zz', queryString: '' },
  { target: '/s?q=a?b', path: '/s', rawPath: '/s', queryString: 'q=a?b' },
  { target: '/s?', path: '/s', rawPath: '/s', queryString: '' },
  { target: '/q?a=b+c&d=%2F&e', path: '/q', rawPath: '/q', queryString: 'a=b+c&d=%2F&e' },
];

async function eachRow(
  context: ServerContext,
  requirement: string,
  check: (row: Row, scope: Record<string, unknown>, root: string) => void,
): Promise<void> {
  const root = context.target.rootPath;
  for (const row of ROWS) {
    const { scope } = await rawScope(context, requirement, `GET ${root}${row.target} HTTP/1.1`);
    check(row, scope, root);
  }
}

/** The cases of the `http.paths` group. */
export const pathCases = defineGroup<ServerContext>('http.paths', [
  {
    id: 'http.paths.percent-decoding',
    title:
      'scope.path is percent-decoded as UTF-8 (%2F and %25 too, bad bytes as U+FFFD), nothing else',
    requirements: ['HTTP-SCOPE-6', 'HTTP-SCOPE-17'],
    async run(context) {
      await eachRow(context, 'HTTP-SCOPE-6', (row, scope, root) => {
        expectEqual(
          'HTTP-SCOPE-6',
          `scope.path for ${show(`${root}${row.target}`)}`,
          scope.path,
          `${root}${row.path}`,
        );
        expectThat(
          'HTTP-SCOPE-17',
          'scope.path',
          String(scope.path).startsWith('/'),
          'a path starting with "/"',
          show(scope.path),
        );
      });
    },
  },
  {
    id: 'http.paths.raw-path',
    title: 'scope.rawPath is the path exactly as received, without the query',
    requirements: ['HTTP-SCOPE-7'],
    async run(context) {
      await eachRow(context, 'HTTP-SCOPE-7', (row, scope, root) => {
        expectEqual(
          'HTTP-SCOPE-7',
          `scope.rawPath for ${show(`${root}${row.target}`)}`,
          scope.rawPath,
          `${root}${row.rawPath}`,
        );
      });
    },
  },
  {
    id: 'http.paths.query-string',
    title: 'scope.queryString is the raw text after the first "?", without it',
    requirements: ['HTTP-SCOPE-8'],
    async run(context) {
      await eachRow(context, 'HTTP-SCOPE-8', (row, scope, root) => {
        expectEqual(
          'HTTP-SCOPE-8',
          `scope.queryString for ${show(`${root}${row.target}`)}`,
          scope.queryString,
          row.queryString,
        );
      });
    },
  },
  {
    id: 'http.paths.asterisk-form',
    title: 'an asterisk-form target gives path and rawPath "*"',
    requirements: ['HTTP-SCOPE-7', 'HTTP-SCOPE-17'],
    async run(context) {
      const { scope } = await rawScope(context, 'HTTP-SCOPE-17', 'OPTIONS * HTTP/1.1');
      expectEqual('HTTP-SCOPE-17', 'scope.path for OPTIONS *', scope.path, '*');
      expectEqual('HTTP-SCOPE-7', 'scope.rawPath for OPTIONS *', scope.rawPath, '*');
      expectEqual('HTTP-SCOPE-7', 'scope.queryString for OPTIONS *', scope.queryString, '');
    },
  },
  {
    id: 'http.paths.absolute-form',
    title: 'an absolute-form target gives the path after the authority, "/" when empty',
    requirements: ['HTTP-SCOPE-6', 'HTTP-SCOPE-7', 'HTTP-SCOPE-8'],
    async run(context) {
      const root = context.target.rootPath;
      const { scope } = await rawScope(
        context,
        'HTTP-SCOPE-7',
        `GET http://${context.target.authority}${root}/p%2Fq?x=1 HTTP/1.1`,
      );
      expectEqual(
        'HTTP-SCOPE-7',
        'scope.rawPath for an absolute-form target',
        scope.rawPath,
        `${root}/p%2Fq`,
      );
      expectEqual(
        'HTTP-SCOPE-6',
        'scope.path for an absolute-form target',
        scope.path,
        `${root}/p/q`,
      );
      expectEqual(
        'HTTP-SCOPE-8',
        'scope.queryString for an absolute-form target',
        scope.queryString,
        'x=1',
      );
      if (root !== '') return;
      const empty = await rawScope(
        context,
        'HTTP-SCOPE-7',
        `GET http://${context.target.authority} HTTP/1.1`,
      );
      expectEqual(
        'HTTP-SCOPE-7',
        'scope.rawPath for an absolute-form target without a path',
        empty.scope.rawPath,
        '/',
      );
      expectEqual(
        'HTTP-SCOPE-6',
        'scope.path for an absolute-form target without a path',
        empty.scope.path,
        '/',
      );
    },
  },
  {
    id: 'http.paths.root-path',
    title:
      'scope.rootPath is the mount point (or "") and scope.path starts with it at a segment boundary',
    requirements: ['HTTP-SCOPE-9'],
    async run(context) {
      const root = context.target.rootPath;
      for (const route of ['/echo-scope', '/echo-scope/sub%2Fpath']) {
        const { scope } = await rawScope(context, 'HTTP-SCOPE-9', `GET ${root}${route} HTTP/1.1`);
        expectEqual('HTTP-SCOPE-9', 'scope.rootPath', scope.rootPath, root);
        const path = String(scope.path);
        const rootPath = String(scope.rootPath);
        expectThat(
          'HTTP-SCOPE-9',
          'scope.path',
          path.startsWith(rootPath) &&
            (path.length === rootPath.length || path[rootPath.length] === '/'),
          `a path that starts with ${show(rootPath)} followed by "/"`,
          show(path),
        );
      }
    },
  },
]);
