import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClientDisconnectedError, ProtocolError } from '../src/errors.js';
import {
  HTTP_REQUEST_TRANSITIONS,
  HTTP_TRANSITIONS,
  HttpExchange,
  type HttpExchangeOptions,
  type HttpMove,
  type HttpRequestMove,
  type HttpRequestState,
  type HttpState,
} from '../src/protocol/http.js';
import type { HttpScope } from '../src/types.js';

const ALL_EXTENSIONS = {
  'http.response.trailers': {},
  'http.response.earlyHints': {},
  'http.response.file': {},
};

function scope(overrides: Partial<HttpScope> = {}): HttpScope {
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
  };
}

function exchange(overrides: Partial<HttpScope> = {}, options?: HttpExchangeOptions): HttpExchange {
  return new HttpExchange(scope({ extensions: ALL_EXTENSIONS, ...overrides }), options);
}

/** Asserts that `fn` throws a ProtocolError citing `id`, and returns it. */
function throwsId(fn: () => unknown, id: string): ProtocolError {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof ProtocolError, `expected a ProtocolError, got ${String(caught)}`);
  assert.equal(caught.requirement, id, caught.message);
  assert.ok(caught.message.startsWith(`[${id}] `), caught.message);
  return caught;
}

const bytes = (text: string) => new TextEncoder().encode(text);

const MOVE_EVENTS: Record<HttpMove, object> = {
  'early-hints': { type: 'http.response.earlyHints', headers: [['link', '</a.css>; rel=preload']] },
  start: { type: 'http.response.start', status: 200 },
  'start-trailers': { type: 'http.response.start', status: 200, trailers: true },
  body: { type: 'http.response.body', body: bytes('ab'), moreBody: true },
  'body-end': { type: 'http.response.body', body: 'cd' },
  file: { type: 'http.response.file', path: '/srv/file.txt' },
  trailers: { type: 'http.response.trailers', headers: [['x-checksum', 'abc']] },
};

/** Drives a fresh exchange (all extensions advertised) into `state`. */
function inState(state: HttpState): HttpExchange {
  const x = exchange();
  switch (state) {
    case 'before-start':
      break;
    case 'body':
      x.send({ type: 'http.response.start', status: 200 });
      break;
    case 'body-trailers':
      x.send({ type: 'http.response.start', status: 200, trailers: true });
      break;
    case 'trailers':
      x.send({ type: 'http.response.start', status: 200, trailers: true });
      x.send({ type: 'http.response.body' });
      break;
    case 'complete':
      x.send({ type: 'http.response.start', status: 200 });
      x.send({ type: 'http.response.body' });
      break;
    case 'disconnected':
      x.clientDisconnected();
      break;
    case 'failed':
      assert.throws(() => x.send({ type: 'http.response.start', status: 600 }));
      break;
  }
  assert.equal(x.state, state);
  return x;
}

// The spec's table, written out cell by cell: a state name is a legal move to
// that state; an ID is the rule that rejects the move.
const EXPECTED: Record<
  'before-start' | 'body' | 'body-trailers' | 'trailers' | 'complete',
  Record<HttpMove, string>
> = {
  'before-start': {
    'early-hints': 'before-start',
    start: 'body',
    'start-trailers': 'body-trailers',
    body: 'HTTP-RESP-5',
    'body-end': 'HTTP-RESP-5',
    file: 'EXT-FILE-1',
    trailers: 'HTTP-RESP-1',
  },
  body: {
    'early-hints': 'EXT-HINTS-1',
    start: 'HTTP-RESP-4',
    'start-trailers': 'HTTP-RESP-4',
    body: 'body',
    'body-end': 'complete',
    file: 'complete',
    trailers: 'EXT-TRAILERS-2',
  },
  'body-trailers': {
    'early-hints': 'EXT-HINTS-1',
    start: 'HTTP-RESP-4',
    'start-trailers': 'HTTP-RESP-4',
    body: 'body-trailers',
    'body-end': 'trailers',
    file: 'trailers',
    trailers: 'EXT-TRAILERS-2',
  },
  trailers: {
    'early-hints': 'EXT-HINTS-1',
    start: 'HTTP-RESP-4',
    'start-trailers': 'HTTP-RESP-4',
    body: 'EXT-TRAILERS-2',
    'body-end': 'EXT-TRAILERS-2',
    file: 'EXT-TRAILERS-2',
    trailers: 'complete',
  },
  complete: {
    'early-hints': 'HTTP-RESP-6',
    start: 'HTTP-RESP-6',
    'start-trailers': 'HTTP-RESP-6',
    body: 'HTTP-RESP-6',
    'body-end': 'HTTP-RESP-6',
    file: 'HTTP-RESP-6',
    trailers: 'HTTP-RESP-6',
  },
};

/** The ID cited by a legal cell's test. */
const LEGAL_ID: Record<HttpMove, string> = {
  'early-hints': 'EXT-HINTS-1',
  start: 'HTTP-RESP-1',
  'start-trailers': 'EXT-TRAILERS-2',
  body: 'HTTP-RESP-5',
  'body-end': 'HTTP-RESP-5',
  file: 'EXT-FILE-1',
  trailers: 'EXT-TRAILERS-2',
};

describe('HttpExchange response table', () => {
  for (const [state, row] of Object.entries(EXPECTED) as [
    keyof typeof EXPECTED,
    Record<HttpMove, string>,
  ][]) {
    for (const [move, outcome] of Object.entries(row) as [HttpMove, string][]) {
      const legal = !/-\d+$/.test(outcome);
      const id = legal ? LEGAL_ID[move] : outcome;
      it(`[${id}] ${state} + ${move} ${legal ? `moves to ${outcome}` : 'is rejected'}`, () => {
        const x = inState(state);
        if (legal) {
          x.send(MOVE_EVENTS[move]);
          assert.equal(x.state, outcome);
        } else {
          throwsId(() => x.send(MOVE_EVENTS[move]), outcome);
        }
      });
    }
  }

  for (const move of Object.keys(MOVE_EVENTS) as HttpMove[]) {
    it(`[HTTP-DISC-2] disconnected + ${move} is inert: reject with ClientDisconnectedError`, () => {
      const x = inState('disconnected');
      assert.deepEqual(x.send(MOVE_EVENTS[move]), { kind: 'disconnected' });
      assert.equal(x.state, 'disconnected');
    });
    it(`[SRV-3] failed + ${move} throws the first error again`, () => {
      const x = exchange();
      const first = throwsId(
        () => x.send({ type: 'http.response.start', status: 600 }),
        'HTTP-RESP-2',
      );
      assert.equal(x.state, 'failed');
      assert.throws(
        () => x.send(MOVE_EVENTS[move]),
        (error) => error === first,
      );
    });
  }

  it('[HTTP-RESP-1] the data table lists exactly the legal cells', () => {
    for (const [state, row] of Object.entries(EXPECTED)) {
      const legal = Object.fromEntries(
        Object.entries(row).filter(([, outcome]) => !/-\d+$/.test(outcome)),
      );
      assert.deepEqual({ ...HTTP_TRANSITIONS[state as HttpState] }, legal, state);
    }
    assert.deepEqual(HTTP_TRANSITIONS.disconnected, {});
    assert.deepEqual(HTTP_TRANSITIONS.failed, {});
  });
});

describe('HttpExchange request table', () => {
  const EVENTS: Record<HttpRequestMove, object> = {
    request: { type: 'http.request', body: bytes('x'), moreBody: true },
    'request-last': { type: 'http.request', body: bytes('y'), moreBody: false },
    disconnect: { type: 'http.disconnect' },
  };
  const TABLE: Record<HttpRequestState, Record<HttpRequestMove, string>> = {
    'receiving-body': {
      request: 'receiving-body',
      'request-last': 'body-received',
      disconnect: 'disconnect-given',
    },
    'body-received': {
      request: 'HTTP-REQ-1',
      'request-last': 'HTTP-REQ-1',
      disconnect: 'disconnect-given',
    },
    'disconnect-given': {
      request: 'HTTP-DISC-1',
      'request-last': 'HTTP-DISC-1',
      disconnect: 'disconnect-given',
    },
  };
  function requestInState(state: HttpRequestState): HttpExchange {
    const x = exchange({}, { requestBodyLength: null });
    if (state === 'body-received') x.deliver(EVENTS['request-last']);
    if (state === 'disconnect-given') x.deliver(EVENTS.disconnect);
    assert.equal(x.requestState, state);
    return x;
  }
  for (const [state, row] of Object.entries(TABLE) as [
    HttpRequestState,
    Record<HttpRequestMove, string>,
  ][]) {
    for (const [move, outcome] of Object.entries(row) as [HttpRequestMove, string][]) {
      const legal = !/-\d+$/.test(outcome);
      const id = legal ? (move === 'disconnect' ? 'HTTP-DISC-1' : 'HTTP-REQ-1') : outcome;
      it(`[${id}] request ${state} + ${move} ${legal ? `moves to ${outcome}` : 'is rejected'}`, () => {
        const x = requestInState(state);
        if (legal) {
          const event = EVENTS[move];
          assert.equal(x.deliver(event), event);
          assert.equal(x.requestState, outcome);
        } else {
          throwsId(() => x.deliver(EVENTS[move]), outcome);
        }
      });
    }
  }
  it('[HTTP-REQ-1] the data table lists exactly the legal cells', () => {
    for (const [state, row] of Object.entries(TABLE)) {
      const legal = Object.fromEntries(
        Object.entries(row).filter(([, outcome]) => !/-\d+$/.test(outcome)),
      );
      assert.deepEqual({ ...HTTP_REQUEST_TRANSITIONS[state as HttpRequestState] }, legal);
    }
  });
});

describe('HttpExchange response fields', () => {
  for (const status of [99, 150, 600, 200.5, '200', null]) {
    it(`[HTTP-RESP-2] rejects a status of ${JSON.stringify(status)}`, () => {
      const error = throwsId(
        () => exchange().send({ type: 'http.response.start', status }),
        'HTTP-RESP-2',
      );
      assert.match(
        error.message,
        /^\[HTTP-RESP-2\] http\.response\.start status: expected an integer from 200 to 599, received /,
      );
    });
  }
  for (const status of [200, 404, 599]) {
    it(`[HTTP-RESP-2] accepts a status of ${status}`, () => {
      const action = exchange().send({ type: 'http.response.start', status });
      assert.equal(action.kind === 'start' && action.status, status);
    });
  }

  const BAD_HEADERS: [string, unknown][] = [
    ['an uppercase name', [['Content-Type', 'text/plain']]],
    ['a non-string name', [[42, 'x']]],
    ['an empty name', [['', 'x']]],
    ['a name with a space', [['x y', 'x']]],
    ['a value with CR LF', [['x-a', 'a\r\nset-cookie: b']]],
    ['a value with LF', [['x-a', 'a\nb']]],
    ['a value with NUL', [['x-a', 'a\u0000']]],
    ['a non-string value', [['x-a', 1]]],
    ['a pair of three', [['x-a', 'b', 'c']]],
    ['an object instead of pairs', { 'x-a': 'b' }],
    ['a string instead of a pair', ['x-a: b']],
  ];
  for (const [label, headers] of BAD_HEADERS) {
    it(`[HTTP-RESP-3] rejects response headers with ${label}`, () => {
      throwsId(
        () => exchange().send({ type: 'http.response.start', status: 200, headers }),
        'HTTP-RESP-3',
      );
    });
  }
  it('[HTTP-RESP-3] checks trailer and early-hint headers too', () => {
    throwsId(
      () => exchange().send({ type: 'http.response.earlyHints', headers: [['Link', 'x']] }),
      'HTTP-RESP-3',
    );
    const x = inState('trailers');
    throwsId(
      () => x.send({ type: 'http.response.trailers', headers: [['x-a', 'b\r']] }),
      'HTTP-RESP-3',
    );
  });
  it('[HTTP-RESP-3] accepts lowercase tokens with any value but CR, LF and NUL', () => {
    const headers = [
      ['content-type', 'text/plain; charset=utf-8'],
      ["x-!#$%&'*+-.^_`|~09az", 'caf\u00e9 \t "quoted"'],
      ['set-cookie', 'a=1'],
      ['set-cookie', 'b=2'],
    ];
    const action = exchange().send({ type: 'http.response.start', status: 200, headers });
    assert.equal(action.kind === 'start' && action.headers, headers);
  });

  it('[HTTP-RESP-5] rejects a body that is neither bytes nor a string', () => {
    const x = inState('body');
    throwsId(() => x.send({ type: 'http.response.body', body: 12 }), 'HTTP-RESP-5');
  });
  it('[HTTP-RESP-5] rejects a non-boolean moreBody', () => {
    const x = inState('body');
    throwsId(
      () => x.send({ type: 'http.response.body', body: 'a', moreBody: 'yes' }),
      'HTTP-RESP-5',
    );
  });
  it('[HTTP-RESP-5] a body event without fields ends an empty body', () => {
    const x = inState('body');
    const action = x.send({ type: 'http.response.body' });
    assert.equal(action.kind, 'body');
    assert.ok(action.kind === 'body' && action.done && action.complete);
    assert.equal(action.kind === 'body' && action.body.length, 0);
  });
  it('[HTTP-RESP-5] passes a string body through without encoding it', () => {
    const x = inState('body');
    const action = x.send({ type: 'http.response.body', body: 'héllo', moreBody: true });
    assert.deepEqual(action, { kind: 'body', body: 'héllo', done: false, complete: false });
  });

  it('[SRV-3] rejects an unknown event type', () => {
    throwsId(() => exchange().send({ type: 'http.response.begin', status: 200 }), 'SRV-3');
    throwsId(() => exchange().send({ type: 'websocket.accept' }), 'SRV-3');
  });
  it('[SRV-3] rejects an event that is not an object with a string type', () => {
    throwsId(() => exchange().send(null), 'SRV-3');
    throwsId(() => exchange().send('http.response.start'), 'SRV-3');
    throwsId(() => exchange().send({ status: 200 }), 'SRV-3');
  });
  it('[VER-2] ignores unknown fields of a sent event', () => {
    const action = exchange().send({ type: 'http.response.start', status: 201, colour: 'blue' });
    assert.equal(action.kind, 'start');
  });
});

describe('HttpExchange bodies that must be empty', () => {
  it('[HTTP-RESP-8] rejects a body on HEAD', () => {
    const x = exchange({ method: 'HEAD' });
    const start = x.send({ type: 'http.response.start', status: 200 });
    assert.equal(start.kind === 'start' && start.framing, 'none');
    throwsId(() => x.send({ type: 'http.response.body', body: 'hello' }), 'HTTP-RESP-8');
  });
  it('[HTTP-RESP-8] accepts empty body events on HEAD', () => {
    const x = exchange({ method: 'HEAD' });
    x.send({ type: 'http.response.start', status: 200 });
    x.send({ type: 'http.response.body', body: new Uint8Array(0), moreBody: true });
    x.send({ type: 'http.response.body', body: '' });
    assert.equal(x.state, 'complete');
  });
  for (const status of [204, 304]) {
    it(`[HTTP-RESP-8] rejects a body on a ${status} response`, () => {
      const x = exchange();
      x.send({ type: 'http.response.start', status });
      throwsId(() => x.send({ type: 'http.response.body', body: bytes('x') }), 'HTTP-RESP-8');
    });
  }
  it('[HTTP-RESP-8] rejects a file on HEAD unless its length is 0', () => {
    const x = exchange({ method: 'HEAD' });
    x.send({ type: 'http.response.start', status: 200 });
    throwsId(() => x.send({ type: 'http.response.file', path: '/srv/a' }), 'HTTP-RESP-8');
    const y = exchange({ method: 'HEAD' });
    y.send({ type: 'http.response.start', status: 200 });
    const action = y.send({ type: 'http.response.file', path: '/srv/a', length: 0 });
    assert.equal(action.kind === 'file' && action.requiredLength, 0);
  });
  it('[HTTP-RESP-10] keeps but does not enforce content-length on HEAD and 304', () => {
    const head = exchange({ method: 'HEAD' });
    const start = head.send({
      type: 'http.response.start',
      status: 200,
      headers: [['content-length', '1234']],
    });
    assert.deepEqual(start, {
      kind: 'start',
      status: 200,
      headers: [['content-length', '1234']],
      framing: 'none',
      contentLength: 1234,
      trailers: false,
    });
    head.send({ type: 'http.response.body' });
    assert.equal(head.state, 'complete');
    const notModified = exchange();
    notModified.send({
      type: 'http.response.start',
      status: 304,
      headers: [['content-length', '9']],
    });
    notModified.send({ type: 'http.response.body' });
    assert.equal(notModified.state, 'complete');
  });
});

describe('HttpExchange content-length', () => {
  const start = (x: HttpExchange, length: string) =>
    x.send({ type: 'http.response.start', status: 200, headers: [['content-length', length]] });

  it('[HTTP-RESP-7] rejects more bytes than declared at once', () => {
    const x = exchange();
    start(x, '5');
    x.send({ type: 'http.response.body', body: bytes('abc'), moreBody: true });
    const error = throwsId(
      () => x.send({ type: 'http.response.body', body: bytes('def'), moreBody: true }),
      'HTTP-RESP-7',
    );
    assert.match(error.message, /at most 5 body bytes.*received 6 bytes/);
  });
  it('[HTTP-RESP-7] rejects fewer bytes than declared when the body ends', () => {
    const x = exchange();
    start(x, '5');
    x.send({ type: 'http.response.body', body: bytes('abc'), moreBody: true });
    throwsId(() => x.send({ type: 'http.response.body', body: bytes('d') }), 'HTTP-RESP-7');
  });
  it('[HTTP-RESP-7] accepts exactly the declared bytes, counting strings as UTF-8', () => {
    const x = exchange();
    start(x, '6');
    x.send({ type: 'http.response.body', body: 'é', moreBody: true }); // 2 bytes
    x.send({ type: 'http.response.body', body: '😀' }); // 4 bytes
    assert.equal(x.state, 'complete');
    const y = exchange();
    start(y, '3');
    throwsId(() => y.send({ type: 'http.response.body', body: 'éé' }), 'HTTP-RESP-7');
  });
  it('[HTTP-RESP-7] rejects a malformed or conflicting content-length', () => {
    throwsId(() => start(exchange(), 'abc'), 'HTTP-RESP-7');
    throwsId(() => start(exchange(), '-1'), 'HTTP-RESP-7');
    throwsId(() => start(exchange(), ''), 'HTTP-RESP-7');
    throwsId(
      () =>
        exchange().send({
          type: 'http.response.start',
          status: 200,
          headers: [
            ['content-length', '3'],
            ['content-length', '4'],
          ],
        }),
      'HTTP-RESP-7',
    );
  });
  it('[HTTP-RESP-7] accepts a repeated identical content-length', () => {
    const action = exchange().send({
      type: 'http.response.start',
      status: 200,
      headers: [
        ['content-length', '3'],
        ['content-length', '3'],
      ],
    });
    assert.equal(action.kind === 'start' && action.contentLength, 3);
  });
  it('[HTTP-RESP-7] checks a file of known length against content-length', () => {
    const x = exchange();
    start(x, '10');
    x.send({ type: 'http.response.body', body: bytes('abcd'), moreBody: true });
    throwsId(
      () => x.send({ type: 'http.response.file', path: '/srv/a', length: 5 }),
      'HTTP-RESP-7',
    );
    const y = exchange();
    start(y, '10');
    y.send({ type: 'http.response.body', body: bytes('abcd'), moreBody: true });
    const action = y.send({ type: 'http.response.file', path: '/srv/a', offset: 2, length: 6 });
    assert.deepEqual(action, {
      kind: 'file',
      path: '/srv/a',
      offset: 2,
      length: 6,
      requiredLength: 6,
      complete: true,
    });
  });
  it('[HTTP-RESP-11] tells the server how many bytes a file of unknown length must supply', () => {
    const x = exchange();
    start(x, '10');
    x.send({ type: 'http.response.body', body: bytes('abc'), moreBody: true });
    const action = x.send({ type: 'http.response.file', path: '/srv/a' });
    assert.equal(action.kind === 'file' && action.requiredLength, 7);
    assert.equal(action.kind === 'file' && action.length, null);
  });
  it('[HTTP-RESP-11] a send past content-length voids the exchange, so the server aborts', () => {
    const x = exchange();
    start(x, '1');
    throwsId(() => x.send({ type: 'http.response.body', body: 'ab' }), 'HTTP-RESP-7');
    assert.equal(x.state, 'failed');
    const error = throwsId(() => x.send({ type: 'http.response.body', body: 'a' }), 'HTTP-RESP-7');
    const outcome = x.appThrew(error);
    assert.equal(outcome.action, 'abort');
  });
});

describe('HttpExchange framing', () => {
  const framing = (
    overrides: Partial<HttpScope>,
    headers: [string, string][] = [],
    trailers = false,
  ) => {
    const action = exchange(overrides).send({
      type: 'http.response.start',
      status: 200,
      headers,
      trailers,
    });
    assert.equal(action.kind, 'start');
    return action.kind === 'start' ? action.framing : null;
  };
  it('[HTTP-RESP-9] uses content-length when the app set it', () => {
    assert.equal(framing({}, [['content-length', '3']]), 'content-length');
    assert.equal(framing({ httpVersion: '2' }, [['content-length', '3']]), 'content-length');
  });
  it('[HTTP-RESP-9] uses chunked on HTTP/1.1 and close-delimited on HTTP/1.0 without a length', () => {
    assert.equal(framing({}), 'chunked');
    assert.equal(framing({ httpVersion: '1.0' }), 'close');
    assert.equal(framing({ httpVersion: '2' }), 'chunked');
  });
  it('[EXT-TRAILERS-3] uses chunked on HTTP/1.1 when trailers follow, even with content-length', () => {
    assert.equal(framing({}, [['content-length', '3']], true), 'chunked');
  });
});

describe('HttpExchange extensions', () => {
  const bare = () => new HttpExchange(scope());
  it('[EXT-1] rejects early hints that were not advertised', () => {
    throwsId(() => bare().send(MOVE_EVENTS['early-hints']), 'EXT-1');
  });
  it('[EXT-1] rejects a file event that was not advertised', () => {
    const x = bare();
    x.send({ type: 'http.response.start', status: 200 });
    throwsId(() => x.send(MOVE_EVENTS.file), 'EXT-1');
  });
  it('[EXT-1] rejects trailers: true and trailers that were not advertised', () => {
    throwsId(() => bare().send(MOVE_EVENTS['start-trailers']), 'EXT-1');
    const x = bare();
    x.send({ type: 'http.response.start', status: 200 });
    x.send({ type: 'http.response.body' });
    throwsId(() => x.send(MOVE_EVENTS.trailers), 'EXT-1');
  });
  it('[EXT-TRAILERS-2] rejects a non-boolean trailers flag', () => {
    throwsId(
      () => exchange().send({ type: 'http.response.start', status: 200, trailers: 1 }),
      'EXT-TRAILERS-2',
    );
  });
  it('[EXT-TRAILERS-2] a response with promised trailers is complete only after them', () => {
    const x = exchange();
    x.send({ type: 'http.response.start', status: 200, trailers: true });
    const body = x.send({ type: 'http.response.body', body: 'x' });
    assert.deepEqual(body, { kind: 'body', body: 'x', done: true, complete: false });
    assert.deepEqual(x.send(MOVE_EVENTS.trailers), {
      kind: 'trailers',
      headers: [['x-checksum', 'abc']],
    });
    assert.equal(x.state, 'complete');
  });
  it('[EXT-HINTS-1] allows several early hints before start', () => {
    const x = exchange();
    assert.equal(x.send(MOVE_EVENTS['early-hints']).kind, 'early-hints');
    assert.equal(x.send(MOVE_EVENTS['early-hints']).kind, 'early-hints');
    assert.equal(x.state, 'before-start');
  });
  for (const [label, fields] of [
    ['a relative path', { path: 'srv/a' }],
    ['a missing path', {}],
    ['a negative offset', { path: '/a', offset: -1 }],
    ['a fractional length', { path: '/a', length: 1.5 }],
    ['a string offset', { path: '/a', offset: '0' }],
  ] as const) {
    it(`[EXT-FILE-1] rejects a file event with ${label}`, () => {
      const x = inState('body');
      throwsId(() => x.send({ type: 'http.response.file', ...fields }), 'EXT-FILE-1');
    });
  }
  it('[EXT-FILE-1] accepts Windows absolute paths and completes the response', () => {
    const x = inState('body');
    const action = x.send({ type: 'http.response.file', path: 'C:\\srv\\a.txt', offset: 3 });
    assert.equal(action.kind === 'file' && action.offset, 3);
    assert.equal(x.state, 'complete');
  });
});

describe('HttpExchange receive', () => {
  it('[HTTP-REQ-5] asks for 100 Continue on the first receive before the response starts', () => {
    const x = exchange({ headers: [['expect', '100-continue']] });
    assert.equal(x.expectContinue, true);
    assert.deepEqual(x.receive(), { kind: 'read', sendContinue: true });
    assert.equal(x.continueSent, true);
    assert.deepEqual(x.receive(), { kind: 'read', sendContinue: false });
  });
  it('[HTTP-REQ-5] never asks for 100 Continue once the response has started', () => {
    const x = exchange({ headers: [['expect', '100-Continue']] });
    x.send({ type: 'http.response.start', status: 413 });
    assert.deepEqual(x.receive(), { kind: 'read', sendContinue: false });
    assert.equal(x.continueSent, false);
  });
  it('[HTTP-REQ-5] never asks for 100 Continue without the expectation, or on HTTP/1.0', () => {
    assert.deepEqual(exchange().receive(), { kind: 'read', sendContinue: false });
    const old = exchange({ httpVersion: '1.0', headers: [['expect', '100-continue']] });
    assert.deepEqual(old.receive(), { kind: 'read', sendContinue: false });
  });
  it('[HTTP-REQ-5] takes the expectation from the options when given', () => {
    const x = exchange({}, { expectContinue: true });
    assert.deepEqual(x.receive(), { kind: 'read', sendContinue: true });
  });
  it('[HTTP-REQ-1] waits after the last piece of the body', () => {
    const x = exchange();
    x.deliver({ type: 'http.request', body: new Uint8Array(0), moreBody: false });
    assert.deepEqual(x.receive(), { kind: 'wait' });
  });
  it('[HTTP-DISC-1] gives http.disconnect forever once the client is gone', () => {
    const x = exchange();
    x.clientDisconnected();
    for (let i = 0; i < 3; i++) {
      assert.deepEqual(x.receive(), { kind: 'disconnect', requirement: 'HTTP-DISC-1' });
    }
    x.deliver({ type: 'http.disconnect' });
    x.deliver({ type: 'http.disconnect' });
  });
  it('[HTTP-DISC-1] a delivered http.disconnect means the client left', () => {
    const x = inState('body');
    x.deliver({ type: 'http.disconnect' });
    assert.equal(x.state, 'disconnected');
    assert.equal(x.clientGone, true);
  });
  it('[HTTP-DISC-3] gives http.disconnect once the response is complete', () => {
    const x = inState('complete');
    assert.deepEqual(x.receive(), { kind: 'disconnect', requirement: 'HTTP-DISC-3' });
    x.deliver({ type: 'http.disconnect' });
    assert.equal(x.state, 'complete');
  });
  it('[HTTP-REQ-1] rejects a body that is not a Uint8Array', () => {
    throwsId(
      () => exchange().deliver({ type: 'http.request', body: 'abc', moreBody: false }),
      'HTTP-REQ-1',
    );
    throwsId(() => exchange().deliver({ type: 'http.request', moreBody: false }), 'HTTP-REQ-1');
  });
  it('[HTTP-REQ-1] rejects a moreBody that is not a boolean', () => {
    throwsId(
      () => exchange().deliver({ type: 'http.request', body: new Uint8Array(0) }),
      'HTTP-REQ-1',
    );
  });
  it('[SRV-2] rejects an unknown event type from the server', () => {
    throwsId(() => exchange().deliver({ type: 'http.response.start' }), 'SRV-2');
    throwsId(() => exchange().deliver(undefined), 'SRV-2');
  });
  it('[HTTP-REQ-2] a request without a body gives one empty final http.request', () => {
    const x = exchange();
    x.deliver({ type: 'http.request', body: new Uint8Array(0), moreBody: false });
    throwsId(
      () => exchange().deliver({ type: 'http.request', body: bytes('a'), moreBody: false }),
      'HTTP-REQ-2',
    );
    throwsId(
      () => exchange().deliver({ type: 'http.request', body: new Uint8Array(0), moreBody: true }),
      'HTTP-REQ-2',
    );
  });
  it('[HTTP-REQ-4] a body cut short never ends with moreBody false', () => {
    const x = exchange({ headers: [['content-length', '4']] });
    x.deliver({ type: 'http.request', body: bytes('ab'), moreBody: true });
    throwsId(
      () => x.deliver({ type: 'http.request', body: bytes('c'), moreBody: false }),
      'HTTP-REQ-4',
    );
    const y = exchange({ headers: [['content-length', '4']] });
    y.deliver({ type: 'http.request', body: bytes('ab'), moreBody: true });
    y.deliver({ type: 'http.disconnect' });
    assert.equal(y.requestState, 'disconnect-given');
  });
  it('[HTTP-REQ-4] rejects more request bytes than declared, and accepts exactly them', () => {
    throwsId(
      () =>
        exchange({ headers: [['content-length', '1']] }).deliver({
          type: 'http.request',
          body: bytes('ab'),
          moreBody: true,
        }),
      'HTTP-REQ-4',
    );
    const x = exchange({ headers: [['content-length', '3']] });
    x.deliver({ type: 'http.request', body: bytes('ab'), moreBody: true });
    x.deliver({ type: 'http.request', body: bytes('c'), moreBody: false });
    assert.equal(x.requestState, 'body-received');
  });
  it('[HTTP-REQ-3] a chunked request body has no declared length to check', () => {
    const x = exchange({ headers: [['transfer-encoding', 'chunked']] });
    x.deliver({ type: 'http.request', body: bytes('abc'), moreBody: true });
    x.deliver({ type: 'http.request', body: bytes('def'), moreBody: false });
    assert.equal(x.requestState, 'body-received');
  });
});

describe('HttpExchange settlement', () => {
  it('[HTTP-FAIL-1] a throw before start answers 500 and is logged', () => {
    const error = new Error('boom');
    const outcome = exchange().appThrew(error);
    assert.deepEqual(outcome, {
      action: 'respond-500',
      requirement: 'HTTP-FAIL-1',
      error,
      log: true,
      violation: null,
    });
  });
  it('[HTTP-FAIL-3] a return before start answers 500 and breaks HTTP-FAIL-5', () => {
    const outcome = exchange().appReturned();
    assert.equal(outcome.action, 'respond-500');
    assert.equal(outcome.requirement, 'HTTP-FAIL-3');
    assert.equal(outcome.violation?.requirement, 'HTTP-FAIL-5');
    assert.equal(outcome.log, true);
  });
  it('[HTTP-FAIL-2] a throw after start aborts', () => {
    const outcome = inState('body').appThrew(new Error('late'));
    assert.equal(outcome.action, 'abort');
    assert.equal(outcome.requirement, 'HTTP-FAIL-2');
    assert.equal(outcome.log, true);
  });
  it('[HTTP-FAIL-5] a return with the body open aborts and is a violation', () => {
    for (const state of ['body', 'body-trailers', 'trailers'] as const) {
      const outcome = inState(state).appReturned();
      assert.equal(outcome.action, 'abort', state);
      assert.equal(outcome.requirement, 'HTTP-FAIL-3');
      assert.equal(outcome.violation?.requirement, 'HTTP-FAIL-5');
    }
  });
  it('[HTTP-RESP-7] a return with fewer bytes than declared aborts', () => {
    const x = exchange();
    x.send({ type: 'http.response.start', status: 200, headers: [['content-length', '3']] });
    x.send({ type: 'http.response.body', body: 'a', moreBody: true });
    assert.equal(x.appReturned().action, 'abort');
  });
  it('[HTTP-FAIL-4] a complete response is ok; an error after it is still logged', () => {
    assert.deepEqual(inState('complete').appReturned(), {
      action: 'ok',
      requirement: null,
      error: null,
      log: false,
      violation: null,
    });
    const late = inState('complete').appThrew(new Error('after'));
    assert.equal(late.action, 'ok');
    assert.equal(late.log, true);
  });
  it('[HTTP-DISC-4] never logs a ClientDisconnectedError', () => {
    const x = inState('body');
    x.clientDisconnected();
    const outcome = x.appThrew(new ClientDisconnectedError());
    assert.equal(outcome.action, 'client-gone');
    assert.equal(outcome.log, false);
    const y = exchange();
    assert.equal(y.appThrew(new ClientDisconnectedError()).log, false);
  });
  it('[HTTP-FAIL-5] a return after the client left is fine', () => {
    const x = inState('body');
    x.clientDisconnected();
    const outcome = x.appReturned();
    assert.equal(outcome.action, 'client-gone');
    assert.equal(outcome.violation, null);
  });
  it('[SRV-3] a swallowed ProtocolError still decides the outcome', () => {
    const x = exchange();
    const error = throwsId(
      () => x.send({ type: 'http.response.start', status: 42 }),
      'HTTP-RESP-2',
    );
    const outcome = x.appReturned();
    assert.equal(outcome.action, 'respond-500');
    assert.equal(outcome.violation, error);
    const y = inState('body');
    throwsId(() => y.send({ type: 'http.response.body', body: 5 }), 'HTTP-RESP-5');
    assert.equal(y.appReturned().action, 'abort');
  });
  it('[HTTP-RESP-6] a send after completion is recorded but the response stays complete', () => {
    const x = inState('complete');
    const error = throwsId(() => x.send({ type: 'http.response.body' }), 'HTTP-RESP-6');
    assert.equal(x.state, 'complete');
    const outcome = x.appReturned();
    assert.equal(outcome.action, 'ok');
    assert.equal(outcome.violation, error);
  });
  it('[EXT-FILE-2] a transport failure aborts a started response', () => {
    const x = inState('body');
    x.send({ type: 'http.response.file', path: '/missing' });
    const failure = new Error('ENOENT');
    x.transportFailed(failure);
    assert.equal(x.state, 'failed');
    assert.throws(
      () => x.send({ type: 'http.response.body' }),
      (error) => error === failure,
    );
    assert.equal(x.appThrew(failure).action, 'abort');
  });
  it('[APP-5] rejects send() and receive() after the app settled', () => {
    const x = inState('complete');
    x.appReturned();
    throwsId(() => x.send({ type: 'http.response.body' }), 'APP-5');
    throwsId(() => x.receive(), 'APP-5');
  });
});

describe('HttpExchange and the client leaving', () => {
  it('[HTTP-DISC-2] a send after the client left is inert before start', () => {
    const x = exchange();
    x.clientDisconnected();
    assert.deepEqual(x.send({ type: 'http.response.start', status: 200 }), {
      kind: 'disconnected',
    });
    assert.deepEqual(x.send({ type: 'http.response.body', body: 'x' }), { kind: 'disconnected' });
  });
  it('[HTTP-DISC-2] a malformed event after the client left is still an error', () => {
    const x = inState('body');
    x.clientDisconnected();
    throwsId(() => x.send({ type: 'http.response.body', body: 1 }), 'HTTP-RESP-5');
    assert.equal(x.state, 'disconnected');
  });
  it('[HTTP-DISC-1] the client leaving after completion keeps the response complete', () => {
    const x = inState('complete');
    x.clientDisconnected();
    assert.equal(x.state, 'complete');
    assert.equal(x.appReturned().action, 'ok');
  });
});
