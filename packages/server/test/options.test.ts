import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { formatOptionsMarkdown, formatServeHelp } from '../src/config/help.js';
import {
  defaultOptions,
  OPTION_NAMES,
  OPTIONS,
  type OptionSpec,
  OptionsError,
  resolveOptions,
  resolveOptionsDetailed,
  unknownEnvironmentVariables,
} from '../src/options.js';

function errorOf(fn: () => unknown): OptionsError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof OptionsError, `expected an OptionsError, got ${String(error)}`);
    assert.equal(error.code, 'ERR_TSGI_SERVER_OPTIONS');
    assert.ok(!error.message.includes('\n'), 'the message is one line');
    return error;
  }
  assert.fail('expected an OptionsError');
}

const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const snake = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();

describe('the settings table', () => {
  it('names every flag and environment variable after the option', () => {
    for (const name of OPTION_NAMES) {
      const spec = OPTIONS[name];
      if (spec.positional) continue;
      assert.equal(spec.flag, `--${kebab(name)}`, name);
      assert.equal(spec.env[0], `TSGI_${snake(name)}`, name);
    }
  });

  it('has defaults that pass their own checks, and one-line help', () => {
    for (const name of OPTION_NAMES) {
      const spec = OPTIONS[name] as OptionSpec<unknown>;
      if (name !== 'app') assert.notEqual(spec.kind.fromValue(spec.default), undefined, name);
      assert.equal(spec.check?.(spec.default), undefined, name);
      assert.ok(spec.help.length > 10 && !spec.help.includes('\n'), name);
    }
  });

  it('resolves to the defaults when nothing is given', () => {
    const options = resolveOptions();
    assert.deepEqual(options, defaultOptions());
    assert.equal(options.host, '127.0.0.1');
    assert.equal(options.port, 8000);
    assert.equal(options.workers, 1);
    assert.equal(options.timeout, 30);
    assert.equal(options.backlog, 2048);
    assert.equal(options.maxRequestLineSize, 8190);
    assert.equal(options.maxBodySize, 100 * 1024 * 1024);
    assert.deepEqual(options.forwardedAllowIps, ['127.0.0.1', '::1']);
  });

  it('lists every option in tsgi serve --help with its flag, environment variable and default', () => {
    const help = formatServeHelp();
    for (const name of OPTION_NAMES) {
      const spec = OPTIONS[name] as OptionSpec<unknown>;
      assert.ok(help.includes(spec.positional ? spec.flag : spec.flag.slice(2)), `flag of ${name}`);
      for (const variable of spec.env) assert.ok(help.includes(variable), `${variable} of ${name}`);
      // Help text may wrap: compare with white space runs folded.
      assert.ok(help.replace(/\s+/g, ' ').includes(spec.help), `help of ${name}`);
    }
    assert.match(help, /-w, --workers N/);
    assert.match(help, /--\[no-\]access-log/);
    assert.match(help, /\[default: 127\.0\.0\.1\]/);
    for (const line of help.split('\n')) assert.ok(line.length <= 100, `too long: ${line}`);
  });

  it('renders a Markdown table row per option', () => {
    const table = formatOptionsMarkdown();
    for (const name of OPTION_NAMES) assert.ok(table.includes(`| \`${name}\` |`), name);
  });

  it('is documented in docs/server.md, table and all', () => {
    const path = new URL('../../../docs/server.md', import.meta.url);
    const start = '<!-- settings-table:start -->\n';
    const end = '<!-- settings-table:end -->';
    let docs = readFileSync(path, 'utf8');
    const generated = `\n${formatOptionsMarkdown()}`;
    if (process.env.UPDATE_SERVER_DOCS === '1') {
      docs = docs.replace(new RegExp(`${start}[\\s\\S]*${end}`), `${start}${generated}${end}`);
      writeFileSync(path, docs);
    }
    const table = docs.slice(docs.indexOf(start) + start.length, docs.indexOf(end));
    assert.equal(table, generated, 'regenerate with UPDATE_SERVER_DOCS=1');
    for (const name of OPTION_NAMES) {
      const spec = OPTIONS[name];
      const flag = spec.kind.boolean ? `--[no-]${spec.flag.slice(2)}` : spec.flag;
      if (!spec.positional) assert.ok(docs.includes(flag), `${flag} is documented`);
      for (const variable of spec.env)
        assert.ok(docs.includes(variable), `${variable} is documented`);
    }
  });
});

describe('resolveOptions precedence', () => {
  it('takes CLI flags over environment over programmatic input over defaults', () => {
    const input = { workers: 2, backlog: 10, keepAliveTimeout: 7 };
    const env = { TSGI_WORKERS: '3', TSGI_BACKLOG: '20' };
    const { options, sources } = resolveOptionsDetailed(input, env, ['--workers', '4']);
    assert.equal(options.workers, 4);
    assert.equal(sources.workers, 'cli');
    assert.equal(options.backlog, 20);
    assert.equal(sources.backlog, 'env');
    assert.equal(options.keepAliveTimeout, 7);
    assert.equal(sources.keepAliveTimeout, 'input');
    assert.equal(sources.timeout, 'default');
  });

  it('reads WEB_CONCURRENCY for workers, below TSGI_WORKERS', () => {
    assert.equal(resolveOptions({}, { WEB_CONCURRENCY: '5' }).workers, 5);
    assert.equal(resolveOptions({}, { WEB_CONCURRENCY: '5', TSGI_WORKERS: '2' }).workers, 2);
  });

  it('reads FORWARDED_ALLOW_IPS, separated by commas or spaces', () => {
    const options = resolveOptions({}, { FORWARDED_ALLOW_IPS: '10.0.0.1, 10.0.0.0/8 fd00::/8' });
    assert.deepEqual(options.forwardedAllowIps, ['10.0.0.1', '10.0.0.0/8', 'fd00::/8']);
  });

  it('listens on every interface when only the platform PORT is set', () => {
    const platform = resolveOptions({}, { PORT: '5000' });
    assert.equal(platform.port, 5000);
    assert.equal(platform.host, '0.0.0.0');
    assert.equal(resolveOptions({}, { TSGI_PORT: '5000' }).host, '127.0.0.1');
    assert.equal(resolveOptions({}, { PORT: '5000' }, ['--host', '::1']).host, '::1');
  });

  it('ignores empty environment variables', () => {
    assert.equal(resolveOptions({}, { TSGI_WORKERS: '' }).workers, 1);
  });

  it('reads no environment unless one is passed', () => {
    process.env.TSGI_BACKLOG = '7';
    try {
      assert.equal(resolveOptions().backlog, 2048);
    } finally {
      delete process.env.TSGI_BACKLOG;
    }
  });
});

describe('CLI arguments', () => {
  it('takes the app as the positional argument, before or after flags', () => {
    assert.equal(resolveOptions({}, {}, ['app.js:main', '--port', '9000']).app, 'app.js:main');
    assert.equal(resolveOptions({}, {}, ['--port', '9000', 'app.js']).app, 'app.js');
    assert.equal(resolveOptions({}, {}, ['--port=9000', '--', '-odd.js']).app, '-odd.js');
  });

  it('accepts --flag value, --flag=value and short flags', () => {
    assert.equal(resolveOptions({}, {}, ['-w', '3']).workers, 3);
    assert.equal(resolveOptions({}, {}, ['-w3']).workers, 3);
    assert.equal(resolveOptions({}, {}, ['--workers=3']).workers, 3);
    assert.equal(resolveOptions({}, {}, ['-t', '2.5']).timeout, 2.5);
  });

  it('takes --x and --no-x for booleans, and true/false words', () => {
    assert.equal(resolveOptions({}, {}, ['--proxy-headers']).proxyHeaders, true);
    assert.equal(resolveOptions({}, {}, ['--no-access-log']).accessLog, false);
    assert.equal(resolveOptions({}, {}, ['--date-header=false']).dateHeader, false);
    assert.equal(resolveOptions({}, { TSGI_ACCESS_LOG: 'no' }).accessLog, false);
    assert.equal(resolveOptions({}, { TSGI_ACCESS_LOG: 'no' }, ['--access-log']).accessLog, true);
  });

  it('collects repeated --bind values, which replace the environment list', () => {
    const options = resolveOptions({}, { TSGI_BIND: 'unix:/tmp/a.sock' }, [
      '-b',
      '127.0.0.1:8001',
      '--bind',
      '[::1]:8002,unix:/tmp/b.sock',
    ]);
    assert.deepEqual(options.bind, ['127.0.0.1:8001', '[::1]:8002', 'unix:/tmp/b.sock']);
  });

  it('reads durations, sizes and octal modes with units', () => {
    const options = resolveOptions({}, {}, [
      '--graceful-timeout',
      '500ms',
      '--keep-alive-timeout',
      '2m',
      '--max-body-size',
      '16m',
      '--ws-max-message-size',
      '512k',
      '--uds-mode',
      '660',
    ]);
    assert.equal(options.gracefulTimeout, 0.5);
    assert.equal(options.keepAliveTimeout, 120);
    assert.equal(options.maxBodySize, 16 * 1024 * 1024);
    assert.equal(options.wsMaxMessageSize, 512 * 1024);
    assert.equal(options.udsMode, 0o660);
    assert.equal(resolveOptions({ udsMode: 0o600 }).udsMode, 0o600);
    assert.equal(resolveOptions({}, { TSGI_UDS_MODE: '0o640' }).udsMode, 0o640);
  });

  it('accepts log level aliases and normalizes the root path', () => {
    assert.equal(resolveOptions({}, {}, ['--log-level', 'WARN']).logLevel, 'warning');
    assert.equal(resolveOptions({}, {}, ['--root-path', '/api/']).rootPath, '/api');
  });
});

describe('option errors', () => {
  it('says which flag, what was expected and what was given', () => {
    assert.equal(
      errorOf(() => resolveOptions({}, {}, ['--workers', 'abc'])).message,
      '--workers: expected a positive integer, got "abc"',
    );
    assert.equal(
      errorOf(() => resolveOptions({}, {}, ['--workers', '0'])).message,
      '--workers: expected a positive integer, got "0"',
    );
    assert.equal(
      errorOf(() => resolveOptions({}, {}, ['--port', '70000'])).message,
      '--port: expected an integer from 0 to 65535, got "70000"',
    );
    assert.equal(
      errorOf(() => resolveOptions({}, {}, ['--lifespan', 'maybe'])).message,
      '--lifespan: expected one of auto, on, off, got "maybe"',
    );
  });

  it('names the environment variable or the programmatic field when that is the source', () => {
    assert.equal(
      errorOf(() => resolveOptions({}, { WEB_CONCURRENCY: 'many' })).message,
      'WEB_CONCURRENCY: expected a positive integer, got "many"',
    );
    assert.equal(
      errorOf(() => resolveOptions({ timeout: -1 })).message,
      'options.timeout: expected a number of seconds >= 0 (such as 30, 2.5 or 500ms), got -1',
    );
  });

  it('suggests the closest flag for an unknown one', () => {
    assert.equal(
      errorOf(() => resolveOptions({}, {}, ['--wokers', '3'])).message,
      'unknown option --wokers; did you mean --workers? See tsgi serve --help',
    );
    assert.equal(
      errorOf(() => resolveOptions({}, {}, ['--frobnicate'])).message,
      'unknown option --frobnicate; see tsgi serve --help',
    );
    assert.equal(
      errorOf(() => resolveOptions({}, {}, ['--no-port'])).message,
      'unknown option --no-port: --port takes a value and has no --no- form; see tsgi serve --help',
    );
    assert.equal(
      errorOf(() => resolveOptions({ wokers: 2 } as never)).message,
      'unknown option "wokers"; did you mean "workers"?',
    );
  });

  it('reports a missing value, an extra argument and a value given to --no-x', () => {
    assert.equal(
      errorOf(() => resolveOptions({}, {}, ['--port'])).message,
      '--port: expected a value (an integer from 0 to 65535), got nothing',
    );
    assert.match(
      errorOf(() => resolveOptions({}, {}, ['a.js', 'b.js'])).message,
      /unexpected argument "b.js"/,
    );
    assert.match(
      errorOf(() => resolveOptions({}, {}, ['--no-access-log=1'])).message,
      /takes no value/,
    );
  });

  it('rejects malformed bind addresses and proxy peers', () => {
    assert.match(
      errorOf(() => resolveOptions({}, {}, ['--bind', '::1:8000'])).message,
      /^--bind: expected .*\[::1\]:8000.*got "::1:8000"$/,
    );
    assert.match(
      errorOf(() => resolveOptions({}, {}, ['--bind', 'localhost:99999'])).message,
      /^--bind: expected .*port from 0 to 65535, got "localhost:99999"$/,
    );
    assert.match(
      errorOf(() => resolveOptions({}, {}, ['--forwarded-allow-ips', '10.0.0.0/40'])).message,
      /got "10.0.0.0\/40"$/,
    );
    assert.match(
      errorOf(() => resolveOptions({}, {}, ['--forwarded-headers', 'x-real-ip'])).message,
      /^--forwarded-headers: expected one of x-forwarded, forwarded, both, got "x-real-ip"$/,
    );
  });

  it('trusts unix-socket peers with `unix` and picks the proxy header family', () => {
    const options = resolveOptions({}, { TSGI_FORWARDED_HEADERS: 'both' }, [
      '--forwarded-allow-ips',
      'unix,10.0.0.0/8',
    ]);
    assert.deepEqual(options.forwardedAllowIps, ['unix', '10.0.0.0/8']);
    assert.equal(options.forwardedHeaders, 'both');
    assert.equal(resolveOptions({}).forwardedHeaders, 'x-forwarded');
  });

  it('rejects a root path without a leading slash', () => {
    assert.match(
      errorOf(() => resolveOptions({ rootPath: 'api' })).message,
      /^options.rootPath: expected "" or a path/,
    );
  });

  it('rejects --host and --bind from the same source, and lets the higher source win otherwise', () => {
    assert.match(
      errorOf(() => resolveOptions({}, {}, ['--port', '9000', '--bind', '0.0.0.0:80'])).message,
      /^--port and --bind both given; use only --bind/,
    );
    assert.deepEqual(
      resolveOptions({}, { TSGI_HOST: '0.0.0.0' }, ['--bind', 'unix:/tmp/x.sock']).bind,
      ['unix:/tmp/x.sock'],
    );
    assert.deepEqual(
      resolveOptions({}, { TSGI_BIND: 'unix:/tmp/x.sock' }, ['--port', '9000']).bind,
      [],
    );
    assert.deepEqual(resolveOptions({}, { PORT: '5000', TSGI_BIND: '[::1]:9000' }).bind, [
      '[::1]:9000',
    ]);
  });

  it('requires the TLS certificate and key together', () => {
    assert.equal(
      errorOf(() => resolveOptions({}, {}, ['--certfile', 'cert.pem'])).message,
      '--certfile needs --keyfile as well: HTTPS takes a certificate and its key',
    );
    assert.match(
      errorOf(() => resolveOptions({ caCerts: 'ca.pem' })).message,
      /^--ca-certs needs --certfile/,
    );
  });
});

describe('unknownEnvironmentVariables', () => {
  it('warns about TSGI_ variables that name no setting', () => {
    const warnings = unknownEnvironmentVariables({
      TSGI_WOKERS: '3',
      TSGI_PORT: '1',
      HOME: '/root',
    });
    assert.deepEqual(warnings, [
      'ignoring unknown environment variable TSGI_WOKERS; did you mean TSGI_WORKERS?',
    ]);
  });
});
