/**
 * A TSGI application written by hand, with nothing but the interface: the
 * runnable companion of `docs/writing-an-application.md`.
 *
 *   GET|HEAD /        "Hello, world!"
 *   POST /echo        the request body, read piece by piece, sent back
 *   GET /stream?n=5   n lines, one every 50 ms, streamed with backpressure
 *   GET /stats        what lifespan put in the state, as JSON
 *   GET /error        throws before the response starts: the server answers 500
 *   GET /broken       throws halfway through the body: the server aborts the response
 *   WebSocket         echoes every message back
 *
 * Plain JavaScript with JSDoc types, so it runs without a build step.
 */

import { ClientDisconnectedError, isClientDisconnected } from 'tsgi';

/** The largest request body `/echo` accepts, in bytes. */
const MAX_BODY = 1024 * 1024;

/** How long `/stream` waits between two lines, in milliseconds. */
const LINE_INTERVAL_MS = 50;

const encoder = new TextEncoder();

/** @typedef {() => Promise<import('tsgi').HttpReceiveEvent>} HttpReceive */
/** @typedef {(event: import('tsgi').HttpSendEvent) => Promise<void>} HttpSend */
/** @typedef {() => Promise<import('tsgi').WebSocketReceiveEvent>} WebSocketReceive */
/** @typedef {() => Promise<import('tsgi').LifespanReceiveEvent>} LifespanReceive */

/**
 * What lifespan startup puts in `scope.state`. Every request gets a shallow
 * copy, so `counters` is one object shared by all of them.
 *
 * @typedef {object} AppState
 * @property {string} startedAt when startup ran, as an ISO date
 * @property {{ streamsCutOff: number }} counters streams whose client left early
 */

/** @type {import('tsgi').Application} */
export const app = async (scope, receive, send) => {
  // VER-3: refuse a major version this code was not written for.
  if (scope.tsgi.version.split('.')[0] !== '1') {
    throw new Error(`TSGI ${scope.tsgi.version} is not supported`);
  }
  switch (scope.type) {
    case 'http':
      return http(scope, /** @type {HttpReceive} */ (receive), send);
    case 'websocket':
      return websocket(scope, /** @type {WebSocketReceive} */ (receive), send);
    case 'lifespan':
      return lifespan(scope, /** @type {LifespanReceive} */ (receive), send);
    default:
      // APP-3: fail loudly on a scope type this app does not handle.
      throw new Error(`unsupported scope type ${/** @type {{ type: string }} */ (scope).type}`);
  }
};

/**
 * Routes an HTTP request. HEAD is served wherever GET is.
 *
 * @param {import('tsgi').HttpScope} scope
 * @param {HttpReceive} receive
 * @param {HttpSend} send
 */
async function http(scope, receive, send) {
  const method = scope.method === 'HEAD' ? 'GET' : scope.method;
  // The app's own path: the mount point (rootPath) removed (HTTP-SCOPE-9).
  const route = scope.path.slice(scope.rootPath.length) || '/';
  switch (`${method} ${route}`) {
    case 'GET /':
      return respond(scope, send, 200, 'text/plain; charset=utf-8', 'Hello, world!\n');
    case 'POST /echo':
      return echo(scope, receive, send);
    case 'GET /stream':
      return stream(scope, send);
    case 'GET /stats':
      return stats(scope, send);
    case 'GET /error':
      throw new Error('the /error route always fails');
    case 'GET /broken':
      await send({ type: 'http.response.start', status: 200, headers: [] });
      // A HEAD response has no body bytes (HTTP-RESP-8), so HEAD fails before any.
      if (scope.method !== 'HEAD') {
        await send({ type: 'http.response.body', body: 'the first half', moreBody: true });
      }
      throw new Error('the /broken route fails halfway');
    default:
      return respond(scope, send, 404, 'text/plain; charset=utf-8', 'Not Found\n');
  }
}

/**
 * Sends a whole response in one body event, with its `content-length`. For a
 * HEAD request it sends the same head and an empty body (HTTP-RESP-8).
 *
 * @param {import('tsgi').HttpScope} scope
 * @param {HttpSend} send
 * @param {number} status
 * @param {string} contentType
 * @param {string} text
 */
async function respond(scope, send, status, contentType, text) {
  const body = encoder.encode(text);
  await send({
    type: 'http.response.start',
    status,
    headers: [
      ['content-type', contentType],
      ['content-length', String(body.byteLength)],
    ],
  });
  await send({
    type: 'http.response.body',
    body: scope.method === 'HEAD' ? new Uint8Array(0) : body,
  });
}

/**
 * Reads the whole request body, one `http.request` event at a time.
 *
 * @param {HttpReceive} receive
 * @param {number} limit the most bytes to accept
 * @returns {Promise<Uint8Array | null>} the body, or `null` when it is longer than `limit`
 * @throws {ClientDisconnectedError} when the client leaves first (HTTP-DISC-5)
 */
async function readBody(receive, limit) {
  /** @type {Uint8Array[]} */
  const pieces = [];
  let size = 0;
  for (;;) {
    const event = await receive();
    if (event.type === 'http.disconnect') throw new ClientDisconnectedError();
    size += event.body.byteLength;
    if (size > limit) return null;
    pieces.push(event.body);
    if (!event.moreBody) break;
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const piece of pieces) {
    body.set(piece, offset);
    offset += piece.byteLength;
  }
  return body;
}

/**
 * `POST /echo`: sends the request body back.
 *
 * @param {import('tsgi').HttpScope} scope
 * @param {HttpReceive} receive
 * @param {HttpSend} send
 */
async function echo(scope, receive, send) {
  const body = await readBody(receive, MAX_BODY);
  if (body === null) {
    return respond(scope, send, 413, 'text/plain; charset=utf-8', 'Content Too Large\n');
  }
  const type = scope.headers.find(([name]) => name === 'content-type')?.[1];
  await send({
    type: 'http.response.start',
    status: 200,
    headers: [
      ['content-type', type ?? 'application/octet-stream'],
      ['content-length', String(body.byteLength)],
    ],
  });
  await send({ type: 'http.response.body', body });
}

/**
 * `GET /stream?n=5`: streams `n` lines. Each `send()` resolves only once the
 * server has handed the bytes to the connection (HTTP-BP-1), so a slow client
 * slows this loop down instead of filling memory. When the client leaves,
 * `send()` rejects with `ClientDisconnectedError`.
 *
 * @param {import('tsgi').HttpScope} scope
 * @param {HttpSend} send
 */
async function stream(scope, send) {
  const n = Number(new URLSearchParams(scope.queryString).get('n') ?? '5');
  if (!Number.isSafeInteger(n) || n < 0) {
    return respond(scope, send, 400, 'text/plain; charset=utf-8', 'n must be a whole number\n');
  }
  await send({
    type: 'http.response.start',
    status: 200,
    headers: [['content-type', 'text/plain; charset=utf-8']],
  });
  if (scope.method === 'HEAD') {
    await send({ type: 'http.response.body' });
    return;
  }
  try {
    for (let i = 1; i <= n; i++) {
      await send({ type: 'http.response.body', body: `line ${i} of ${n}\n`, moreBody: true });
      await new Promise((resolve) => setTimeout(resolve, LINE_INTERVAL_MS));
    }
    await send({ type: 'http.response.body' });
  } catch (error) {
    if (!isClientDisconnected(error)) throw error;
    // The client left: not a failure. Count it and return (HTTP-FAIL-5 allows
    // settling once the client is gone); rethrowing would be fine too, as
    // servers never log a ClientDisconnectedError (HTTP-DISC-4).
    const state = /** @type {Partial<AppState>} */ (scope.state ?? {});
    if (state.counters) state.counters.streamsCutOff += 1;
  }
}

/**
 * `GET /stats`: what lifespan startup put in the state. Without lifespan the
 * scope has no `state` (LS-4), so the app checks for it.
 *
 * @param {import('tsgi').HttpScope} scope
 * @param {HttpSend} send
 */
async function stats(scope, send) {
  const state = /** @type {Partial<AppState>} */ (scope.state ?? {});
  const text = JSON.stringify({
    startedAt: state.startedAt ?? null,
    streamsCutOff: state.counters?.streamsCutOff ?? null,
  });
  return respond(scope, send, 200, 'application/json', `${text}\n`);
}

/**
 * A WebSocket echo: accepts, then sends every message back as it came, text
 * or bytes, until the client closes.
 *
 * @param {import('tsgi').WebSocketScope} _scope
 * @param {WebSocketReceive} receive
 * @param {(event: import('tsgi').WebSocketSendEvent) => Promise<void>} send
 */
async function websocket(_scope, receive, send) {
  const connect = await receive(); // websocket.connect (WS-CONNECT-1)
  if (connect.type !== 'websocket.connect') return;
  await send({ type: 'websocket.accept' });
  for (;;) {
    const event = await receive();
    if (event.type === 'websocket.disconnect') return;
    if (event.type !== 'websocket.receive') continue;
    await send(
      event.text !== undefined
        ? { type: 'websocket.send', text: event.text }
        : { type: 'websocket.send', bytes: event.bytes },
    );
  }
}

/**
 * Lifespan: fills the state at startup, before the server takes its first
 * request (LS-2), and says goodbye at shutdown, after the last one (LS-5).
 *
 * @param {import('tsgi').LifespanScope} scope
 * @param {LifespanReceive} receive
 * @param {(event: import('tsgi').LifespanSendEvent) => Promise<void>} send
 */
async function lifespan(scope, receive, send) {
  await receive(); // lifespan.startup
  /** @type {AppState} */
  const state = { startedAt: new Date().toISOString(), counters: { streamsCutOff: 0 } };
  Object.assign(scope.state, state);
  console.log('hand-written-app: startup complete');
  await send({ type: 'lifespan.startup.complete' });

  await receive(); // lifespan.shutdown
  console.log(
    `hand-written-app: shutdown complete (${state.counters.streamsCutOff} streams cut off)`,
  );
  await send({ type: 'lifespan.shutdown.complete' });
}
