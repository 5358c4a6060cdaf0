import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, ProtocolError } from '../src/errors.js';
import {
  HarnessErrorCode,
  HarnessTimeoutError,
  LifespanFailedError,
} from '../src/testing/errors.js';
import { createHarness } from '../src/testing/harness.js';
import { openLifespan } from '../src/testing/lifespan.js';
import type { Application, HttpScope, Scope, SendEvent, WebSocketScope } from '../src/types.js';

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

function isProtocolError(requirement: string) {
  return (error: unknown) => error instanceof ProtocolError && error.requirement === requirement;
}

/** A lifespan app that fills the state, then answers the shutdown, recording each step. */
function withLifespan(
  steps: string[],
  shutdownReply: SendEvent = { type: 'lifespan.shutdown.complete' },
): Application {
  return async (scope, receive, send) => {
    if (scope.type !== 'lifespan') throw new Error('lifespan only');
    steps.push((await receive()).type);
    scope.state.db = { name: 'pool' };
    scope.state.count = 0;
    await send({ type: 'lifespan.startup.complete' });
    steps.push((await receive()).type);
    await send(shutdownReply);
  };
}

describe('openLifespan()', () => {
  it('[LS-1] [LS-2] [LS-6] startup gives the filled state; shutdown waits for the answer', async () => {
    const steps: string[] = [];
    const lifespan = openLifespan(withLifespan(steps));
    const startup = await lifespan.startup();
    assert.equal(startup.supported, true);
    assert.deepEqual(startup.state, { db: { name: 'pool' }, count: 0 });
    assert.equal(startup.state, lifespan.scope.state);
    assert.equal(lifespan.state, 'started');
    await tick();
    assert.deepEqual(steps, ['lifespan.startup'], 'no shutdown before it is asked for (LS-5)');
    await lifespan.shutdown();
    assert.deepEqual(steps, ['lifespan.startup', 'lifespan.shutdown']);
    assert.deepEqual(
      lifespan.events.map((event) => event.type),
      ['lifespan.startup.complete', 'lifespan.shutdown.complete'],
    );
    await lifespan.settled;
  });

  it('[LS-3] lifespan.startup.failed rejects startup() with the message', async () => {
    const lifespan = openLifespan(async (_scope, receive, send) => {
      await receive();
      await send({ type: 'lifespan.startup.failed', message: 'no database' });
    });
    await assert.rejects(
      lifespan.startup(),
      (error: unknown) =>
        error instanceof LifespanFailedError &&
        error.code === HarnessErrorCode.LIFESPAN_FAILED &&
        error.phase === 'startup' &&
        error.appMessage === 'no database' &&
        error.message === 'lifespan startup failed: no database',
    );
    await assert.doesNotReject(lifespan.shutdown(), 'nothing to shut down after a failed startup');
  });

  it('[LS-3] an error thrown during startup rejects startup() with its message and cause', async () => {
    const boom = new Error('cannot connect');
    const lifespan = openLifespan(async (_scope, receive) => {
      await receive();
      throw boom;
    });
    await assert.rejects(
      lifespan.startup(),
      (error: unknown) =>
        error instanceof LifespanFailedError &&
        error.appMessage === 'cannot connect' &&
        error.cause === boom,
    );
  });

  it('[LS-3] [LS-6] returning during startup without an answer is a broken rule', async () => {
    const app: Application = async (_scope, receive) => {
      await receive();
    };
    const lifespan = openLifespan(app);
    await assert.rejects(lifespan.startup(), isProtocolError('LS-6'));
    await assert.doesNotReject(lifespan.shutdown(), 'startup() reported it already');
    await assert.rejects(
      openLifespan(app, { strict: false }).startup(),
      (error: unknown) => error instanceof LifespanFailedError && error.message.includes('LS-6'),
    );
  });

  it('[LS-4] an app that settles before its first receive() does not support lifespan', async () => {
    for (const app of [
      (async (scope) => {
        if (scope.type !== 'http') throw new Error(`unsupported scope type ${scope.type}`);
      }) as Application,
      (async () => {}) as Application,
    ]) {
      const lifespan = openLifespan(app);
      assert.deepEqual(await lifespan.startup(), { supported: false, state: undefined });
      await lifespan.shutdown();
      assert.equal(lifespan.settlement?.action, 'unsupported');
      assert.equal(lifespan.settlement?.log, false);
    }
  });

  it('[LS-6] lifespan.shutdown.failed rejects shutdown() with the message', async () => {
    const lifespan = openLifespan(
      withLifespan([], { type: 'lifespan.shutdown.failed', message: 'flush failed' }),
    );
    await lifespan.startup();
    await assert.rejects(
      lifespan.shutdown(),
      (error: unknown) =>
        error instanceof LifespanFailedError &&
        error.phase === 'shutdown' &&
        error.appMessage === 'flush failed',
    );
  });

  it('[LS-6] a second startup answer is a broken rule, reported at shutdown in strict mode', async () => {
    for (const validate of [true, false]) {
      const lifespan = openLifespan(
        async (_scope, receive, send) => {
          await receive();
          await send({ type: 'lifespan.startup.complete' });
          await send({ type: 'lifespan.startup.complete' }).catch(() => {});
          await receive();
          await send({ type: 'lifespan.shutdown.complete' });
        },
        { validate },
      );
      await lifespan.startup();
      await assert.rejects(lifespan.shutdown(), isProtocolError('LS-6'));
    }
  });

  it('[LS-7] rejects a failure message that is not a string', async () => {
    const lifespan = openLifespan(
      async (_scope, receive, send) => {
        await receive();
        await send({ type: 'lifespan.startup.failed', message: 42 } as unknown as SendEvent);
      },
      { validate: false },
    );
    await assert.rejects(lifespan.startup(), isProtocolError('LS-7'));
  });

  it('an app that returns after startup has nothing left to shut down', async () => {
    const lifespan = openLifespan(async (_scope, receive, send) => {
      await receive();
      await send({ type: 'lifespan.startup.complete' });
    });
    await lifespan.startup();
    await lifespan.settled;
    await lifespan.shutdown({ timeoutMs: 100 });
    assert.equal(lifespan.settlement?.action, 'ok');
  });

  it('[LS-8] a startup that never answers fails after timeoutMs', async () => {
    const lifespan = openLifespan(
      async (_scope, receive) => {
        await receive();
        await receive();
      },
      { timeoutMs: 20 },
    );
    await assert.rejects(
      lifespan.startup(),
      (error: unknown) =>
        error instanceof HarnessTimeoutError &&
        error.message.includes("the application's answer to lifespan.startup") &&
        error.message.includes('state starting; the application waits in receive()'),
    );
  });
});

describe('createHarness(): one server for one application', () => {
  /** An app with a lifespan that hands every request scope to `scopes`. */
  function stateful(scopes: Scope[]): Application {
    return async (scope, receive, send) => {
      if (scope.type === 'lifespan') {
        await receive();
        scope.state.db = { name: 'pool' };
        scope.state.counter = 0;
        await send({ type: 'lifespan.startup.complete' });
        await receive();
        await send({ type: 'lifespan.shutdown.complete' });
        return;
      }
      scopes.push(scope);
      if (scope.type === 'websocket') {
        await receive();
        await send({ type: 'websocket.close' });
        return;
      }
      // A request changes its own copy only.
      if (scope.state !== undefined) scope.state.counter = Number(scope.state.counter) + 1;
      await receive();
      await send({ type: 'http.response.start', status: 200 });
      await send({ type: 'http.response.body', body: JSON.stringify(scope.state ?? null) });
    };
  }

  it('[LS-STATE-1] every request scope gets its own shallow copy of the lifespan state', async () => {
    const scopes: Scope[] = [];
    const harness = createHarness(stateful(scopes));
    const startup = await harness.startup();
    assert.equal(startup.supported, true);
    const first = await harness.request({ path: '/one' });
    const second = await harness.request({ path: '/two' });
    assert.deepEqual(first.json(), { db: { name: 'pool' }, counter: 1 });
    assert.deepEqual(
      second.json(),
      { db: { name: 'pool' }, counter: 1 },
      'the copy of one request does not leak',
    );
    const [a, b] = scopes as HttpScope[];
    assert.notEqual(a!.state, b!.state);
    assert.notEqual(a!.state, harness.state);
    assert.equal(a!.state!.db, harness.state!.db, 'shallow: the pool is shared');
    assert.equal(harness.state!.counter, 0);
    await harness.websocket().connect();
    const ws = scopes[2] as WebSocketScope;
    assert.notEqual(ws.state, harness.state);
    assert.deepEqual(ws.state, harness.state);
    await harness.shutdown();
  });

  it('[LS-4] [LS-STATE-1] without lifespan support or startup, scopes carry no state', async () => {
    const scopes: Scope[] = [];
    const plain: Application = async (scope, receive, send) => {
      if (scope.type !== 'http') throw new Error('http only');
      scopes.push(scope);
      await receive();
      await send({ type: 'http.response.start', status: 204 });
      await send({ type: 'http.response.body' });
    };
    const harness = createHarness(plain);
    await harness.request();
    assert.deepEqual(await harness.startup(), { supported: false, state: undefined });
    await harness.request();
    for (const scope of scopes) assert.equal('state' in scope, false);
    await harness.shutdown();
  });

  it('a failed startup rejects, and a second startup is refused', async () => {
    const harness = createHarness(async (_scope, receive, send) => {
      await receive();
      await send({ type: 'lifespan.startup.failed', message: 'nope' });
    });
    await assert.rejects(harness.startup(), /lifespan startup failed: nope/);
    await assert.rejects(
      harness.startup(),
      (error: unknown) => (error as { code?: string }).code === ErrorCode.INVALID_ARGUMENT,
    );
  });

  it('fills each call from its defaults; a call header replaces a default one', async () => {
    const scopes: Scope[] = [];
    const harness = createHarness(stateful(scopes), {
      headers: { authorization: 'Bearer a', 'x-default': '1' },
      rootPath: '/api',
      client: { host: '198.51.100.4', port: 5000 },
      httpVersion: '2',
    });
    await harness.request({ path: '/api/x', headers: [['Authorization', 'Bearer b']] });
    const scope = scopes[0] as HttpScope;
    assert.equal(scope.rootPath, '/api');
    assert.equal(scope.httpVersion, '2');
    assert.deepEqual(scope.client, { host: '198.51.100.4', port: 5000 });
    assert.deepEqual(scope.headers, [
      ['host', 'localhost'],
      ['x-default', '1'],
      ['authorization', 'Bearer b'],
    ]);
    const exchange = harness.http({ path: '/api/y', timeoutMs: undefined });
    assert.equal((await exchange.response()).status, 200);
  });
});
