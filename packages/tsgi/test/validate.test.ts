import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClientDisconnectedError, ProtocolError } from '../src/errors.js';
import type {
  Application,
  HttpScope,
  LifespanScope,
  ReceiveEvent,
  Scope,
  SendEvent,
  WebSocketScope,
} from '../src/types.js';
import { validate } from '../src/validate/validate.js';

function httpScope(overrides: Record<string, unknown> = {}): HttpScope {
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
    headers: [['host', 'example.test']],
    client: { host: '127.0.0.1', port: 50000 },
    server: { host: '127.0.0.1', port: 8000 },
    extensions: {},
    ...overrides,
  } as HttpScope;
}

function wsScope(overrides: Record<string, unknown> = {}): WebSocketScope {
  const { method: _method, ...base } = httpScope();
  return {
    ...base,
    type: 'websocket',
    scheme: 'ws',
    subprotocols: ['v1'],
    ...overrides,
  } as WebSocketScope;
}

const lifespanScope = (): LifespanScope => ({
  type: 'lifespan',
  tsgi: { version: '1.0' },
  state: {},
});

interface FakeServer {
  receive: () => Promise<ReceiveEvent>;
  send: (event: SendEvent) => Promise<void>;
  /** Events the server accepted from the app, in order. */
  sent: SendEvent[];
}

/**
 * A minimal in-test server: receive() hands out `events` in order, then
 * `tail` forever; send() records, or rejects with what `fail` returns.
 */
function fakeServer(
  events: object[],
  tail: object = { type: 'http.disconnect' },
  fail?: (event: SendEvent) => unknown,
): FakeServer {
  const queue = [...events];
  const sent: SendEvent[] = [];
  return {
    sent,
    receive: async () => (queue.shift() ?? tail) as ReceiveEvent,
    send: async (event) => {
      const failure = fail?.(event);
      if (failure !== undefined) throw failure;
      sent.push(event);
    },
  };
}

/** An app that sends `events` in order, keeping (and swallowing) each rejection. */
function sender(events: object[], errors: unknown[]): Application {
  return async (_scope, _receive, send) => {
    for (const event of events) {
      try {
        await send(event as SendEvent);
      } catch (error) {
        errors.push(error);
      }
    }
  };
}

const isId = (id: string) => (error: unknown) => {
  assert.ok(error instanceof ProtocolError, `expected a ProtocolError, got ${String(error)}`);
  assert.equal(error.requirement, id, error.message);
  return true;
};

/**
 * Runs `events` through a validated app against a fake server, and checks
 * that the app's send() rejected with `id` and the validated app did too.
 */
async function catches(scope: Scope, events: object[], id: string): Promise<FakeServer> {
  const errors: unknown[] = [];
  const server = fakeServer([]);
  await assert.rejects(
    validate(sender(events, errors))(scope, server.receive, server.send),
    isId(id),
  );
  assert.ok(errors.length > 0, 'the app saw no error');
  assert.ok(isId(id)(errors[0]));
  return server;
}

const start = (status = 200, headers: [string, string][] = []) => ({
  type: 'http.response.start',
  status,
  headers,
});
const body = (data: string | Uint8Array = '', moreBody = false) => ({
  type: 'http.response.body',
  body: data,
  moreBody,
});

describe('validate: correct apps pass untouched', () => {
  it('[MW-3] an HTTP app sees the same events, and the server gets the same objects', async () => {
    const requests = [
      { type: 'http.request', body: new TextEncoder().encode('ab'), moreBody: true },
      { type: 'http.request', body: new TextEncoder().encode('c'), moreBody: false },
    ];
    const sentEvents = [start(200, [['content-length', '3']]), body('abc')];
    const seen: unknown[] = [];
    const theScope = httpScope({
      method: 'POST',
      headers: [
        ['host', 'a'],
        ['content-length', '3'],
      ],
    });
    let scopeSeen: unknown;
    const app: Application = async (scope, receive, send) => {
      scopeSeen = scope;
      seen.push(await receive(), await receive());
      for (const event of sentEvents) await send(event as SendEvent);
      seen.push(await receive());
    };
    const server = fakeServer(requests);
    await validate(app)(theScope, server.receive, server.send);
    assert.equal(scopeSeen, theScope);
    assert.equal(seen[0], requests[0]);
    assert.equal(seen[1], requests[1]);
    assert.deepEqual(seen[2], { type: 'http.disconnect' });
    assert.equal(server.sent.length, 2);
    assert.equal(server.sent[0], sentEvents[0]);
    assert.equal(server.sent[1], sentEvents[1]);
  });
  it('[WS-ACCEPT-1] a WebSocket app runs untouched', async () => {
    const app: Application = async (_scope, receive, send) => {
      assert.equal((await receive()).type, 'websocket.connect');
      await send({ type: 'websocket.accept', subprotocol: 'v1' });
      const message = await receive();
      assert.equal(message.type === 'websocket.receive' && message.text, 'hi');
      await send({ type: 'websocket.send', text: 'hello' });
      await send({ type: 'websocket.close', code: 1000 });
    };
    const server = fakeServer(
      [{ type: 'websocket.connect' }, { type: 'websocket.receive', text: 'hi' }],
      { type: 'websocket.disconnect', code: 1000, reason: '' },
    );
    await validate(app)(wsScope(), server.receive, server.send);
    assert.deepEqual(
      server.sent.map((event) => event.type),
      ['websocket.accept', 'websocket.send', 'websocket.close'],
    );
  });
  it('[LS-6] a lifespan app runs untouched and may fill the state', async () => {
    const scope = lifespanScope();
    const app: Application = async (s, receive, send) => {
      assert.equal((await receive()).type, 'lifespan.startup');
      (s.state as Record<string, unknown>).pool = 'ready';
      await send({ type: 'lifespan.startup.complete' });
      assert.equal((await receive()).type, 'lifespan.shutdown');
      await send({ type: 'lifespan.shutdown.complete' });
    };
    const server = fakeServer([{ type: 'lifespan.startup' }, { type: 'lifespan.shutdown' }]);
    await validate(app)(scope, server.receive, server.send);
    assert.equal(scope.state?.pool, 'ready');
    assert.equal(server.sent.length, 2);
  });
  it('[LS-4] an app without lifespan support settles without a violation', async () => {
    const app: Application = async (scope) => {
      if (scope.type === 'lifespan') throw new Error('lifespan is not supported');
    };
    const server = fakeServer([]);
    await assert.rejects(
      validate(app)(lifespanScope(), server.receive, server.send),
      /not supported/,
    );
  });
  it('[LS-4] an app that returns without calling receive() passes lifespan untouched', async () => {
    const server = fakeServer([{ type: 'lifespan.startup' }]);
    await validate(async () => {})(lifespanScope(), server.receive, server.send);
    assert.deepEqual(server.sent, []);
  });
  it('[MW-3] passes a scope of an unknown type straight through', async () => {
    const scope = { type: 'vendor.mqtt' } as unknown as Scope;
    let called = false;
    await validate(async (s) => {
      called = s === scope;
    })(scope, fakeServer([]).receive, fakeServer([]).send);
    assert.ok(called);
  });
  it('[HTTP-FAIL-1] an error the app throws comes out unchanged', async () => {
    const error = new Error('app bug');
    const server = fakeServer([]);
    await assert.rejects(
      validate(async () => {
        throw error;
      })(httpScope(), server.receive, server.send),
      (e) => e === error,
    );
  });
});

describe('validate: app events', () => {
  it('[HTTP-RESP-5] rejects a body before start, even when the app swallows it', async () => {
    const server = await catches(httpScope(), [body('x'), start(), body('y')], 'HTTP-RESP-5');
    assert.deepEqual(server.sent, []);
  });
  it('[HTTP-RESP-6] rejects events after completion', async () => {
    const server = await catches(httpScope(), [start(), body('x'), body('y')], 'HTTP-RESP-6');
    assert.equal(server.sent.length, 2);
  });
  it('[HTTP-RESP-3] rejects uppercase header names', async () => {
    await catches(
      httpScope(),
      [start(200, [['Content-Type', 'text/plain']]), body()],
      'HTTP-RESP-3',
    );
  });
  it('[HTTP-RESP-3] rejects non-string header names', async () => {
    await catches(
      httpScope(),
      [{ ...start(), headers: [[Symbol('x'), 'a']] }, body()],
      'HTTP-RESP-3',
    );
  });
  for (const status of [99, 150, 600]) {
    it(`[HTTP-RESP-2] rejects status ${status}`, async () => {
      await catches(httpScope(), [start(status), body()], 'HTTP-RESP-2');
    });
  }
  it('[HTTP-RESP-8] rejects a body on HEAD', async () => {
    await catches(httpScope({ method: 'HEAD' }), [start(), body('x')], 'HTTP-RESP-8');
  });
  it('[HTTP-RESP-8] rejects a body on 204', async () => {
    await catches(httpScope(), [start(204), body('x')], 'HTTP-RESP-8');
  });
  it('[HTTP-RESP-8] rejects a body on 304', async () => {
    await catches(httpScope(), [start(304), body(new Uint8Array(1))], 'HTTP-RESP-8');
  });
  it('[HTTP-RESP-7] rejects more bytes than content-length', async () => {
    await catches(httpScope(), [start(200, [['content-length', '2']]), body('abc')], 'HTTP-RESP-7');
  });
  it('[HTTP-RESP-7] rejects fewer bytes than content-length', async () => {
    await catches(httpScope(), [start(200, [['content-length', '4']]), body('abc')], 'HTTP-RESP-7');
  });
  it('[EXT-1] rejects an extension event that is not advertised', async () => {
    await catches(
      httpScope(),
      [{ type: 'http.response.earlyHints', headers: [] }, start(), body()],
      'EXT-1',
    );
  });
  it('[HTTP-FAIL-5] rejects an app that returns before its response is complete', async () => {
    const server = fakeServer([]);
    await assert.rejects(
      validate(sender([start(), body('x', true)], []))(httpScope(), server.receive, server.send),
      isId('HTTP-FAIL-5'),
    );
    await assert.rejects(
      validate(async () => {})(httpScope(), server.receive, server.send),
      isId('HTTP-FAIL-5'),
    );
  });
  it('[HTTP-DISC-5] rejects an app that sends after receiving http.disconnect', async () => {
    const errors: unknown[] = [];
    const app: Application = async (_scope, receive, send) => {
      await send(start() as SendEvent);
      assert.equal((await receive()).type, 'http.disconnect');
      try {
        await send(body('late') as SendEvent);
      } catch (error) {
        errors.push(error);
      }
    };
    const server = fakeServer([{ type: 'http.disconnect' }]);
    await assert.rejects(
      validate(app)(httpScope(), server.receive, server.send),
      isId('HTTP-DISC-5'),
    );
    assert.ok(isId('HTTP-DISC-5')(errors[0]));
    assert.equal(server.sent.length, 1);
  });
  it('[HTTP-DISC-2] a send racing the client leaving gets ClientDisconnectedError, not a violation', async () => {
    const gone = new ClientDisconnectedError();
    const errors: unknown[] = [];
    const server = fakeServer([], { type: 'http.disconnect' }, (event) =>
      event.type === 'http.response.body' ? gone : undefined,
    );
    await validate(sender([start(), body('a', true), body('b')], errors))(
      httpScope(),
      server.receive,
      server.send,
    );
    assert.deepEqual(errors, [gone, gone]);
  });
  it('[APP-4] rejects a send while the previous one is pending', async () => {
    const errors: unknown[] = [];
    const app: Application = async (_scope, _receive, send) => {
      const first = send(start() as SendEvent);
      await send(body('x') as SendEvent).catch((error) => errors.push(error));
      await first;
      await send(body('x') as SendEvent);
    };
    const server = fakeServer([]);
    await assert.rejects(validate(app)(httpScope(), server.receive, server.send), isId('APP-4'));
    assert.ok(isId('APP-4')(errors[0]));
    assert.equal(server.sent.length, 2);
  });
  it('[APP-5] rejects send() and receive() after the app settled', async () => {
    let keptSend: ((event: SendEvent) => Promise<void>) | undefined;
    let keptReceive: (() => Promise<ReceiveEvent>) | undefined;
    const app: Application = async (_scope, receive, send) => {
      keptSend = send;
      keptReceive = receive;
      await send(start() as SendEvent);
      await send(body() as SendEvent);
    };
    const server = fakeServer([]);
    await validate(app)(httpScope(), server.receive, server.send);
    await assert.rejects(keptSend!(body() as SendEvent), isId('APP-5'));
    await assert.rejects(keptReceive!(), isId('APP-5'));
  });
  it('[APP-1] rejects an app that settles with a send still pending', async () => {
    let release: () => void = () => {};
    const server = fakeServer([]);
    const slowSend = (event: SendEvent) => {
      server.sent.push(event);
      return event.type === 'http.response.body'
        ? new Promise<void>((resolve) => {
            release = resolve;
          })
        : Promise.resolve();
    };
    const app: Application = async (_scope, _receive, send) => {
      await send(start() as SendEvent);
      void send(body('x') as SendEvent);
    };
    await assert.rejects(validate(app)(httpScope(), server.receive, slowSend), isId('APP-1'));
    release();
  });
  it('[APP-2] rejects an app that changes the scope, and allows changes inside state', async () => {
    const server = fakeServer([]);
    const changing: Application = async (scope, _receive, send) => {
      (scope as HttpScope).path = '/elsewhere';
      await send(start() as SendEvent);
      await send(body() as SendEvent);
    };
    await assert.rejects(
      validate(changing)(httpScope(), server.receive, server.send),
      isId('APP-2'),
    );
    const stateful: Application = async (scope, _receive, send) => {
      (scope.state as Record<string, unknown>).user = 'ann';
      await send(start() as SendEvent);
      await send(body() as SendEvent);
    };
    await validate(stateful)(httpScope({ state: {} }), server.receive, server.send);
  });
  it('[SRV-3] reports violations to onViolation as they happen', async () => {
    const seen: ProtocolError[] = [];
    const server = fakeServer([]);
    await assert.rejects(
      validate(sender([start(700), start(), body()], []), { onViolation: (e) => seen.push(e) })(
        httpScope(),
        server.receive,
        server.send,
      ),
      isId('HTTP-RESP-2'),
    );
    assert.equal(seen[0]?.requirement, 'HTTP-RESP-2');
  });
});

describe('validate: server side', () => {
  it('[HTTP-SCOPE-17] rejects a path that is not a string, before calling the app', async () => {
    let called = false;
    const server = fakeServer([]);
    await assert.rejects(
      validate(async () => {
        called = true;
      })(httpScope({ path: 7 }), server.receive, server.send),
      isId('HTTP-SCOPE-17'),
    );
    assert.equal(called, false);
  });
  it('[HTTP-SCOPE-10] rejects headers that are not pairs', async () => {
    const server = fakeServer([]);
    await assert.rejects(
      validate(async () => {})(httpScope({ headers: [['host']] }), server.receive, server.send),
      isId('HTTP-SCOPE-10'),
    );
  });
  it('[HTTP-SCOPE-13] rejects a port that is a string', async () => {
    const server = fakeServer([]);
    await assert.rejects(
      validate(async () => {})(
        httpScope({ client: { host: '10.0.0.1', port: '4000' } }),
        server.receive,
        server.send,
      ),
      isId('HTTP-SCOPE-13'),
    );
  });
  it('[HTTP-REQ-1] receive() rejects a request body that is not a Uint8Array', async () => {
    const server = fakeServer([{ type: 'http.request', body: 'text', moreBody: false }]);
    let seen: unknown;
    const app: Application = async (_scope, receive, send) => {
      seen = await receive().catch((error) => error);
      await send(start() as SendEvent);
      await send(body() as SendEvent);
    };
    await assert.rejects(
      validate(app)(httpScope(), server.receive, server.send),
      isId('HTTP-REQ-1'),
    );
    assert.ok(isId('HTTP-REQ-1')(seen));
  });
  it('[HTTP-REQ-1] receive() rejects an http.request after the last one', async () => {
    const last = { type: 'http.request', body: new Uint8Array(0), moreBody: false };
    const server = fakeServer([last, last]);
    const app: Application = async (_scope, receive) => {
      await receive();
      await receive();
    };
    await assert.rejects(
      validate(app)(httpScope(), server.receive, server.send),
      isId('HTTP-REQ-1'),
    );
  });
  it('[HTTP-DISC-3] receive() after completion must give http.disconnect', async () => {
    const server = fakeServer([{ type: 'http.request', body: new Uint8Array(0), moreBody: false }]);
    const app: Application = async (_scope, receive, send) => {
      await send(start() as SendEvent);
      await send(body() as SendEvent);
      await receive();
    };
    await assert.rejects(
      validate(app)(httpScope(), server.receive, server.send),
      isId('HTTP-DISC-3'),
    );
  });
  it('[HTTP-DISC-1] receive() after http.disconnect must give http.disconnect again', async () => {
    const server = fakeServer([
      { type: 'http.disconnect' },
      { type: 'http.request', body: new Uint8Array(0), moreBody: false },
    ]);
    const app: Application = async (_scope, receive) => {
      await receive();
      await receive();
    };
    await assert.rejects(
      validate(app)(httpScope(), server.receive, server.send),
      isId('HTTP-DISC-1'),
    );
  });
  it('[WS-CONNECT-1] receive() rejects a first event other than websocket.connect', async () => {
    const server = fakeServer([{ type: 'websocket.receive', text: 'x' }]);
    const app: Application = async (_scope, receive) => {
      await receive();
    };
    await assert.rejects(
      validate(app)(wsScope(), server.receive, server.send),
      isId('WS-CONNECT-1'),
    );
  });
  it('[LS-2] receive() rejects lifespan.shutdown as the first event', async () => {
    const server = fakeServer([{ type: 'lifespan.shutdown' }]);
    const app: Application = async (_scope, receive) => {
      await receive();
    };
    await assert.rejects(validate(app)(lifespanScope(), server.receive, server.send), isId('LS-2'));
  });
  it('[LS-STATE-1] rejects a lifespan scope without state before calling the app', async () => {
    const server = fakeServer([]);
    const { state: _state, ...scope } = lifespanScope();
    await assert.rejects(
      validate(async () => {})(scope as LifespanScope, server.receive, server.send),
      isId('LS-STATE-1'),
    );
  });
});

describe('validate: WebSocket sequencing', () => {
  const wsCatches = async (events: object[], id: string) => {
    const errors: unknown[] = [];
    const server = fakeServer([{ type: 'websocket.connect' }], {
      type: 'websocket.disconnect',
      code: 1000,
      reason: '',
    });
    await assert.rejects(
      validate(sender(events, errors))(wsScope(), server.receive, server.send),
      isId(id),
    );
    assert.ok(isId(id)(errors[0]));
  };
  it('[WS-ACCEPT-1] rejects a send before accept', async () => {
    await wsCatches(
      [{ type: 'websocket.send', text: 'x' }, { type: 'websocket.accept' }],
      'WS-ACCEPT-1',
    );
  });
  it('[WS-ORDER-1] rejects a send after close', async () => {
    await wsCatches(
      [
        { type: 'websocket.accept' },
        { type: 'websocket.close' },
        { type: 'websocket.send', text: 'x' },
      ],
      'WS-ORDER-1',
    );
  });
  it('[WS-ACCEPT-2] rejects a subprotocol that was not offered', async () => {
    await wsCatches([{ type: 'websocket.accept', subprotocol: 'v9' }], 'WS-ACCEPT-2');
  });
  it('[WS-SEND-1] rejects a message with both text and bytes', async () => {
    await wsCatches(
      [
        { type: 'websocket.accept' },
        { type: 'websocket.send', text: 'a', bytes: new Uint8Array(1) },
      ],
      'WS-SEND-1',
    );
  });
  it('[WS-ORDER-1] rejects a send after websocket.disconnect, but allows a close', async () => {
    const errors: unknown[] = [];
    const server = fakeServer(
      [{ type: 'websocket.connect' }, { type: 'websocket.disconnect', code: 1001, reason: '' }],
      { type: 'websocket.disconnect', code: 1001, reason: '' },
    );
    const app: Application = async (_scope, receive, send) => {
      await receive();
      await send({ type: 'websocket.accept' });
      assert.equal((await receive()).type, 'websocket.disconnect');
      await send({ type: 'websocket.close' });
      await send({ type: 'websocket.send', text: 'late' }).catch((error) => errors.push(error));
    };
    await assert.rejects(validate(app)(wsScope(), server.receive, server.send), isId('WS-ORDER-1'));
    assert.ok(isId('WS-ORDER-1')(errors[0]));
  });
});

describe('validate: lifespan sequencing', () => {
  it('[LS-6] rejects complete before startup', async () => {
    const errors: unknown[] = [];
    const server = fakeServer([{ type: 'lifespan.startup' }]);
    const app: Application = async (_scope, receive, send) => {
      await send({ type: 'lifespan.startup.complete' }).catch((error) => errors.push(error));
      await receive();
      await send({ type: 'lifespan.startup.complete' });
    };
    await assert.rejects(validate(app)(lifespanScope(), server.receive, server.send), isId('LS-6'));
    assert.ok(isId('LS-6')(errors[0]));
  });
  it('[LS-6] rejects two replies to startup', async () => {
    const errors: unknown[] = [];
    const server = fakeServer([{ type: 'lifespan.startup' }]);
    const app: Application = async (_scope, receive, send) => {
      await receive();
      await send({ type: 'lifespan.startup.complete' });
      await send({ type: 'lifespan.startup.failed', message: 'x' }).catch((error) =>
        errors.push(error),
      );
    };
    await assert.rejects(validate(app)(lifespanScope(), server.receive, server.send), isId('LS-6'));
    assert.ok(isId('LS-6')(errors[0]));
  });
  it('[LS-7] rejects a failure message that is not a string', async () => {
    const server = fakeServer([{ type: 'lifespan.startup' }]);
    const app: Application = async (_scope, receive, send) => {
      await receive();
      await send({ type: 'lifespan.startup.failed', message: new Error('x') as unknown as string });
    };
    await assert.rejects(validate(app)(lifespanScope(), server.receive, server.send), isId('LS-7'));
  });
});
