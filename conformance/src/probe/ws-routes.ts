/**
 * The probe's WebSocket routes.
 *
 * @module
 */

import type { WebSocketReceiveEvent, WebSocketScope, WebSocketSendEvent } from 'tsgi';
import { AFTER_REFUSAL, DENIAL_AFTER_REFUSAL } from './constants.js';
import { withTimeout } from './edge-routes.js';
import { andThen, describeError, outcome, queryOf, sleep } from './exchange.js';
import { registry } from './registry.js';
import { encode, type Json } from './wire.js';

/** One WebSocket call of the probe app. */
export interface Session {
  /** The scope the server gave. */
  readonly scope: WebSocketScope;
  /** The server's receive. */
  readonly receive: () => Promise<WebSocketReceiveEvent>;
  /** The server's send. */
  readonly send: (event: WebSocketSendEvent) => Promise<void>;
  /** The token of the session, or `null`. */
  readonly token: string | null;
  /** The query parameters. */
  readonly query: URLSearchParams;
}

/** A WebSocket route. */
export type SessionRoute = (session: Session) => Promise<void>;

async function connect(session: Session): Promise<Json> {
  const first = await session.receive();
  return encode(first);
}

/** Echoes each message with its kind, until the peer leaves; records the disconnect. */
async function echoLoop(session: Session): Promise<void> {
  for (;;) {
    const event = await session.receive();
    if (event.type === 'websocket.receive') {
      if (typeof event.text === 'string')
        await session.send({ type: 'websocket.send', text: event.text });
      else if (event.bytes instanceof Uint8Array)
        await session.send({ type: 'websocket.send', bytes: event.bytes });
      continue;
    }
    if (event.type === 'websocket.disconnect') {
      const later = await withTimeout(session.receive(), 2000);
      const sent = await outcome(() =>
        session.send({ type: 'websocket.send', text: 'after disconnect' }),
      );
      registry.record(session.token, {
        disconnect: encode(event),
        later: later === null ? 'timeout' : encode(later),
        send: sent,
      });
      return;
    }
  }
}

function chosen(session: Session): string | null {
  const choose = session.query.get('choose');
  if (choose === null) return null;
  return session.scope.subprotocols.includes(choose) ? choose : null;
}

/** Accepts, sends the scope and the first event as JSON, then echoes. */
const echoScope: SessionRoute = async (session) => {
  const first = await connect(session);
  await session.send({ type: 'websocket.accept', subprotocol: chosen(session) });
  await session.send({
    type: 'websocket.send',
    text: JSON.stringify({ scope: encode(session.scope), first }),
  });
  await echoLoop(session);
};

/** Accepts (with the subprotocol in `choose`, when offered) and echoes. */
const echo: SessionRoute = async (session) => {
  registry.record(session.token, { first: await connect(session) });
  await session.send({ type: 'websocket.accept', subprotocol: chosen(session) });
  await echoLoop(session);
};

/** Accepts and answers each event with its JSON description. */
const describe: SessionRoute = async (session) => {
  await connect(session);
  await session.send({ type: 'websocket.accept' });
  for (;;) {
    const event = await session.receive();
    if (event.type === 'websocket.disconnect') return;
    await session.send({ type: 'websocket.send', text: JSON.stringify(encode(event)) });
  }
};

/** Accepts with extra headers, one of which tries to replace a handshake field. */
const acceptHeaders: SessionRoute = async (session) => {
  await connect(session);
  await session.send({
    type: 'websocket.accept',
    headers: [
      ['x-probe-accept', 'yes'],
      ['sec-websocket-accept', 'bm90LXRoZS1yaWdodC12YWx1ZQ=='],
      ['sec-websocket-protocol', 'not-offered'],
    ],
  });
  await echoLoop(session);
};

/** Denies by closing before accept. */
const closeBeforeAccept: SessionRoute = async (session) => {
  await connect(session);
  await session.send({ type: 'websocket.close', code: 1000 });
};

/** Denies with its own HTTP response when advertised, else by closing. */
const denyCustom: SessionRoute = async (session) => {
  await connect(session);
  if (session.scope.extensions?.['websocket.http.response'] === undefined) {
    await session.send({ type: 'websocket.close' });
    return;
  }
  await session.send({
    type: 'websocket.http.response.start',
    status: 401,
    headers: [
      ['content-type', 'text/plain'],
      ['x-probe-deny', 'yes'],
    ],
  });
  await session.send({ type: 'websocket.http.response.body', body: 'denied ', moreBody: true });
  await session.send({ type: 'websocket.http.response.body', body: 'by the probe' });
};

/** Accepts, then closes with the code and reason in the query. */
const close: SessionRoute = async (session) => {
  await connect(session);
  await session.send({ type: 'websocket.accept' });
  const code = Number(session.query.get('code') ?? '1000');
  await session.send({ type: 'websocket.close', code, reason: session.query.get('reason') ?? '' });
};

/** Returns before accepting. */
const returnBeforeAccept: SessionRoute = async (session) => {
  await connect(session);
};

/** Accepts, then returns without closing. */
const returnAfterAccept: SessionRoute = async (session) => {
  await connect(session);
  await session.send({ type: 'websocket.accept' });
  await sleep(20);
};

/** Throws before accepting. */
const throwBeforeAccept: SessionRoute = async (session) => {
  await connect(session);
  throw new Error(`probe websocket failure before accept (probe token ${session.token ?? 'none'})`);
};

/** Accepts, then throws. */
const throwAfterAccept: SessionRoute = async (session) => {
  await connect(session);
  await session.send({ type: 'websocket.accept' });
  await sleep(20);
  throw new Error(`probe websocket failure after accept (probe token ${session.token ?? 'none'})`);
};

/** Accepts, reads until the disconnect, and records it with what later calls gave. */
const disconnectWatch: SessionRoute = async (session) => {
  await connect(session);
  await session.send({ type: 'websocket.accept' });
  for (;;) {
    const event = await withTimeout(session.receive(), 10_000);
    if (event === null) {
      registry.record(session.token, { disconnect: 'timeout' });
      return;
    }
    if (event.type !== 'websocket.disconnect') continue;
    const later = await withTimeout(session.receive(), 2000);
    let sent: Json;
    try {
      await session.send({ type: 'websocket.send', text: 'after disconnect' });
      sent = { rejected: false };
    } catch (error) {
      sent = { rejected: true, error: describeError(error) };
    }
    const closed = await outcome(() => session.send({ type: 'websocket.close', code: 1000 }));
    registry.record(session.token, {
      disconnect: encode(event),
      later: later === null ? 'timeout' : encode(later),
      send: sent,
      close: closed,
    });
    return;
  }
};

/** Accepts, then sends 64 KiB binary messages as fast as send() allows, recording progress. */
const flood: SessionRoute = async (session) => {
  await connect(session);
  await session.send({ type: 'websocket.accept' });
  const piece = new Uint8Array(64 * 1024).fill(0x63);
  // Four times the bound the case allows: enough to show a server that never
  // pushes back, without making it buffer more than it must.
  const limit = 128 * 1024 * 1024;
  // A record per MiB, not per message: records may be files shared by worker
  // processes, and a server that never pushes back would otherwise be made to
  // write thousands of them. A send that stays pending still follows a record
  // that tells the accepted bytes to within a MiB.
  const recordEvery = 16 * piece.length;
  let accepted = 0;
  while (accepted < limit) {
    if (accepted % recordEvery === 0) {
      registry.record(session.token, { accepted, pending: true, done: false });
    }
    try {
      await session.send({ type: 'websocket.send', bytes: piece });
    } catch (error) {
      registry.record(session.token, {
        accepted,
        pending: false,
        done: true,
        error: describeError(error),
      });
      return;
    }
    accepted += piece.length;
  }
  registry.record(session.token, { accepted, pending: false, done: true });
};

/** Accepts, then calls receive() only once the suite releases the token. */
const noRead: SessionRoute = async (session) => {
  await connect(session);
  await session.send({ type: 'websocket.accept' });
  if (session.token !== null) await registry.waitRelease(session.token, 20_000);
  for (;;) {
    const event = await session.receive();
    if (event.type === 'websocket.disconnect') return;
  }
};

/**
 * Sends an event the server must refuse in the state `kind` names
 * (`handshake`, `open` or `denying`), then one that would be valid there, and
 * records how the server took both: the refusal fails the connection, so the
 * valid event must be refused too, with the same error (section 4.7, SRV-3).
 * Then it returns, and the server settles as if it had thrown in that state:
 * 500, close 1011, or an aborted denial response (WS-FAIL-1, EXT-WSDENY-2).
 */
const badEvent: SessionRoute = async (session) => {
  await connect(session);
  const sendAny = session.send as (event: unknown) => Promise<void>;
  const kind = session.query.get('kind') ?? 'handshake';
  let first: Json;
  let next: WebSocketSendEvent;
  if (kind === 'handshake') {
    first = await outcome(() => sendAny({ type: 'websocket.send', text: 'before accept' }));
    next = { type: 'websocket.accept' };
  } else if (kind === 'open') {
    await session.send({ type: 'websocket.accept' });
    first = await outcome(() => sendAny({ type: 'websocket.accept' }));
    next = { type: 'websocket.send', text: AFTER_REFUSAL };
  } else if (
    kind === 'denying' &&
    session.scope.extensions?.['websocket.http.response'] !== undefined
  ) {
    // A declared length makes an aborted denial response visible as one.
    await session.send({
      type: 'websocket.http.response.start',
      status: 401,
      headers: [
        ['content-type', 'text/plain'],
        ['content-length', String(DENIAL_AFTER_REFUSAL.length)],
      ],
    });
    first = await outcome(() => sendAny({ type: 'websocket.accept' }));
    next = { type: 'websocket.http.response.body', body: DENIAL_AFTER_REFUSAL };
  } else {
    registry.record(session.token, { kind, tried: false });
    await session.send({ type: 'websocket.close' });
    return;
  }
  registry.record(session.token, {
    kind,
    tried: true,
    ...(await andThen(first, () => session.send(next))),
  });
};

/** The WebSocket routes, by path. */
export const sessionRoutes: Readonly<Record<string, SessionRoute>> = {
  '/ws/echo-scope': echoScope,
  '/ws/echo': echo,
  '/ws/describe': describe,
  '/ws/accept-headers': acceptHeaders,
  '/ws/close-before-accept': closeBeforeAccept,
  '/ws/deny-custom': denyCustom,
  '/ws/close': close,
  '/ws/return-before-accept': returnBeforeAccept,
  '/ws/return-after-accept': returnAfterAccept,
  '/ws/throw-before-accept': throwBeforeAccept,
  '/ws/throw-after-accept': throwAfterAccept,
  '/ws/disconnect-watch': disconnectWatch,
  '/ws/flood': flood,
  '/ws/no-read': noRead,
  '/ws/bad-event': badEvent,
};

/** Builds a session from what the server gave. */
export function session(
  scope: WebSocketScope,
  receive: () => Promise<WebSocketReceiveEvent>,
  send: (event: WebSocketSendEvent) => Promise<void>,
  token: string | null,
): Session {
  return { scope, receive, send, token, query: queryOf(scope.queryString) };
}
