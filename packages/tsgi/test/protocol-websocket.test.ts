import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClientDisconnectedError, ProtocolError } from '../src/errors.js';
import {
  isSendableCloseCode,
  WEBSOCKET_PEER_TRANSITIONS,
  WEBSOCKET_TRANSITIONS,
  type WebSocketMove,
  type WebSocketPeerMove,
  type WebSocketPeerState,
  WebSocketSession,
  type WebSocketState,
} from '../src/protocol/websocket.js';
import type { WebSocketScope } from '../src/types.js';

function scope(overrides: Partial<WebSocketScope> = {}): WebSocketScope {
  return {
    type: 'websocket',
    tsgi: { version: '1.0' },
    httpVersion: '1.1',
    scheme: 'ws',
    path: '/chat',
    rawPath: '/chat',
    queryString: '',
    rootPath: '',
    headers: [['host', 'example.test']],
    client: { host: '127.0.0.1', port: 50000 },
    server: { host: '127.0.0.1', port: 8000 },
    subprotocols: ['chat.v2', 'chat.v1'],
    extensions: { 'websocket.http.response': {} },
    ...overrides,
  };
}

function throwsId(fn: () => unknown, id: string): ProtocolError {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof ProtocolError, `expected a ProtocolError, got ${String(caught)}`);
  assert.equal(caught.requirement, id, caught.message);
  return caught;
}

const MOVE_EVENTS: Record<WebSocketMove, object> = {
  accept: { type: 'websocket.accept' },
  send: { type: 'websocket.send', text: 'hi' },
  close: { type: 'websocket.close' },
  'deny-start': { type: 'websocket.http.response.start', status: 401 },
  'deny-body': { type: 'websocket.http.response.body', body: 'no', moreBody: true },
  'deny-end': { type: 'websocket.http.response.body', body: '!' },
};

function inState(state: WebSocketState): WebSocketSession {
  const ws = new WebSocketSession(scope());
  switch (state) {
    case 'handshake':
      break;
    case 'open':
      ws.send(MOVE_EVENTS.accept);
      break;
    case 'denying':
      ws.send(MOVE_EVENTS['deny-start']);
      break;
    case 'closed':
      ws.send(MOVE_EVENTS.accept);
      ws.send(MOVE_EVENTS.close);
      break;
    case 'disconnected':
      ws.clientDisconnected(1001, 'going away');
      break;
    case 'failed':
      ws.send(MOVE_EVENTS.accept);
      assert.throws(() => ws.send({ type: 'websocket.send' }));
      break;
  }
  assert.equal(ws.state, state);
  return ws;
}

const EXPECTED: Record<
  'handshake' | 'open' | 'denying' | 'closed',
  Record<WebSocketMove, string>
> = {
  handshake: {
    accept: 'open',
    send: 'WS-ACCEPT-1',
    close: 'closed',
    'deny-start': 'denying',
    'deny-body': 'EXT-WSDENY-1',
    'deny-end': 'EXT-WSDENY-1',
  },
  open: {
    accept: 'WS-ACCEPT-1',
    send: 'open',
    close: 'closed',
    'deny-start': 'EXT-WSDENY-1',
    'deny-body': 'EXT-WSDENY-1',
    'deny-end': 'EXT-WSDENY-1',
  },
  denying: {
    accept: 'EXT-WSDENY-1',
    send: 'EXT-WSDENY-1',
    close: 'EXT-WSDENY-1',
    'deny-start': 'EXT-WSDENY-1',
    'deny-body': 'denying',
    'deny-end': 'closed',
  },
  closed: {
    accept: 'WS-ORDER-1',
    send: 'WS-ORDER-1',
    close: 'WS-ORDER-1',
    'deny-start': 'WS-ORDER-1',
    'deny-body': 'WS-ORDER-1',
    'deny-end': 'WS-ORDER-1',
  },
};

const LEGAL_ID: Record<WebSocketMove, string> = {
  accept: 'WS-ACCEPT-1',
  send: 'WS-SEND-1',
  close: 'WS-CLOSE-1',
  'deny-start': 'EXT-WSDENY-1',
  'deny-body': 'EXT-WSDENY-1',
  'deny-end': 'EXT-WSDENY-1',
};

const isId = (text: string) => /-\d+$/.test(text);

describe('WebSocketSession app table', () => {
  for (const [state, row] of Object.entries(EXPECTED) as [
    keyof typeof EXPECTED,
    Record<WebSocketMove, string>,
  ][]) {
    for (const [move, outcome] of Object.entries(row) as [WebSocketMove, string][]) {
      const legal = !isId(outcome);
      it(`[${legal ? LEGAL_ID[move] : outcome}] ${state} + ${move} ${legal ? `moves to ${outcome}` : 'is rejected'}`, () => {
        const ws = inState(state);
        if (legal) {
          ws.send(MOVE_EVENTS[move]);
          assert.equal(ws.state, outcome);
        } else {
          throwsId(() => ws.send(MOVE_EVENTS[move]), outcome);
        }
      });
    }
  }
  for (const move of Object.keys(MOVE_EVENTS) as WebSocketMove[]) {
    const expected = move === 'close' ? 'ignore' : 'disconnected';
    it(`[WS-DISC-1] disconnected + ${move} is inert (${expected})`, () => {
      const ws = inState('disconnected');
      assert.deepEqual(ws.send(MOVE_EVENTS[move]), { kind: expected });
      assert.equal(ws.state, 'disconnected');
    });
    it(`[WS-FAIL-1] failed + ${move} throws the first error again`, () => {
      const ws = new WebSocketSession(scope());
      const first = throwsId(
        () => ws.send({ type: 'websocket.accept', subprotocol: 'x' }),
        'WS-ACCEPT-2',
      );
      assert.equal(ws.state, 'failed');
      assert.throws(
        () => ws.send(MOVE_EVENTS[move]),
        (error) => error === first,
      );
    });
  }
  it('[WS-ACCEPT-1] the data table lists exactly the legal cells', () => {
    for (const [state, row] of Object.entries(EXPECTED)) {
      const legal = Object.fromEntries(Object.entries(row).filter(([, outcome]) => !isId(outcome)));
      assert.deepEqual({ ...WEBSOCKET_TRANSITIONS[state as WebSocketState] }, legal, state);
    }
  });
});

describe('WebSocketSession server table', () => {
  const EVENTS: Record<WebSocketPeerMove, object> = {
    connect: { type: 'websocket.connect' },
    receive: { type: 'websocket.receive', bytes: new Uint8Array([1, 2]) },
    disconnect: { type: 'websocket.disconnect', code: 1000, reason: '' },
  };
  const TABLE: Record<WebSocketPeerState, Record<WebSocketPeerMove, string>> = {
    connecting: { connect: 'connected', receive: 'WS-CONNECT-1', disconnect: 'WS-CONNECT-1' },
    connected: { connect: 'WS-CONNECT-1', receive: 'connected', disconnect: 'gone' },
    gone: { connect: 'WS-CONNECT-1', receive: 'WS-DISC-1', disconnect: 'gone' },
  };
  const LEGAL: Record<WebSocketPeerMove, string> = {
    connect: 'WS-CONNECT-1',
    receive: 'WS-RECV-1',
    disconnect: 'WS-DISC-1',
  };
  function peerInState(state: WebSocketPeerState): WebSocketSession {
    const ws = new WebSocketSession(scope());
    ws.send({ type: 'websocket.accept' });
    if (state !== 'connecting') ws.deliver(EVENTS.connect);
    if (state === 'gone') ws.deliver(EVENTS.disconnect);
    assert.equal(ws.peerState, state);
    return ws;
  }
  for (const [state, row] of Object.entries(TABLE) as [
    WebSocketPeerState,
    Record<WebSocketPeerMove, string>,
  ][]) {
    for (const [move, outcome] of Object.entries(row) as [WebSocketPeerMove, string][]) {
      const legal = !isId(outcome);
      it(`[${legal ? LEGAL[move] : outcome}] server ${state} + ${move} ${legal ? `moves to ${outcome}` : 'is rejected'}`, () => {
        const ws = peerInState(state);
        if (legal) {
          assert.equal(ws.deliver(EVENTS[move]), EVENTS[move]);
          assert.equal(ws.peerState, outcome);
        } else {
          throwsId(() => ws.deliver(EVENTS[move]), outcome);
        }
      });
    }
  }
  it('[WS-CONNECT-1] the data table lists exactly the legal cells', () => {
    for (const [state, row] of Object.entries(TABLE)) {
      const legal = Object.fromEntries(Object.entries(row).filter(([, outcome]) => !isId(outcome)));
      assert.deepEqual({ ...WEBSOCKET_PEER_TRANSITIONS[state as WebSocketPeerState] }, legal);
    }
  });
});

describe('WebSocketSession app events', () => {
  it('[WS-ACCEPT-2] rejects a subprotocol the client did not offer', () => {
    const error = throwsId(
      () =>
        new WebSocketSession(scope()).send({ type: 'websocket.accept', subprotocol: 'chat.v3' }),
      'WS-ACCEPT-2',
    );
    assert.match(error.message, /one of "chat\.v2", "chat\.v1", received "chat\.v3"/);
    throwsId(
      () =>
        new WebSocketSession(scope({ subprotocols: [] })).send({
          type: 'websocket.accept',
          subprotocol: 'chat.v2',
        }),
      'WS-ACCEPT-2',
    );
    throwsId(
      () => new WebSocketSession(scope()).send({ type: 'websocket.accept', subprotocol: 2 }),
      'WS-ACCEPT-2',
    );
  });
  it('[WS-ACCEPT-2] accepts an offered subprotocol or none', () => {
    assert.deepEqual(
      new WebSocketSession(scope()).send({ type: 'websocket.accept', subprotocol: 'chat.v1' }),
      {
        kind: 'accept',
        subprotocol: 'chat.v1',
        headers: [],
      },
    );
    const none = new WebSocketSession(scope()).send({
      type: 'websocket.accept',
      subprotocol: null,
    });
    assert.equal(none.kind === 'accept' && none.subprotocol, null);
  });
  it('[WS-ACCEPT-3] checks and passes on the accept headers', () => {
    const headers = [['x-server', 'a']];
    const action = new WebSocketSession(scope()).send({ type: 'websocket.accept', headers });
    assert.equal(action.kind === 'accept' && action.headers, headers);
    throwsId(
      () =>
        new WebSocketSession(scope()).send({ type: 'websocket.accept', headers: [['X-A', 'b']] }),
      'HTTP-RESP-3',
    );
  });
  for (const [label, fields] of [
    ['both text and bytes', { text: 'a', bytes: new Uint8Array(1) }],
    ['neither text nor bytes', {}],
    ['text that is not a string', { text: 5 }],
    ['bytes that are not a Uint8Array', { bytes: 'abc' }],
    ['bytes as an ArrayBuffer', { bytes: new ArrayBuffer(2) }],
  ] as const) {
    it(`[WS-SEND-1] rejects a message with ${label}`, () => {
      throwsId(() => inState('open').send({ type: 'websocket.send', ...fields }), 'WS-SEND-1');
    });
  }
  it('[WS-SEND-1] gives text as a string and bytes as a Uint8Array', () => {
    const ws = inState('open');
    assert.deepEqual(ws.send({ type: 'websocket.send', text: 'hé' }), {
      kind: 'message',
      data: 'hé',
    });
    const data = new Uint8Array([0, 255]);
    const action = ws.send({ type: 'websocket.send', bytes: data, text: null });
    assert.equal(action.kind === 'message' && action.data, data);
  });
  for (const code of [999, 1004, 1005, 1006, 1015, 2999, 5000, 1000.5, '1000']) {
    it(`[WS-CLOSE-2] rejects close code ${JSON.stringify(code)}`, () => {
      throwsId(() => inState('open').send({ type: 'websocket.close', code }), 'WS-CLOSE-2');
    });
  }
  it('[WS-CLOSE-2] accepts the codes an app may send', () => {
    for (const code of [1000, 1001, 1002, 1003, 1007, 1010, 1014, 3000, 4999]) {
      assert.ok(isSendableCloseCode(code), String(code));
      assert.deepEqual(inState('open').send({ type: 'websocket.close', code, reason: 'bye' }), {
        kind: 'close',
        code,
        reason: 'bye',
      });
    }
  });
  it('[WS-CLOSE-2] limits the reason to 123 bytes of UTF-8', () => {
    throwsId(
      () => inState('open').send({ type: 'websocket.close', reason: 'é'.repeat(62) }),
      'WS-CLOSE-2',
    );
    const ok = inState('open').send({ type: 'websocket.close', reason: `${'é'.repeat(61)}a` });
    assert.equal(ok.kind, 'close');
    throwsId(() => inState('open').send({ type: 'websocket.close', reason: 7 }), 'WS-CLOSE-2');
  });
  it('[WS-CLOSE-2] a close without a code closes with 1000', () => {
    assert.deepEqual(inState('open').send({ type: 'websocket.close' }), {
      kind: 'close',
      code: 1000,
      reason: '',
    });
  });
  it('[WS-CLOSE-1] a close before accept denies the handshake with 403', () => {
    assert.deepEqual(new WebSocketSession(scope()).send({ type: 'websocket.close', code: 4000 }), {
      kind: 'deny',
      status: 403,
    });
  });
  it('[EXT-WSDENY-1] rejects denial events that were not advertised', () => {
    const ws = new WebSocketSession(scope({ extensions: {} }));
    throwsId(() => ws.send(MOVE_EVENTS['deny-start']), 'EXT-WSDENY-1');
  });
  it('[EXT-WSDENY-2] a denial response is framed and counted like an HTTP response', () => {
    const ws = new WebSocketSession(scope());
    assert.deepEqual(
      ws.send({
        type: 'websocket.http.response.start',
        status: 403,
        headers: [['content-length', '2']],
      }),
      {
        kind: 'denial-start',
        status: 403,
        headers: [['content-length', '2']],
        framing: 'content-length',
        contentLength: 2,
      },
    );
    throwsId(() => ws.send({ type: 'websocket.http.response.body', body: 'abc' }), 'HTTP-RESP-7');
  });
  it('[EXT-WSDENY-1] checks the denial fields', () => {
    throwsId(
      () =>
        new WebSocketSession(scope()).send({ type: 'websocket.http.response.start', status: 101 }),
      'HTTP-RESP-2',
    );
    const ws = inState('denying');
    throwsId(() => ws.send({ type: 'websocket.http.response.body', moreBody: 1 }), 'EXT-WSDENY-1');
    const other = inState('denying');
    assert.deepEqual(other.send({ type: 'websocket.http.response.body', body: 'x' }), {
      kind: 'denial-body',
      body: 'x',
      done: true,
    });
  });
  it('[SRV-3] rejects event types a WebSocket does not know', () => {
    throwsId(
      () => new WebSocketSession(scope()).send({ type: 'http.response.start', status: 200 }),
      'SRV-3',
    );
    throwsId(() => new WebSocketSession(scope()).send(42), 'SRV-3');
  });
});

describe('WebSocketSession server events', () => {
  it('[WS-CONNECT-1] the first receive gives websocket.connect', () => {
    const ws = new WebSocketSession(scope());
    assert.deepEqual(ws.receive(), { kind: 'connect' });
    ws.deliver({ type: 'websocket.connect' });
    assert.deepEqual(ws.receive(), { kind: 'read' });
  });
  it('[WS-RECV-1] rejects a message with both or neither of text and bytes', () => {
    const ws = new WebSocketSession(scope());
    ws.deliver({ type: 'websocket.connect' });
    ws.send({ type: 'websocket.accept' });
    throwsId(
      () => ws.deliver({ type: 'websocket.receive', text: 'a', bytes: new Uint8Array(1) }),
      'WS-RECV-1',
    );
    throwsId(() => ws.deliver({ type: 'websocket.receive' }), 'WS-RECV-1');
    throwsId(() => ws.deliver({ type: 'websocket.receive', bytes: [1, 2] }), 'WS-RECV-1');
    ws.deliver({ type: 'websocket.receive', text: 'ok' });
  });
  it('[WS-RECV-1] rejects a message before the app accepted', () => {
    const ws = new WebSocketSession(scope());
    ws.deliver({ type: 'websocket.connect' });
    throwsId(() => ws.deliver({ type: 'websocket.receive', text: 'early' }), 'WS-RECV-1');
  });
  it('[WS-DISC-1] checks the code and reason of websocket.disconnect', () => {
    const ws = new WebSocketSession(scope());
    ws.deliver({ type: 'websocket.connect' });
    throwsId(
      () => ws.deliver({ type: 'websocket.disconnect', code: '1000', reason: '' }),
      'WS-DISC-1',
    );
    throwsId(() => ws.deliver({ type: 'websocket.disconnect', code: 1000 }), 'WS-DISC-1');
  });
  it('[WS-DISC-1] repeats websocket.disconnect with the same code on every receive', () => {
    const ws = inState('open');
    ws.deliver({ type: 'websocket.connect' });
    ws.deliver({ type: 'websocket.disconnect', code: 1001, reason: 'away' });
    assert.equal(ws.state, 'disconnected');
    assert.deepEqual(ws.receive(), { kind: 'disconnect', code: 1001, reason: 'away' });
    assert.deepEqual(ws.receive(), { kind: 'disconnect', code: 1001, reason: 'away' });
    throwsId(
      () => ws.deliver({ type: 'websocket.disconnect', code: 1006, reason: '' }),
      'WS-DISC-1',
    );
    ws.deliver({ type: 'websocket.disconnect', code: 1001, reason: 'away' });
  });
  it('[WS-DISC-1] after the client left, sends are answered disconnected and close is ignored', () => {
    const ws = inState('open');
    ws.clientDisconnected();
    assert.deepEqual(ws.send({ type: 'websocket.send', text: 'x' }), { kind: 'disconnected' });
    assert.deepEqual(ws.send({ type: 'websocket.close' }), { kind: 'ignore' });
    throwsId(() => ws.send({ type: 'websocket.close', code: 1005 }), 'WS-CLOSE-2');
  });
  it('[WS-ORDER-1] a disconnect after the app closed keeps the session closed', () => {
    const ws = inState('closed');
    ws.deliver({ type: 'websocket.connect' });
    ws.deliver({ type: 'websocket.disconnect', code: 1000, reason: '' });
    assert.equal(ws.state, 'closed');
    assert.equal(ws.appReturned().action, 'ok');
  });
  it('[SRV-2] rejects an unknown event from the server', () => {
    throwsId(() => new WebSocketSession(scope()).deliver({ type: 'websocket.accept' }), 'SRV-2');
  });
});

describe('WebSocketSession settlement', () => {
  it('[WS-FAIL-1] a throw before accept answers 500', () => {
    const outcome = new WebSocketSession(scope()).appThrew(new Error('x'));
    assert.equal(outcome.action, 'respond-500');
    assert.equal(outcome.requirement, 'WS-FAIL-1');
    assert.equal(outcome.log, true);
  });
  it('[WS-FAIL-1] a throw after accept closes with 1011', () => {
    assert.equal(inState('open').appThrew(new Error('x')).action, 'close-1011');
  });
  it('[WS-SERVER-2] a return before accept denies with 403, without a violation', () => {
    const outcome = new WebSocketSession(scope()).appReturned();
    assert.equal(outcome.action, 'deny-403');
    assert.equal(outcome.violation, null);
    assert.equal(outcome.log, false);
  });
  it('[WS-SERVER-2] a return with the connection open closes with 1000', () => {
    const outcome = inState('open').appReturned();
    assert.equal(outcome.action, 'close-1000');
    assert.equal(outcome.violation, null);
  });
  it('[WS-CLOSE-1] a return after close or denial is ok', () => {
    assert.equal(inState('closed').appReturned().action, 'ok');
    const denied = inState('denying');
    denied.send(MOVE_EVENTS['deny-end']);
    assert.equal(denied.appReturned().action, 'ok');
  });
  it('[EXT-WSDENY-1] a return with the denial body open aborts and is a violation', () => {
    const outcome = inState('denying').appReturned();
    assert.equal(outcome.action, 'abort');
    assert.equal(outcome.violation?.requirement, 'EXT-WSDENY-1');
  });
  it('[WS-FAIL-1] a swallowed violation after accept closes with 1011', () => {
    const outcome = inState('failed').appReturned();
    assert.equal(outcome.action, 'close-1011');
    assert.equal(outcome.violation?.requirement, 'WS-SEND-1');
  });
  it('[HTTP-DISC-4] a ClientDisconnectedError after the client left is not logged', () => {
    const ws = inState('open');
    ws.clientDisconnected();
    const outcome = ws.appThrew(new ClientDisconnectedError());
    assert.equal(outcome.action, 'client-gone');
    assert.equal(outcome.log, false);
  });
  it('[APP-5] rejects send() and receive() after the app settled', () => {
    const ws = inState('open');
    ws.appReturned();
    throwsId(() => ws.send(MOVE_EVENTS.send), 'APP-5');
    throwsId(() => ws.receive(), 'APP-5');
  });
});
