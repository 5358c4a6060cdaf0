import assert from 'node:assert/strict';
import net from 'node:net';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { OPTION_NAMES, OPTIONS } from '../src/options.js';
import { APPS, killAll, REAL_CLI, ServerProcess } from './fixtures/server-process.js';

after(killAll);

const TEST = { timeout: 60_000 };

/** Runs the CLI to completion and returns its status and streams. */
async function run(args: string[], options: { env?: Record<string, string>; real?: boolean } = {}) {
  const server = new ServerProcess(args, {
    ...(options.env ? { env: options.env } : {}),
    ...(options.real ? { command: ['--import', 'tsx', REAL_CLI] } : {}),
  });
  const { code } = await server.exit(45_000);
  return { code, stdout: server.stdout, stderr: server.stderr };
}

/** Asserts a usage failure: status, and exactly one line on standard error. */
function assertOneLine(
  result: { code: number | null; stderr: string; stdout: string },
  code: number,
  line: string,
) {
  assert.equal(result.stderr, `${line}\n`);
  assert.equal(result.stdout, '');
  assert.equal(result.code, code);
}

describe('tsgi', { concurrency: true }, () => {
  it('prints its version', TEST, async () => {
    const result = await run(['--version'], { real: true });
    assert.equal(result.code, 0);
    assert.match(result.stdout, /^tsgi \d+\.\d+\.\d+ \(TSGI 1\.0, node \d+\.\d+\.\d+\)\n$/);
  });

  it('prints help, and usage with status 2 when no command is given', TEST, async () => {
    const help = await run(['--help'], { real: true });
    assert.equal(help.code, 0);
    assert.match(help.stdout, /serve APP \[options\]/);
    const none = await run([], { real: true });
    assert.equal(none.code, 2);
    assert.match(none.stderr, /^Usage: tsgi <command>/);
  });

  it('prints every option in tsgi serve --help', TEST, async () => {
    const result = await run(['serve', 'hello.js', '--port', '1', '--help'], { real: true });
    assert.equal(result.code, 0);
    for (const name of OPTION_NAMES) {
      const spec = OPTIONS[name];
      assert.ok(result.stdout.includes(spec.positional ? spec.flag : spec.flag.slice(2)), name);
      assert.ok(result.stdout.includes(spec.env[0]!), name);
    }
  });

  it('rejects an unknown command with a suggestion', TEST, async () => {
    assertOneLine(
      await run(['srve', 'app.js'], { real: true }),
      2,
      'tsgi: unknown command srve; did you mean serve? See tsgi --help',
    );
  });

  it('rejects an unknown option with a suggestion', TEST, async () => {
    assertOneLine(
      await run(['serve', 'hello.js', '--wokers', '2']),
      2,
      'tsgi: unknown option --wokers; did you mean --workers? See tsgi serve --help',
    );
  });

  it('rejects a bad value, from a flag or from the environment', TEST, async () => {
    assertOneLine(
      await run(['serve', 'hello.js', '--port', 'http']),
      2,
      'tsgi: --port: expected an integer from 0 to 65535, got "http"',
    );
    assertOneLine(
      await run(['serve', 'hello.js'], { env: { TSGI_WORKERS: 'abc' } }),
      2,
      'tsgi: TSGI_WORKERS: expected a positive integer, got "abc"',
    );
  });

  it('asks for an app when none is given', TEST, async () => {
    assertOneLine(
      await run(['serve', '--port', '0']),
      2,
      'tsgi: no app given: pass path/to/module.js:exportName (see tsgi serve --help)',
    );
  });

  it('[LOAD-2] exits 2 with one line for a missing module or export', TEST, async () => {
    assertOneLine(
      await run(['serve', 'missing.js', '--port', '0']),
      2,
      `tsgi: cannot find module "missing.js" (resolved to ${join(APPS, 'missing.js')})`,
    );
    assertOneLine(
      await run(['serve', 'named.js:nope', '--port', '0']),
      2,
      'tsgi: module "named.js" has no export "nope"; its exports are: app, create, createBroken, createThrowing, settings',
    );
    assertOneLine(
      await run(['serve', 'named.js:settings', '--port', '0']),
      2,
      'tsgi: export "settings" of "named.js" is an object, not an app: expected async (scope, receive, send) => {}',
    );
  });

  it('[LOAD-2] reports a missing export found by the workers the same way', TEST, async () => {
    const result = await run(['serve', 'named.js:nope', '--port', '0', '-w', '2']);
    assert.equal(result.code, 2);
    assert.equal(
      result.stderr.trim().split('\n').at(-1),
      'tsgi: module "named.js" has no export "nope"; its exports are: app, create, createBroken, createThrowing, settings',
    );
    assert.equal(result.stderr.match(/^tsgi: /gm)?.length, 1, 'said once, not once per worker');
  });

  it('[LOAD-2] exits 1 with the app message when the app throws while loading', TEST, async () => {
    assertOneLine(
      await run(['serve', 'throws-at-import.js', '--port', '0']),
      1,
      'tsgi: importing "throws-at-import.js" failed: DATABASE_URL is not set',
    );
  });

  it('exits 2 with one line when the port is in use', TEST, async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen({ host: '127.0.0.1', port: 0 }, resolve));
    const { port } = blocker.address() as net.AddressInfo;
    try {
      assertOneLine(
        await run(['serve', 'hello.js', '--port', String(port)]),
        2,
        `tsgi: port ${port} on 127.0.0.1 is in use; pick another with --port`,
      );
    } finally {
      blocker.close();
    }
  });

  it('warns about an unknown TSGI_ environment variable and serves anyway', TEST, async () => {
    const server = new ServerProcess(['serve', 'hello.js', '--port', '0'], {
      env: { TSGI_WOKERS: '3' },
    });
    await server.listening();
    assert.match(
      server.stderr,
      /\[WARNING\] ignoring unknown environment variable TSGI_WOKERS; did you mean TSGI_WORKERS\?/,
    );
    server.signal('SIGINT');
    assert.equal((await server.exit()).code, 0);
  });
});
