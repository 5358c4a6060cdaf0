import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TsgiError } from '../src/errors.js';
import { compose } from '../src/middleware/compose.js';
import type {
  Application,
  HttpScope,
  Middleware,
  Receive,
  ReceiveEvent,
  Send,
  SendEvent,
} from '../src/types.js';

function httpScope(): HttpScope {
  return {
    type: 'http',
    tsgi: { version: '1.0' },
    httpVersion: '1.1',
    method: 'GET',
    scheme: 'http',
    path: '/',
    rawPath: '/',
    queryString: '',
    rootPath: '',
    headers: [['host', 'example.com']],
    client: { host: '127.0.0.1', port: 50000 },
    server: { host: '127.0.0.1', port: 8000 },
    extensions: {},
  };
}

/** A middleware that logs when it is entered, what it forwards on send, and when it leaves. */
function tracer(name: string, log: string[]): Middleware {
  return (app) => async (scope, receive, send) => {
    log.push(`${name} in`);
    await app(scope, receive, async (event) => {
      log.push(`${name} send ${event.type}`);
      await send(event);
    });
    log.push(`${name} out`);
  };
}

async function trace(build: (log: string[]) => Application): Promise<string[]> {
  const log: string[] = [];
  const app = build(log);
  const receive: Receive = async () => ({
    type: 'http.request',
    body: new Uint8Array(),
    moreBody: false,
  });
  const send: Send = async (event) => {
    log.push(`server got ${event.type}`);
  };
  await app(httpScope(), receive, send);
  return log;
}

const endpoint =
  (log: string[]): Application =>
  async (_scope, _receive, send) => {
    log.push('app');
    await send({ type: 'http.response.start', status: 204 });
    await send({ type: 'http.response.body' });
  };

describe('compose', () => {
  it('[MW-1] returns a middleware: a function from application to application', async () => {
    const stack = compose(tracer('a', []));
    assert.equal(typeof stack, 'function');
    const app = stack(endpoint([]));
    assert.equal(typeof app, 'function');
    const log = await trace((l) => compose(tracer('a', l))(endpoint(l)));
    assert.deepEqual(log.slice(0, 2), ['a in', 'app']);
  });

  it('[MW-1] compose(a, b)(app) runs exactly like a(b(app)): the first listed is outermost', async () => {
    const composed = await trace((log) =>
      compose(tracer('a', log), tracer('b', log))(endpoint(log)),
    );
    const nested = await trace((log) => tracer('a', log)(tracer('b', log)(endpoint(log))));
    assert.deepEqual(composed, nested);
    assert.deepEqual(composed, [
      'a in',
      'b in',
      'app',
      'b send http.response.start',
      'a send http.response.start',
      'server got http.response.start',
      'b send http.response.body',
      'a send http.response.body',
      'server got http.response.body',
      'b out',
      'a out',
    ]);
  });

  it('applies three middleware in order, the last listed innermost', async () => {
    const log = await trace((l) =>
      compose(tracer('x', l), tracer('y', l), tracer('z', l))(endpoint(l)),
    );
    assert.deepEqual(log.slice(0, 4), ['x in', 'y in', 'z in', 'app']);
  });

  it('with no middleware is the identity', () => {
    const app = endpoint([]);
    assert.equal(compose()(app), app);
  });

  it('wraps each middleware once per compose(...)(app) call, innermost first', () => {
    const order: string[] = [];
    const wrap =
      (name: string): Middleware =>
      (app) => {
        order.push(name);
        return app;
      };
    const stack = compose(wrap('outer'), wrap('inner'));
    assert.deepEqual(order, []);
    stack(endpoint([]));
    assert.deepEqual(order, ['inner', 'outer']);
  });

  it('[MW-3] leaves events of unknown types alone in both directions', async () => {
    const incoming = { type: 'x.custom.in', data: 1 } as unknown as ReceiveEvent;
    const outgoing = { type: 'x.custom.out', data: 2 } as unknown as SendEvent;
    let received: unknown;
    let sent: unknown;
    const app: Application = async (_scope, receive, send) => {
      received = await receive();
      await send(outgoing);
    };
    const pass: Middleware = (inner) => (scope, receive, send) => inner(scope, receive, send);
    await compose(pass, pass)(app)(
      httpScope(),
      async () => incoming,
      async (event) => {
        sent = event;
      },
    );
    assert.equal(received, incoming);
    assert.equal(sent, outgoing);
  });

  it('rejects an argument that is not a function', () => {
    assert.throws(
      () => compose(tracer('a', []), 'nope' as unknown as Middleware),
      (error: unknown) =>
        error instanceof TsgiError &&
        error.code === 'ERR_TSGI_INVALID_ARGUMENT' &&
        error.message.includes('argument 1'),
    );
  });

  it('rejects a middleware that does not return a function', () => {
    const broken = (() => undefined) as unknown as Middleware;
    assert.throws(
      () => compose(broken)(endpoint([])),
      (error: unknown) =>
        error instanceof TsgiError &&
        error.code === 'ERR_TSGI_INVALID_ARGUMENT' &&
        error.message.includes('middleware 0 returned undefined'),
    );
  });
});
