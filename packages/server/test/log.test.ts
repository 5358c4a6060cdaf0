import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ClientDisconnectedError, type HttpScope } from 'tsgi';
import { AccessLogger, createAccessLogger } from '../src/log/access.js';
import { LogClock } from '../src/log/clock.js';
import { Logger, logAppError } from '../src/log/logger.js';
import { FileSink, MemorySink } from '../src/log/sink.js';

const dir = mkdtempSync(join(tmpdir(), 'tsgi-log-'));
after(() => rmSync(dir, { recursive: true, force: true }));

// 2024-03-05 06:07:08 UTC, and half a second later.
const T0 = Date.UTC(2024, 2, 5, 6, 7, 8);

function scope(overrides: Partial<HttpScope> = {}): HttpScope {
  return {
    type: 'http',
    tsgi: { version: '1.0' },
    httpVersion: '1.1',
    method: 'GET',
    scheme: 'http',
    path: '/items/1',
    rawPath: '/items/1',
    queryString: 'q=a%20b',
    rootPath: '',
    headers: [
      ['host', 'example.com'],
      ['user-agent', 'curl/8.0'],
      ['referer', 'https://example.com/'],
    ],
    client: { host: '203.0.113.9', port: 51000 },
    server: { host: '127.0.0.1', port: 8000 },
    extensions: {},
    ...overrides,
  };
}

describe('Logger', () => {
  it('writes lines at or above its level, with time, pid and level', () => {
    const sink = new MemorySink();
    const logger = new Logger(sink, 'info', new LogClock(() => T0));
    logger.debug('not shown');
    logger.info('started');
    logger.warning('careful');
    assert.equal(sink.lines.length, 2);
    assert.match(
      sink.lines[0]!,
      /^\[2024-03-0\d \d\d:\d\d:08 [+-]\d{4}\] \[\d+\] \[INFO\] started$/,
    );
    assert.match(sink.lines[1]!, /\[WARNING\] careful$/);
    logger.level = 'debug';
    logger.debug('now shown');
    assert.match(sink.lines[2]!, /\[DEBUG\] now shown$/);
  });

  it('[HTTP-FAIL-4] logs an app error with its stack and where it happened', () => {
    const sink = new MemorySink();
    const logger = new Logger(sink, 'info');
    logger.appError(new TypeError('bad thing'), { type: 'http', method: 'POST', path: '/orders' });
    assert.equal(sink.lines.length, 1);
    const [first, ...stack] = sink.lines[0]!.split('\n');
    assert.match(first!, /\[ERROR\] exception in the application while serving POST \/orders$/);
    assert.match(stack[0]!, /^TypeError: bad thing$/);
    assert.ok(
      stack.some((line) => line.includes('log.test.ts')),
      'the stack is included',
    );
  });

  it('[HTTP-DISC-4] never logs a client disconnect as an error', () => {
    const sink = new MemorySink();
    const logger = new Logger(sink, 'info');
    logAppError(new ClientDisconnectedError(), 'GET /stream', logger);
    // Another copy of the class is recognized by its code.
    logAppError(
      Object.assign(new Error('gone'), { code: 'ERR_TSGI_CLIENT_DISCONNECTED' }),
      undefined,
      logger,
    );
    assert.deepEqual(sink.lines, []);
    logger.level = 'debug';
    logAppError(new ClientDisconnectedError(), 'GET /stream', logger);
    assert.equal(sink.lines.length, 1);
    assert.match(sink.lines[0]!, /\[DEBUG\] client disconnected during GET \/stream$/);
  });

  it('includes the cause of an error and describes thrown non-errors', () => {
    const sink = new MemorySink();
    const logger = new Logger(sink, 'info');
    logger.error('failed', new Error('outer', { cause: new Error('inner') }));
    assert.match(sink.lines[0]!, /Caused by: Error: inner/);
    logger.appError('a string');
    assert.match(sink.lines[1]!, /thrown value: a string$/);
  });
});

describe('LogClock', () => {
  it('formats once per second, not once per line', () => {
    let now = T0;
    const clock = new LogClock(() => now);
    const RealDate = globalThis.Date;
    let created = 0;
    globalThis.Date = class extends RealDate {
      constructor(...args: ConstructorParameters<typeof Date>) {
        super(...args);
        created++;
      }
    } as DateConstructor;
    try {
      const first = clock.commonLog();
      for (let i = 0; i < 1000; i++) {
        now = T0 + (i % 1000);
        assert.equal(clock.commonLog(), first);
        clock.errorLog();
        clock.isoUtc();
      }
      assert.equal(created, 1);
      now = T0 + 1000;
      assert.notEqual(clock.commonLog(), first);
      assert.equal(created, 2);
    } finally {
      globalThis.Date = RealDate;
    }
    assert.equal(clock.isoUtc(), '2024-03-05T06:07:09Z');
  });
});

describe('AccessLogger', () => {
  const clock = new LogClock(() => T0);

  it('writes the Common Log Format with the duration in microseconds', () => {
    const line = new AccessLogger(new MemorySink(), 'common', clock).formatLine(
      scope(),
      200,
      512,
      1.2345,
    );
    assert.match(
      line,
      /^203\.0\.113\.9 - - \[05\/Mar\/2024:\d\d:07:08 [+-]\d{4}\] "GET \/items\/1\?q=a%20b HTTP\/1\.1" 200 512 1235$/,
    );
  });

  it('writes the Combined Log Format with referer and user agent', () => {
    const line = new AccessLogger(new MemorySink(), 'combined', clock).formatLine(
      scope(),
      404,
      0,
      0.05,
    );
    assert.match(
      line,
      /"GET \/items\/1\?q=a%20b HTTP\/1\.1" 404 - "https:\/\/example\.com\/" "curl\/8\.0" 50$/,
    );
    const bare = new AccessLogger(new MemorySink(), 'combined', clock).formatLine(
      scope({ headers: [], client: null, queryString: '' }),
      200,
      3,
      2,
    );
    assert.match(bare, /^- - - \[.*\] "GET \/items\/1 HTTP\/1\.1" 200 3 "-" "-" 2000$/);
  });

  it('escapes quotes, backslashes and control characters', () => {
    const line = new AccessLogger(new MemorySink(), 'combined', clock).formatLine(
      scope({ rawPath: '/a"b\\c', headers: [['user-agent', 'x\ny"z']] }),
      200,
      1,
      1,
    );
    assert.ok(line.includes('"GET /a\\"b\\\\c?q=a%20b HTTP/1.1"'), line);
    assert.ok(line.includes('"x\\x0ay\\"z"'), line);
    assert.ok(!line.includes('\n'));
  });

  it('writes JSON lines', () => {
    const line = new AccessLogger(new MemorySink(), 'json', clock).formatLine(
      scope(),
      201,
      10,
      3.25049,
    );
    assert.deepEqual(JSON.parse(line), {
      time: '2024-03-05T06:07:08Z',
      client: '203.0.113.9',
      method: 'GET',
      path: '/items/1',
      query: 'q=a%20b',
      httpVersion: '1.1',
      type: 'http',
      status: 201,
      bytes: 10,
      durationMs: 3.25,
      referer: 'https://example.com/',
      userAgent: 'curl/8.0',
    });
  });

  it('is not created when the access log is off', () => {
    assert.equal(
      createAccessLogger({ accessLog: false, accessLogFile: '-', accessLogFormat: 'common' }),
      null,
    );
  });

  it('appends to a file, once per event loop turn, and reopens it after rotation', async () => {
    const path = join(dir, 'access.log');
    const logger = createAccessLogger({
      accessLog: true,
      accessLogFile: path,
      accessLogFormat: 'common',
    })!;
    logger.log(scope(), 200, 1, 1);
    logger.log(scope(), 200, 2, 1);
    assert.equal(readFileSync(path, 'utf8'), '', 'nothing is written before the turn ends');
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(readFileSync(path, 'utf8').split('\n').length, 3);
    renameSync(path, `${path}.1`);
    logger.reopen();
    logger.log(scope(), 200, 3, 1);
    logger.close();
    assert.match(readFileSync(path, 'utf8'), /" 200 3 1000\n$/);
    assert.equal(readFileSync(`${path}.1`, 'utf8').split('\n').length, 3);
  });

  it('flushes queued lines synchronously', () => {
    const path = join(dir, 'sync.log');
    const sink = new FileSink(path);
    sink.write('one');
    sink.flush();
    assert.equal(readFileSync(path, 'utf8'), 'one\n');
    sink.close();
  });
});
