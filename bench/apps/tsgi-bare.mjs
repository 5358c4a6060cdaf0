/**
 * The bare TSGI application of the benchmark: no framework, events written by
 * hand, routing by the hand-written matcher of `lib/match.mjs`. The
 * `tsgi` contender serves it with `serve()`; it runs as well under the CLI:
 * `tsgi serve bench/apps/tsgi-bare.mjs:app --no-access-log`.
 */
import { compileMatcher } from '../lib/match.mjs';
import {
  JSON_MESSAGE,
  PLAINTEXT,
  ROUTES,
  routeResponder,
  STREAM_CHUNK,
  STREAM_CHUNKS,
} from '../lib/workload.mjs';

const match = compileMatcher(ROUTES, routeResponder);
const decoder = new TextDecoder();

function respond(send, contentType, body) {
  return send({
    type: 'http.response.start',
    status: 200,
    headers: [['content-type', contentType]],
  }).then(() => send({ type: 'http.response.body', body }));
}

async function sendStream(send) {
  await send({
    type: 'http.response.start',
    status: 200,
    headers: [['content-type', 'application/octet-stream']],
  });
  for (let i = 1; i <= STREAM_CHUNKS; i++) {
    await send({ type: 'http.response.body', body: STREAM_CHUNK, moreBody: i < STREAM_CHUNKS });
  }
}

async function echo(receive, send) {
  const chunks = [];
  let size = 0;
  for (;;) {
    const event = await receive();
    if (event.type === 'http.disconnect') return;
    chunks.push(event.body);
    size += event.body.byteLength;
    if (!event.moreBody) break;
  }
  let bytes = chunks[0] ?? new Uint8Array(0);
  if (chunks.length > 1) {
    bytes = new Uint8Array(size);
    let at = 0;
    for (const chunk of chunks) {
      bytes.set(chunk, at);
      at += chunk.byteLength;
    }
  }
  const value = JSON.parse(decoder.decode(bytes));
  await respond(send, 'application/json', JSON.stringify(value));
}

/**
 * The application.
 *
 * @param {import('tsgi').Scope} scope
 * @param {import('tsgi').Receive} receive
 * @param {import('tsgi').Send} send
 */
export async function app(scope, receive, send) {
  if (scope.type !== 'http') return;
  const path = scope.path;
  if (scope.method === 'GET') {
    if (path === '/plaintext') return respond(send, 'text/plain; charset=utf-8', PLAINTEXT);
    if (path === '/json') {
      return respond(send, 'application/json', JSON.stringify({ message: JSON_MESSAGE }));
    }
    if (path === '/stream') return sendStream(send);
    const hit = match(path);
    if (hit !== null) return respond(send, 'text/plain; charset=utf-8', hit.value(hit.params));
  } else if (scope.method === 'POST' && path === '/echo') {
    return echo(receive, send);
  }
  await send({ type: 'http.response.start', status: 404 });
  await send({ type: 'http.response.body' });
}
