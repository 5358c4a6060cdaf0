import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Application, LifespanScope, Receive, Scope, Send } from 'tsgi';
import { LifespanRunner, LifespanStartupError } from '../src/lifespan/runner.js';
import { Logger } from '../src/log/logger.js';
import { MemorySink } from '../src/log/sink.js';
import { deferred, exchange, RawClient, startServer, textApp, until } from './http-support.js';

function memoryLogger() {
  const sink = new MemorySink();
  return { logger: new Logger(sink, 'debug'), lines: sink.lines };
}

type LifespanHandler = (scope: LifespanScope, receive: Receive, send: Send) => Promise<void>;

/** An app whose lifespan part is `lifespan` and whose HTTP part answers "ok" (or `http`). */
function appWith(lifespan: LifespanHandler, events: string[] = []): Application {
  return async (scope: Scope, receive: Receive, send: Send) => {
    if (scope.type === 'lifespan') return lifespan(scope, receive, send);
    if (scope.type !== 'http') throw new Error('unexpected');
    events.push(`request ${scope.path}`);
    await textApp()(scope, receive as never, send as never);
  };
}

describe('lifespan startup', { timeout: 20_000 }, () => {
  it('[LS-1] [LS-2] gives lifespan.startup first and serves only after startup.complete', async () => {
    const events: string[] = [];
    const app = appWith(async (scope, receive, send) => {
      assert.deepEqual(scope, { type: 'lifespan', tsgi: { version: '1.0' }, state: {} });
      events.push((await receive()).type);
      await new Promise((resolve) => setTimeout(resolve, 50));
      scope.state.ready = true;
      events.push('complete');
      await send({ type: 'lifespan.startup.complete' });
      events.push((await receive()).type);
      await send({ type: 'lifespan.shutdown.complete' });
    }, events);
    const server = await startServer(app, { lifespan: 'on' });
    try {
      assert.deepEqual(events, ['lifespan.startup', 'complete']);
      const { client } = await exchange(server.port, 'GET /x HTTP/1.1\r\nHost: h\r\n\r\n');
      client.destroy();
    } finally {
      await server.close();
    }
    assert.deepEqual(events, ['lifespan.startup', 'complete', 'request /x', 'lifespan.shutdown']);
  });

  it('[LS-3] fails serve() with the message of lifespan.startup.failed, and binds nothing', async () => {
    const app = appWith(async (_scope, receive, send) => {
      await receive();
      await send({ type: 'lifespan.startup.failed', message: 'database unreachable' });
    });
    await assert.rejects(startServer(app, { lifespan: 'auto' }), (error: unknown) => {
      assert.ok(error instanceof LifespanStartupError);
      assert.equal(error.code, 'ERR_TSGI_SERVER_LIFESPAN');
      assert.match(error.message, /database unreachable/);
      return true;
    });
  });

  it('[LS-3] fails serve() with the message of an error thrown during startup', async () => {
    const app = appWith(async (_scope, receive) => {
      await receive();
      throw new Error('config missing');
    });
    await assert.rejects(startServer(app, { lifespan: 'on' }), /config missing/);
  });

  it('[LS-3] fails serve() when the app returns during startup without answering', async () => {
    const app = appWith(async (_scope, receive) => {
      await receive();
    });
    await assert.rejects(startServer(app, { lifespan: 'on' }), LifespanStartupError);
  });

  it('[LS-8] fails startup when the answer does not come within the timeout', async () => {
    const never = deferred<void>();
    const app = appWith(async (_scope, receive) => {
      await receive();
      await never.promise;
    });
    await assert.rejects(
      startServer(app, { lifespan: 'on' }, { lifespanStartupTimeout: 0.2 }),
      /did not complete within 0\.2 seconds/,
    );
    never.resolve();
  });

  it('[LS-6] [LS-3] fails startup at once on a reply that breaks the protocol', async () => {
    const app = appWith(async (_scope, receive, send) => {
      await receive();
      await send({ type: 'lifespan.shutdown.complete' }).catch(() => {});
      await new Promise(() => {});
    });
    await assert.rejects(startServer(app, { lifespan: 'on' }), /\[LS-6\]/);
  });
});

describe('lifespan support detection', { timeout: 20_000 }, () => {
  it('[LS-4] serves without lifespan and logs once when the app settles before receive() (auto)', async () => {
    const { logger, lines } = memoryLogger();
    let lifespanCalls = 0;
    const app: Application = async (scope, receive, send) => {
      if (scope.type === 'lifespan') {
        lifespanCalls++;
        throw new Error('unsupported scope type lifespan');
      }
      if (scope.type !== 'http') throw new Error('unexpected');
      assert.equal('state' in scope, false);
      await textApp()(scope, receive as never, send as never);
    };
    const server = await startServer(app, { lifespan: 'auto' }, { logger });
    try {
      const { client, responses } = await exchange(
        server.port,
        'GET / HTTP/1.1\r\nHost: h\r\n\r\n',
      );
      client.destroy();
      assert.equal(responses[0]!.status, 200);
    } finally {
      await server.close();
    }
    assert.equal(lifespanCalls, 1);
    const notices = lines.filter((line) => line.includes('lifespan is not supported'));
    assert.equal(notices.length, 1);
    assert.match(notices[0]!, /\[INFO\]/);
    assert.ok(!lines.some((line) => line.includes('[ERROR]') || line.includes('[WARNING]')));
  });

  it('[LS-4] refuses to start an app without lifespan support when lifespan is on', async () => {
    const app: Application = async () => {};
    await assert.rejects(startServer(app, { lifespan: 'on' }), /does not support lifespan/);
  });

  it('never calls the app for lifespan when lifespan is off', async () => {
    let lifespanCalls = 0;
    const app = appWith(async () => {
      lifespanCalls++;
    });
    const server = await startServer(app, { lifespan: 'off' });
    await server.close();
    assert.equal(lifespanCalls, 0);
  });
});

describe('lifespan shutdown', { timeout: 20_000 }, () => {
  it('[LS-5] lets in-flight requests finish before lifespan.shutdown', async () => {
    const events: string[] = [];
    const release = deferred<void>();
    const started = deferred<void>();
    const app: Application = async (scope, receive, send) => {
      if (scope.type === 'lifespan') {
        await receive();
        await send({ type: 'lifespan.startup.complete' });
        await receive();
        events.push('shutdown');
        await send({ type: 'lifespan.shutdown.complete' });
        return;
      }
      if (scope.type !== 'http') throw new Error('unexpected');
      started.resolve();
      await release.promise;
      events.push('request done');
      await textApp()(scope, receive as never, send as never);
    };
    const server = await startServer(app, { lifespan: 'on', gracefulTimeout: 5 });
    const inFlight = exchange(server.port, 'GET / HTTP/1.1\r\nHost: h\r\n\r\n');
    await started.promise;
    const closing = server.close();
    await until(() => server.handle.inFlight() === 1, 'the request to be counted');
    release.resolve();
    const { client, responses } = await inFlight;
    await closing;
    client.destroy();
    assert.equal(responses[0]!.status, 200);
    assert.deepEqual(events, ['request done', 'shutdown']);
  });

  it('[LS-5] aborts requests still running after the graceful timeout, then runs shutdown', async () => {
    const events: string[] = [];
    const started = deferred<void>();
    const app: Application = async (scope, receive, send) => {
      if (scope.type === 'lifespan') {
        await receive();
        await send({ type: 'lifespan.startup.complete' });
        await receive();
        events.push('shutdown');
        await send({ type: 'lifespan.shutdown.complete' });
        return;
      }
      started.resolve();
      for (;;) {
        const event = await receive();
        if (event.type === 'http.disconnect') break;
      }
      events.push('request saw disconnect');
    };
    const { logger, lines } = memoryLogger();
    const server = await startServer(app, { lifespan: 'on', gracefulTimeout: 0.3 }, { logger });
    const client = await RawClient.connect(server.port);
    client.write('GET / HTTP/1.1\r\nHost: h\r\n\r\n');
    await started.promise;
    await server.close();
    await client.waitClosed();
    await until(() => events.length === 2, 'the request to see the disconnect');
    assert.ok(events.includes('shutdown'));
    assert.ok(lines.some((line) => line.includes('graceful timeout')));
  });

  it('[LS-5] logs a shutdown that fails, and one that does not answer in time', async () => {
    for (const [behaviour, expected] of [
      ['failed', /lifespan shutdown failed: disk full/],
      ['silent', /lifespan shutdown did not complete within 0\.2 seconds/],
    ] as const) {
      const { logger, lines } = memoryLogger();
      const runner = new LifespanRunner({
        mode: 'on',
        startupTimeout: 5,
        shutdownTimeout: 0.2,
        logger,
      });
      const never = deferred<void>();
      await runner.startup(async (scope, receive, send) => {
        if (scope.type !== 'lifespan') throw new Error('unexpected');
        await receive();
        await send({ type: 'lifespan.startup.complete' });
        await receive();
        if (behaviour === 'failed')
          await send({ type: 'lifespan.shutdown.failed', message: 'disk full' });
        else await never.promise;
      });
      await runner.shutdown();
      never.resolve();
      assert.ok(
        lines.some((line) => line.includes('[ERROR]') && expected.test(line)),
        lines.join('\n'),
      );
    }
  });

  it('gives no shutdown event to an app that finished lifespan early, and keeps serving', async () => {
    const { logger } = memoryLogger();
    const runner = new LifespanRunner({
      mode: 'on',
      startupTimeout: 5,
      shutdownTimeout: 5,
      logger,
    });
    let receives = 0;
    const state = await runner.startup(async (scope, receive, send) => {
      if (scope.type !== 'lifespan') throw new Error('unexpected');
      await receive();
      receives++;
      scope.state.x = 1;
      await send({ type: 'lifespan.startup.complete' });
    });
    assert.deepEqual(state, { x: 1 });
    await runner.shutdown();
    assert.equal(receives, 1);
  });
});
