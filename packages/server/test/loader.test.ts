import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Application, HttpScope, SendEvent } from 'tsgi';
import {
  LoadError,
  LoadErrorCode,
  loadApp,
  parseAppSpec,
  resolveModulePath,
} from '../src/loader.js';

const APPS = fileURLToPath(new URL('./fixtures/apps/', import.meta.url));
const DIST_LOADER = fileURLToPath(new URL('../dist/loader.js', import.meta.url));

async function loadError(spec: string, cwd = APPS): Promise<LoadError> {
  try {
    await loadApp(spec, cwd);
  } catch (error) {
    assert.ok(error instanceof LoadError, `expected a LoadError, got ${String(error)}`);
    assert.ok(!error.message.includes('\n'), `one line: ${error.message}`);
    return error;
  }
  assert.fail(`loading ${spec} succeeded`);
}

/** Calls an app with a GET scope and returns the body it sent. */
async function bodyOf(app: Application): Promise<string> {
  const scope: HttpScope = {
    type: 'http',
    tsgi: { version: '1.0' },
    httpVersion: '1.1',
    method: 'GET',
    scheme: 'http',
    path: '/x',
    rawPath: '/x',
    queryString: '',
    rootPath: '',
    headers: [],
    client: null,
    server: null,
    extensions: {},
  };
  let body = '';
  await app(
    scope,
    async () => ({ type: 'http.request', body: new Uint8Array(), moreBody: false }),
    async (event: SendEvent) => {
      if (event.type === 'http.response.body') body += String(event.body ?? '');
    },
  );
  return body;
}

describe('parseAppSpec', () => {
  it('[LOAD-1] uses the default export when no name is given', () => {
    assert.deepEqual(parseAppSpec('src/app.js'), {
      module: 'src/app.js',
      exportName: 'default',
      factory: false,
    });
  });

  it('[LOAD-1] splits module and export name, and a factory call', () => {
    assert.deepEqual(parseAppSpec('app.js:main'), {
      module: 'app.js',
      exportName: 'main',
      factory: false,
    });
    assert.deepEqual(parseAppSpec('app.js:create()'), {
      module: 'app.js',
      exportName: 'create',
      factory: true,
    });
    assert.deepEqual(parseAppSpec('C:\\apps\\app.js:main'), {
      module: 'C:\\apps\\app.js',
      exportName: 'main',
      factory: false,
    });
    assert.deepEqual(parseAppSpec('C:\\apps\\app.js').exportName, 'default');
  });

  it('[LOAD-2] rejects a malformed export name and an empty app', () => {
    assert.throws(() => parseAppSpec('app.js:1st'), {
      code: LoadErrorCode.BAD_SPEC,
      message:
        'app "app.js:1st" is not path/to/module.js:exportName ("1st" is not a valid export name)',
    });
    assert.throws(() => parseAppSpec(''), { code: LoadErrorCode.BAD_SPEC });
  });
});

describe('loadApp', () => {
  it('[LOAD-1] loads the default export of a module relative to the working directory', async () => {
    const loaded = await loadApp('hello.js', APPS);
    assert.equal(loaded.path, join(APPS, 'hello.js'));
    assert.equal(loaded.exportName, 'default');
    assert.match(await bodyOf(loaded.app), /^hello from \d+$/);
  });

  it('[LOAD-1] loads a named export and calls a factory', async () => {
    assert.equal(await bodyOf((await loadApp('named.js:app', APPS)).app), 'named');
    assert.equal(await bodyOf((await loadApp('./named.js:create()', APPS)).app), 'named');
  });

  it('[LOAD-1] loads an absolute path, an extensionless path and CommonJS', async () => {
    assert.equal(await bodyOf((await loadApp(`${join(APPS, 'named.js')}:app`, '/')).app), 'named');
    assert.equal((await loadApp('named:app', APPS)).path, join(APPS, 'named.js'));
    assert.equal(await bodyOf((await loadApp('commonjs.cjs', APPS)).app), 'commonjs');
  });

  it('[LOAD-1] loads a TypeScript module', async () => {
    assert.equal(
      await bodyOf((await loadApp('hello-ts.ts:app', APPS)).app),
      'hello from typescript /x',
    );
  });

  it('[LOAD-2] says which file is missing and where it looked', async () => {
    const error = await loadError('missing.js:app');
    assert.equal(error.code, LoadErrorCode.MODULE_NOT_FOUND);
    assert.equal(
      error.message,
      `cannot find module "missing.js" (resolved to ${join(APPS, 'missing.js')})`,
    );
    assert.equal(error.isUsageError, true);
  });

  it('[LOAD-2] lists the exports that exist when the export is missing', async () => {
    const named = await loadError('named.js:ap');
    assert.equal(named.code, LoadErrorCode.EXPORT_MISSING);
    assert.equal(
      named.message,
      'module "named.js" has no export "ap" (did you mean "app"?); its exports are: app, create, createBroken, createThrowing, settings',
    );
    const noDefault = await loadError('no-default.js');
    assert.equal(
      noDefault.message,
      'module "no-default.js" has no default export; its exports are: handler, other',
    );
  });

  it('[LOAD-2] says when the export is not a function', async () => {
    const error = await loadError('named.js:settings');
    assert.equal(error.code, LoadErrorCode.NOT_A_FUNCTION);
    assert.equal(
      error.message,
      'export "settings" of "named.js" is an object, not an app: expected async (scope, receive, send) => {}',
    );
    const factory = await loadError('named.js:createBroken()');
    assert.match(
      factory.message,
      /^the factory createBroken\(\) of "named.js" returned an object, not an app/,
    );
  });

  it('[LOAD-2] shows the message of an app that throws while loading', async () => {
    const error = await loadError('throws-at-import.js');
    assert.equal(error.code, LoadErrorCode.IMPORT_FAILED);
    assert.equal(error.message, 'importing "throws-at-import.js" failed: DATABASE_URL is not set');
    assert.ok(error.cause instanceof Error, 'keeps the app error as the cause');
    assert.equal(error.isUsageError, false);
    const factory = await loadError('named.js:createThrowing()');
    assert.equal(
      factory.message,
      'the factory createThrowing() of "named.js" threw: factory refused',
    );
  });

  it('finds extensionless modules and directory index files', () => {
    assert.equal(resolveModulePath('hello', APPS), join(APPS, 'hello.js'));
    assert.equal(resolveModulePath('apps', join(APPS, '..')), null);
  });

  it('[LOAD-1] registers the TypeScript loader itself when node runs without one', async (t) => {
    if (!existsSync(DIST_LOADER)) {
      t.skip('needs the build (npx tsc -b)');
      return;
    }
    const script = `
      const { loadApp } = await import(${JSON.stringify(DIST_LOADER)});
      const { app } = await loadApp('hello-ts.ts', ${JSON.stringify(APPS)});
      let body = '';
      await app({ type: 'http', path: '/ts' }, async () => ({}), async (e) => { if (e.body) body += e.body; });
      process.stdout.write(body);
    `;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--input-type=module', '-e', script],
      {
        env: { ...process.env, NODE_OPTIONS: '' },
        timeout: 30_000,
      },
    );
    assert.equal(stdout, 'hello from typescript /ts');
  });
});
