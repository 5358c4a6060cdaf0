import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Application, LifespanScope, ReceiveEvent, SendEvent } from 'tsgi';
import { fromFetchHandler } from 'tsgi';
import { EchoNext } from '../src/app.js';
import { AppError, AppErrorCode } from '../src/app-errors.js';
import { TestClient } from '../src/testing.js';

/**
 * Plays the server's side of the lifespan protocol by hand: startup, then
 * shutdown when `shutdown` is set, and records what the app sends.
 */
async function runLifespan(
  app: Application,
  options: { shutdown?: boolean; state?: Record<string, unknown> } = {},
): Promise<{ sent: SendEvent[]; state: Record<string, unknown> }> {
  const state = options.state ?? {};
  const scope: LifespanScope = { type: 'lifespan', tsgi: { version: '1.0' }, state };
  const sent: SendEvent[] = [];
  const queue: ReceiveEvent[] = [{ type: 'lifespan.startup' }];
  let wake: (() => void) | null = null;
  const receive = async (): Promise<ReceiveEvent> => {
    while (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
    return queue.shift() as ReceiveEvent;
  };
  const send = async (event: SendEvent) => {
    sent.push(event);
    if (event.type === 'lifespan.startup.complete' && options.shutdown === true) {
      queue.push({ type: 'lifespan.shutdown' });
      wake?.();
    }
  };
  const done = app(scope, receive, send);
  if (options.shutdown === true) {
    await done;
  } else {
    // Startup only: wait for the answer, leave the app waiting for shutdown.
    while (sent.length === 0) await new Promise((resolve) => setTimeout(resolve, 1));
  }
  return { sent, state };
}

describe('startup and shutdown hooks', () => {
  it('[LS-STATE-1] fill the state that every request sees as request.state', async () => {
    const app = new EchoNext();
    app.onStartup(async (state) => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      state.db = { name: 'pool' };
    });
    app.get('/', (request) => ({ db: request.state.db, same: request.state.db === app.state.db }));
    const client = new TestClient(app);
    assert.deepEqual((await client.get('/')).json(), { db: { name: 'pool' }, same: true });
    assert.deepEqual(client.state, { db: { name: 'pool' } });
  });

  it('[LS-6] answer startup and shutdown once each, running the hooks in order', async () => {
    const order: string[] = [];
    const blog = new EchoNext();
    blog.onStartup(() => void order.push('blog start'));
    blog.onShutdown(() => void order.push('blog stop'));
    const app = new EchoNext();
    app.onStartup(() => void order.push('app start 1'));
    app.onStartup(() => void order.push('app start 2'));
    app.onShutdown(() => void order.push('app stop 1'));
    app.onShutdown(() => void order.push('app stop 2'));
    app.include('/blog', blog);
    const { sent } = await runLifespan(app, { shutdown: true });
    assert.deepEqual(
      sent.map((event) => event.type),
      ['lifespan.startup.complete', 'lifespan.shutdown.complete'],
    );
    assert.deepEqual(order, [
      'app start 1',
      'app start 2',
      'blog start',
      'blog stop',
      'app stop 2',
      'app stop 1',
    ]);
  });

  it('[LS-7] fail the startup with the message of a hook that throws', async () => {
    const app = new EchoNext();
    let later = false;
    app.onStartup(() => {
      throw new Error('cannot reach the database');
    });
    app.onStartup(() => {
      later = true;
    });
    const { sent } = await runLifespan(app);
    assert.deepEqual(sent, [
      { type: 'lifespan.startup.failed', message: 'cannot reach the database' },
    ]);
    assert.equal(later, false);
    await assert.rejects(new TestClient(app).get('/'), /cannot reach the database/);
  });

  it('fail the startup when a sub-app hook throws', async () => {
    const blog = new EchoNext();
    blog.onStartup(() => {
      throw new Error('blog cache is missing');
    });
    const app = new EchoNext();
    app.include('/blog', blog);
    const { sent } = await runLifespan(app);
    assert.deepEqual(sent, [{ type: 'lifespan.startup.failed', message: 'blog cache is missing' }]);
  });

  it('run every shutdown hook even when one throws, and report the failure', async () => {
    const app = new EchoNext();
    let first = false;
    app.onShutdown(() => {
      first = true;
    });
    app.onShutdown(() => {
      throw new Error('flush failed');
    });
    const { sent } = await runLifespan(app, { shutdown: true });
    assert.deepEqual(sent.at(-1), { type: 'lifespan.shutdown.failed', message: 'flush failed' });
    assert.equal(first, true);
  });

  it('share one state between the app, its sub-apps and the lifespan scope', async () => {
    const blog = new EchoNext();
    blog.state.preset = 'from blog';
    blog.onStartup((state) => {
      state.blogPosts = 3;
    });
    blog.get('/', (request) => ({ posts: request.state.blogPosts, preset: request.state.preset }));
    const app = new EchoNext();
    app.include('/blog', blog);
    const { state } = await runLifespan(app);
    assert.equal(state.blogPosts, 3);
    assert.equal(state.preset, 'from blog');
    assert.equal(app.state, state);
    assert.equal(blog.state, state);
    const client = new TestClient(app);
    assert.deepEqual((await client.get('/blog/')).json(), { posts: 3, preset: 'from blog' });
  });

  it('compile the app at startup: registrations after it throw', async () => {
    const app = new EchoNext();
    await runLifespan(app);
    assert.throws(
      () => app.get('/', () => 'x'),
      (error: unknown) => error instanceof AppError && error.code === AppErrorCode.FROZEN,
    );
  });

  it('refuse a hook that is not a function', () => {
    assert.throws(() => new EchoNext().onStartup('x' as never), AppError);
    assert.throws(() => new EchoNext().onShutdown(null as never), AppError);
  });
});

describe('the lifespan of mounted apps', () => {
  it('runs with the app lifespan and shares the state', async () => {
    const order: string[] = [];
    const legacy = fromFetchHandler(() => new Response('legacy'), {
      onStartup: (scope) => {
        order.push('legacy start');
        scope.state.legacy = true;
      },
      onShutdown: () => void order.push('legacy stop'),
    });
    const app = new EchoNext();
    app.onStartup(() => void order.push('app start'));
    app.onShutdown(() => void order.push('app stop'));
    app.mount('/legacy', legacy);
    const { sent, state } = await runLifespan(app, { shutdown: true });
    assert.deepEqual(
      sent.map((event) => event.type),
      ['lifespan.startup.complete', 'lifespan.shutdown.complete'],
    );
    assert.deepEqual(order, ['app start', 'legacy start', 'legacy stop', 'app stop']);
    assert.equal(state.legacy, true);
  });

  it('[LS-4] leaves alone a mounted app without lifespan support', async () => {
    const plain: Application = async (scope) => {
      if (scope.type === 'lifespan') return;
    };
    const throwing: Application = async (scope) => {
      if (scope.type === 'lifespan') throw new Error('no lifespan here');
    };
    const app = new EchoNext();
    app.mount('/plain', plain);
    app.mount('/throwing', throwing);
    const { sent } = await runLifespan(app, { shutdown: true });
    assert.deepEqual(
      sent.map((event) => event.type),
      ['lifespan.startup.complete', 'lifespan.shutdown.complete'],
    );
  });

  it('fails the startup when a mounted app fails its own, naming the mount', async () => {
    const legacy = fromFetchHandler(() => new Response('x'), {
      onStartup: () => {
        throw new Error('legacy config missing');
      },
    });
    const app = new EchoNext();
    app.mount('/legacy', legacy);
    const { sent } = await runLifespan(app);
    assert.deepEqual(sent, [
      {
        type: 'lifespan.startup.failed',
        message: 'the app mounted at /legacy: legacy config missing',
      },
    ]);
  });

  it('runs the lifespan of apps mounted inside sub-apps', async () => {
    let started = false;
    const legacy = fromFetchHandler(() => new Response('x'), {
      onStartup: () => {
        started = true;
      },
    });
    const blog = new EchoNext();
    blog.mount('/old', legacy);
    const app = new EchoNext();
    app.include('/blog', blog);
    await runLifespan(app);
    assert.equal(started, true);
  });
});
