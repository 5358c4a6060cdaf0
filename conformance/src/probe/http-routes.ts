/**
 * The probe's HTTP routes that behave correctly: they report what the server
 * gave them and answer in well-formed ways, so that the suite can judge the
 * server's side of each exchange.
 *
 * @module
 */

import { createHash } from 'node:crypto';
import {
  EARLY_HINTS,
  HEAD_BODY,
  HEADERS_OUT,
  HEADERS_OUT_BODY,
  STRING_BODY,
  streamChunk,
  TRAILER,
} from './constants.js';
import {
  andThen,
  type Exchange,
  intParam,
  outcome,
  readBody,
  rejected,
  respondJson,
  respondText,
  sleep,
} from './exchange.js';
import { registry } from './registry.js';
import { encode, type Json } from './wire.js';

/** A probe route. */
export type Route = (exchange: Exchange) => Promise<void>;

function latin1(bytes: Uint8Array, limit: number): string {
  let text = '';
  for (let i = 0; i < Math.min(bytes.length, limit); i++)
    text += String.fromCharCode(bytes[i] as number);
  return text;
}

function summary(events: readonly Json[], bytes: Uint8Array, end: string): Json {
  return {
    events: events as Json[],
    size: bytes.byteLength,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    head: latin1(bytes, 256),
    end,
  };
}

/** The scope, every body event and the body, as JSON. */
const echoScope: Route = async (exchange) => {
  const scope = encode(exchange.scope);
  const reading = await readBody(exchange.receive);
  const report = {
    scope,
    ...(summary(reading.events, reading.bytes, reading.end) as object),
  } as Json;
  registry.record(exchange.token, report);
  if (reading.end === 'complete') await respondJson(exchange, report);
};

/** Reports the body events; records each step so a cut-off body is still seen. */
const readBodyRoute: Route = async (exchange) => {
  const reading = await readBody(exchange.receive, (events) =>
    registry.record(exchange.token, { events: [...events], end: 'pending' }),
  );
  const report = summary(reading.events, reading.bytes, reading.end);
  registry.record(exchange.token, report);
  if (reading.end === 'complete') await respondJson(exchange, report);
};

/** Echoes the body bytes. */
const echoBody: Route = async (exchange) => {
  const reading = await readBody(exchange.receive);
  if (reading.end !== 'complete') return;
  await exchange.send({
    type: 'http.response.start',
    status: 200,
    headers: [
      ['content-type', 'application/octet-stream'],
      ['content-length', String(reading.bytes.byteLength)],
    ],
  });
  await exchange.send({ type: 'http.response.body', body: reading.bytes });
};

/** Answers without reading the body. */
const ignoreBody: Route = async (exchange) => {
  await respondText(exchange, 'ignored', intParam(exchange.query, 'status', 200));
};

/** Streams `chunks` pieces of `size` bytes, optionally with content-length, optionally gated after the first. */
const stream: Route = async (exchange) => {
  const chunks = intParam(exchange.query, 'chunks', 3);
  const size = intParam(exchange.query, 'size', 16);
  const gate = exchange.query.get('gate');
  const headers: [string, string][] = [['content-type', 'text/plain']];
  if (exchange.query.get('cl') === '1') headers.push(['content-length', String(chunks * size)]);
  await exchange.send({ type: 'http.response.start', status: 200, headers });
  for (let i = 0; i < chunks; i++) {
    const last = i === chunks - 1;
    await exchange.send({
      type: 'http.response.body',
      body: streamChunk(i, size),
      moreBody: !last,
    });
    if (i === 0 && gate !== null && !last) {
      registry.record(gate, { firstChunkSent: true });
      await registry.waitRelease(gate, 10_000);
    }
  }
};

/** One body event with `moreBody: false` and no content-length: its length is known. */
const fixed: Route = async (exchange) => {
  await exchange.send({
    type: 'http.response.start',
    status: 200,
    headers: [['content-type', 'text/plain']],
  });
  await exchange.send({ type: 'http.response.body', body: 'fixed-length-body' });
};

/** A GET/HEAD resource with a content-length; on HEAD it sends no body unless told to misbehave. */
const head: Route = async (exchange) => {
  const isHead = exchange.scope.method === 'HEAD';
  await exchange.send({
    type: 'http.response.start',
    status: 200,
    headers: [
      ['content-type', 'text/plain'],
      ['content-length', String(HEAD_BODY.length)],
    ],
  });
  const misbehave = exchange.query.get('misbehave') === '1';
  const result = await outcome(() =>
    exchange.send({ type: 'http.response.body', body: isHead && !misbehave ? '' : HEAD_BODY }),
  );
  await recordBodyless(exchange, result);
};

/**
 * Records how the server took body bytes where none may go (HEAD, 204, 304).
 * When it refused them, as it may, the exchange is failed: the probe tries to
 * end the response anyway and records how that send() went too (section 3.7).
 */
async function recordBodyless(exchange: Exchange, result: Json): Promise<void> {
  registry.record(
    exchange.token,
    rejected(result)
      ? await andThen(result, () => exchange.send({ type: 'http.response.body' }))
      : result,
  );
}

/** Answers with the status in `code` (204, 304, ...), an optional content-length, and no body unless told to misbehave. */
const status: Route = async (exchange) => {
  const code = intParam(exchange.query, 'code', 204);
  const headers: [string, string][] = [['x-probe-status', String(code)]];
  const length = exchange.query.get('cl');
  if (length !== null) headers.push(['content-length', length]);
  await exchange.send({ type: 'http.response.start', status: code, headers });
  const misbehave = exchange.query.get('misbehave') === '1';
  const result = await outcome(() =>
    exchange.send({ type: 'http.response.body', body: misbehave ? 'unexpected body' : '' }),
  );
  await recordBodyless(exchange, result);
};

/** Sends a fixed header list with duplicates, set-cookie pairs and odd values. */
const headersOut: Route = async (exchange) => {
  await exchange.send({
    type: 'http.response.start',
    status: 200,
    headers: HEADERS_OUT.map(([name, value]): [string, string] => [name, value]),
  });
  await exchange.send({ type: 'http.response.body', body: HEADERS_OUT_BODY });
};

/** Sends a string body with a lone surrogate, with or without content-length. */
const stringBody: Route = async (exchange) => {
  const headers: [string, string][] = [['content-type', 'text/plain; charset=utf-8']];
  if (exchange.query.get('cl') !== '0') headers.push(['content-length', '5']);
  await exchange.send({ type: 'http.response.start', status: 200, headers });
  registry.record(
    exchange.token,
    await outcome(() => exchange.send({ type: 'http.response.body', body: STRING_BODY })),
  );
};

/** Answers with `connection: close`. */
const connectionClose: Route = async (exchange) => {
  await exchange.send({
    type: 'http.response.start',
    status: 200,
    headers: [
      ['content-length', '3'],
      ['connection', 'close'],
    ],
  });
  await exchange.send({ type: 'http.response.body', body: 'bye' });
};

/** Waits `ms`, then answers with the `id` parameter. */
const delay: Route = async (exchange) => {
  await sleep(intParam(exchange.query, 'ms', 0));
  await respondText(exchange, `id=${exchange.query.get('id') ?? ''}`);
};

/** Holds the response until the suite releases the token. */
const hold: Route = async (exchange) => {
  const released =
    exchange.token === null ? false : await registry.waitRelease(exchange.token, 10_000);
  await respondJson(exchange, { released });
};

/** How many calls carried this token. */
const count: Route = async (exchange) => {
  await respondJson(exchange, {
    calls: exchange.token === null ? 0 : registry.calls(exchange.token),
  });
};

/** Answers with a copy of the lifespan state, then changes the scope's state. */
const state: Route = async (exchange) => {
  const scope = exchange.scope as { state?: Record<string, unknown> };
  const had = scope.state !== undefined;
  await respondJson(exchange, { hasState: had, state: encode(scope.state) });
  if (had && scope.state !== null && typeof scope.state === 'object') {
    scope.state.probeMutation = exchange.token ?? 'changed';
  }
};

/** Sends trailers when advertised; with `gate`, waits for the suite between body and trailers. */
const trailers: Route = async (exchange) => {
  if (exchange.scope.extensions?.['http.response.trailers'] === undefined) {
    await respondText(exchange, 'no-trailers');
    return;
  }
  await exchange.send({
    type: 'http.response.start',
    status: 200,
    headers: [
      ['content-type', 'text/plain'],
      ['trailer', TRAILER[0]],
    ],
    trailers: true,
  });
  await exchange.send({ type: 'http.response.body', body: 'trailer-body' });
  const gate = exchange.query.get('gate');
  if (gate !== null) {
    registry.record(gate, { bodyEnded: true });
    await registry.waitRelease(gate, 10_000);
  }
  await exchange.send({ type: 'http.response.trailers', headers: [[TRAILER[0], TRAILER[1]]] });
};

/** Sends two 103 responses, then the response, when advertised. */
const earlyHints: Route = async (exchange) => {
  if (exchange.scope.extensions?.['http.response.earlyHints'] === undefined) {
    await respondText(exchange, 'no-hints');
    return;
  }
  for (const link of EARLY_HINTS) {
    await exchange.send({ type: 'http.response.earlyHints', headers: [['link', link]] });
  }
  await respondText(exchange, 'hinted');
};

/** The routes of this module, by path. */
export const httpRoutes: Readonly<Record<string, Route>> = {
  '/echo-scope': echoScope,
  '/read-body': readBodyRoute,
  '/echo-body': echoBody,
  '/ignore-body': ignoreBody,
  '/stream': stream,
  '/fixed': fixed,
  '/head': head,
  '/status': status,
  '/headers-out': headersOut,
  '/string-body': stringBody,
  '/connection-close': connectionClose,
  '/delay': delay,
  '/hold': hold,
  '/count': count,
  '/state': state,
  '/trailers': trailers,
  '/early-hints': earlyHints,
};
