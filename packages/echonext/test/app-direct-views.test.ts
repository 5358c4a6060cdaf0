import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { HttpScope, HttpSendEvent } from 'tsgi';
import { ClientDisconnectedError } from 'tsgi';
import { EchoNext } from '../src/app.js';
import { BadRequest, NotFound } from '../src/http-error.js';
import { html, Response, stream } from '../src/response.js';
import type { ViewFunction } from '../src/views.js';
import { httpScope } from './message-fixtures.js';

/**
 * A view without middleware is called directly and its text or JSON result
 * sent without a `Response`; with middleware, the same view goes through the
 * chain and `Response.send`. The two must send the same events, for every
 * kind of result and every automatic answer.
 */

class Point {
  x = 1;
  y = 2;
}

const cyclic: Record<string, unknown> = { name: 'loop' };
cyclic.self = cyclic;

const VIEWS: readonly (readonly [string, ViewFunction])[] = [
  ['text', () => 'héllo'],
  ['empty text', () => ''],
  ['async text', async () => 'later'],
  ['object', () => ({ message: 'Hello, World!' })],
  ['nested', () => ({ a: [1, { b: null }], c: 'é' })],
  ['array', () => [1, 'two', { three: 3 }]],
  ['null prototype', () => Object.assign(Object.create(null), { bare: true })],
  ['own constructor key', () => ({ constructor: 'not a class' })],
  ['class instance', () => new Point()],
  ['map', () => new Map([['a', 1]])],
  ['number', () => 42],
  ['boolean', () => false],
  ['null', () => null],
  ['undefined', () => undefined],
  ['bytes', () => new Uint8Array([1, 2, 3])],
  ['response', () => new Response('made', { status: 201, headers: { 'x-a': 'b' } })],
  ['html', () => html('<p>hi</p>')],
  [
    'stream',
    () =>
      stream(
        (async function* () {
          yield 'a';
          yield 'b';
        })(),
      ),
  ],
  ['toJSON undefined', () => ({ toJSON: () => undefined })],
  ['toJSON value', () => ({ toJSON: () => ({ swapped: true }) })],
  ['cycle', () => cyclic],
  ['bigint inside', () => ({ n: 1n })],
  ['function', () => () => 1],
  ['async iterable object', () => ({ [Symbol.asyncIterator]: async function* () {} })],
  [
    'throws HTTPError',
    () => {
      throw new BadRequest('no');
    },
  ],
  [
    'throws Error',
    () => {
      throw new Error('bug');
    },
  ],
  [
    'rejects',
    async () => {
      throw new NotFound('gone');
    },
  ],
  [
    'thenable',
    () => ({
      // biome-ignore lint/suspicious/noThenProperty: a thenable that is not a promise.
      then(resolve: (value: unknown) => void) {
        resolve({ from: 'thenable' });
      },
    }),
  ],
  ['wrong content-length', () => new Response('x').setHeader('content-length', '99')],
  [
    'then getter throws',
    () =>
      Object.defineProperty({}, 'then', {
        get() {
          throw new Error('then getter');
        },
      }),
  ],
];

function quietLogger() {
  const entries: string[] = [];
  return { entries, error: (message: string) => entries.push(message) };
}

function build(withMiddleware: boolean) {
  const logger = quietLogger();
  const app = new EchoNext({ logger });
  if (withMiddleware) app.use((request, next) => next(request));
  VIEWS.forEach(([, view], i) => {
    app.get(`/v/${i}`, view);
  });
  app.on(['GET', 'POST'], '/both/{id:int}', (request) => ({ id: request.params.id }));
  app.get('/slash/', () => 'slash');
  app.compile();
  return { app, logger };
}

async function run(app: EchoNext, fields: Partial<HttpScope>): Promise<HttpSendEvent[]> {
  const events: HttpSendEvent[] = [];
  const scope = httpScope({ state: {}, ...fields });
  await app(
    scope,
    async () => ({ type: 'http.request', body: new Uint8Array(0), moreBody: false }),
    async (event) => {
      events.push(event as HttpSendEvent);
    },
  );
  return events;
}

/** The events, with byte bodies as arrays so that deepEqual compares their content. */
function comparable(events: HttpSendEvent[]): unknown[] {
  return events.map((event) =>
    event.type === 'http.response.body' && event.body instanceof Uint8Array
      ? { ...event, body: [...event.body] }
      : event,
  );
}

describe('views without middleware', () => {
  const plain = build(false);
  const wrapped = build(true);
  let sends = 0;
  const original = Response.prototype.send;

  beforeEach(() => {
    sends = 0;
    Response.prototype.send = function (this: Response, ...args) {
      sends++;
      return original.apply(this, args);
    };
  });
  afterEach(() => {
    Response.prototype.send = original;
  });

  for (const method of ['GET', 'HEAD']) {
    VIEWS.forEach(([label], i) => {
      it(`${method} ${label}: sends what the middleware chain sends`, async () => {
        const path = `/v/${i}`;
        const direct = await run(plain.app, { method, path, rawPath: path });
        const chained = await run(wrapped.app, { method, path, rawPath: path });
        assert.deepEqual(comparable(direct), comparable(chained));
        assert.ok(direct.length >= 2, 'a start and a body event');
        assert.equal(plain.logger.entries.length, wrapped.logger.entries.length);
      });
    });
  }

  for (const [method, path, status] of [
    ['POST', '/both/3', 200],
    ['PUT', '/both/3', 405],
    ['OPTIONS', '/both/3', 204],
    ['HEAD', '/both/3', 200],
    ['GET', '/slash', 301],
    ['POST', '/slash', 308],
    ['GET', '/nowhere', 404],
  ] as const) {
    it(`${method} ${path}: answers ${status} as the middleware chain does`, async () => {
      const direct = await run(plain.app, { method, path, rawPath: path, queryString: 'q=1' });
      const chained = await run(wrapped.app, { method, path, rawPath: path, queryString: 'q=1' });
      assert.deepEqual(comparable(direct), comparable(chained));
      const start = direct[0];
      assert.equal(start?.type === 'http.response.start' && start.status, status);
    });
  }

  it('sends text and JSON results without building a Response', async () => {
    const text = VIEWS.findIndex(([label]) => label === 'text');
    const object = VIEWS.findIndex(([label]) => label === 'object');
    for (const i of [text, object]) {
      await run(plain.app, { path: `/v/${i}`, rawPath: `/v/${i}` });
      assert.equal(sends, 0);
      await run(wrapped.app, { path: `/v/${i}`, rawPath: `/v/${i}` });
      assert.equal(sends, 1);
      sends = 0;
    }
  });

  it('keeps the length of the body for HEAD and sends no bytes', async () => {
    const i = VIEWS.findIndex(([label]) => label === 'text');
    const events = await run(plain.app, { method: 'HEAD', path: `/v/${i}`, rawPath: `/v/${i}` });
    assert.deepEqual(events, [
      {
        type: 'http.response.start',
        status: 200,
        headers: [
          ['content-type', 'text/plain; charset=utf-8'],
          ['content-length', '6'],
        ],
      },
      { type: 'http.response.body', body: new Uint8Array(0), moreBody: false },
    ]);
  });

  it('takes a client that left as no error, and rethrows a failure of the transport', async () => {
    const i = VIEWS.findIndex(([label]) => label === 'object');
    const scope = httpScope({ state: {}, path: `/v/${i}`, rawPath: `/v/${i}` });
    const receive = async () => ({ type: 'http.disconnect' }) as const;
    await plain.app(scope, receive, async () => {
      throw new ClientDisconnectedError();
    });
    const broken = new Error('transport');
    await assert.rejects(
      plain.app(scope, receive, async () => {
        throw broken;
      }),
      (error) => error === broken,
    );
  });
});
