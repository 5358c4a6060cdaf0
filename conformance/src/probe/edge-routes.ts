/**
 * The probe's HTTP routes for the server's reaction to failures, disconnects
 * and backpressure. Where a route misbehaves on purpose, it says so;
 * everything it learns goes to the registry.
 *
 * @module
 */

import type { HttpSendEvent } from 'tsgi';
import {
  andThen,
  describeError,
  type Exchange,
  intParam,
  outcome,
  readBody,
  respondJson,
  sleep,
} from './exchange.js';
import type { Route } from './http-routes.js';
import { registry } from './registry.js';
import { encode, type Json } from './wire.js';

/** An error whose message names the request, to find it in logs and bodies. */
function probeError(exchange: Exchange, what: string): Error {
  return new Error(`${what} (probe token ${exchange.token ?? 'none'})`);
}

/** Throws before `http.response.start`. */
const failBeforeStart: Route = async (exchange) => {
  throw probeError(exchange, 'probe failure before start');
};

/** Starts, sends part of the body, then throws. */
const failAfterStart: Route = async (exchange) => {
  const headers: [string, string][] = [['content-type', 'text/plain']];
  const length = exchange.query.get('cl');
  if (length !== null) headers.push(['content-length', length]);
  await exchange.send({ type: 'http.response.start', status: 200, headers });
  await exchange.send({ type: 'http.response.body', body: 'partial', moreBody: true });
  await sleep(20);
  throw probeError(exchange, 'probe failure after start');
};

/** Returns without starting a response. */
const returnEarly: Route = async () => {};

/** Starts, sends part of the body, then returns. */
const returnAfterStart: Route = async (exchange) => {
  const headers: [string, string][] = [['content-type', 'text/plain']];
  const length = exchange.query.get('cl');
  if (length !== null) headers.push(['content-length', length]);
  await exchange.send({ type: 'http.response.start', status: 200, headers });
  await exchange.send({ type: 'http.response.body', body: 'partial', moreBody: true });
  await sleep(20);
};

/** An empty last body event: what the probe tries after a refused body (section 3.7). */
const END_OF_BODY: HttpSendEvent = { type: 'http.response.body' };

/** Declares 10 bytes, ends after 5; records how send() reacted, and how the next send() did. */
const shortContentLength: Route = async (exchange) => {
  await exchange.send({
    type: 'http.response.start',
    status: 200,
    headers: [['content-length', '10']],
  });
  const sent = await outcome(() => exchange.send({ type: 'http.response.body', body: 'short' }));
  registry.record(exchange.token, await andThen(sent, () => exchange.send(END_OF_BODY)));
};

/** Declares 5 bytes, sends 3 and then 7 more; records how send() reacted, and how the next send() did. */
const longContentLength: Route = async (exchange) => {
  await exchange.send({
    type: 'http.response.start',
    status: 200,
    headers: [['content-length', '5']],
  });
  await exchange.send({ type: 'http.response.body', body: 'abc', moreBody: true });
  const sent = await outcome(() => exchange.send({ type: 'http.response.body', body: 'defghij' }));
  registry.record(exchange.token, await andThen(sent, () => exchange.send(END_OF_BODY)));
};

/** Logs nothing itself: throws an error whose message the suite looks for in the server's output. */
const logError: Route = async (exchange) => {
  throw probeError(exchange, 'probe error for the log');
};

/**
 * Reads the body, keeps one receive() pending until the client leaves, then
 * sees what later receive() and send() calls do. With `phase=streaming` it
 * starts the response first.
 */
const disconnectWatch: Route = async (exchange) => {
  const report: Record<string, Json> = { phase: exchange.query.get('phase') ?? 'before-start' };
  const save = (): void => registry.record(exchange.token, { ...report });
  const body = await readBody(exchange.receive);
  report.bodyEnd = body.end;
  if (report.phase === 'streaming') {
    await exchange.send({
      type: 'http.response.start',
      status: 200,
      headers: [['content-type', 'text/plain']],
    });
    await exchange.send({ type: 'http.response.body', body: 'streaming', moreBody: true });
  }
  report.waiting = true;
  save();
  const first = await withTimeout(exchange.receive(), 5000);
  report.pending = first === null ? 'timeout' : encode(first);
  const later = await withTimeout(exchange.receive(), 2000);
  report.later = later === null ? 'timeout' : encode(later);
  const event: HttpSendEvent =
    report.phase === 'streaming'
      ? { type: 'http.response.body', body: 'more', moreBody: true }
      : { type: 'http.response.start', status: 200, headers: [] };
  report.send = await outcome(() => exchange.send(event));
  report.waiting = false;
  save();
};

/** Streams until the client leaves; the suite reads how the send() that failed rejected. */
const streamUntilGone: Route = async (exchange) => {
  await exchange.send({
    type: 'http.response.start',
    status: 200,
    headers: [['content-type', 'text/plain']],
  });
  const started = Date.now();
  let sent = 0;
  while (Date.now() - started < 10_000) {
    try {
      await exchange.send({ type: 'http.response.body', body: 'tick\n', moreBody: true });
      sent += 1;
      registry.record(exchange.token, { sent, done: false });
    } catch (error) {
      registry.record(exchange.token, { sent, done: true, error: describeError(error) });
      return;
    }
    await sleep(20);
  }
  registry.record(exchange.token, { sent, done: true, error: 'the client never left' });
};

/** Completes the response, then sees what receive() gives. */
const afterComplete: Route = async (exchange) => {
  await readBody(exchange.receive);
  await exchange.send({
    type: 'http.response.start',
    status: 200,
    headers: [['content-length', '4']],
  });
  await exchange.send({ type: 'http.response.body', body: 'done' });
  const started = Date.now();
  const event = await withTimeout(exchange.receive(), 3000);
  registry.record(exchange.token, {
    event: event === null ? 'timeout' : encode(event),
    ms: Date.now() - started,
  });
};

/** Lets an error with the ClientDisconnectedError code escape once the client is gone. */
const throwDisconnected: Route = async (exchange) => {
  await readBody(exchange.receive);
  await exchange.send({
    type: 'http.response.start',
    status: 200,
    headers: [['content-type', 'text/plain']],
  });
  await exchange.send({ type: 'http.response.body', body: 'waiting', moreBody: true });
  registry.record(exchange.token, { waiting: true });
  await withTimeout(exchange.receive(), 10_000);
  const error = Object.assign(probeError(exchange, 'probe saw the client leave'), {
    name: 'ClientDisconnectedError',
    code: 'ERR_TSGI_CLIENT_DISCONNECTED',
  });
  registry.record(exchange.token, { waiting: false, thrown: true });
  throw error;
};

/** Sends 64 KiB pieces as fast as send() allows, recording progress as it goes. */
const slowReader: Route = async (exchange) => {
  const piece = new Uint8Array(64 * 1024).fill(0x61);
  const limit = intParam(exchange.query, 'mb', 256) * 1024 * 1024;
  await exchange.send({
    type: 'http.response.start',
    status: 200,
    headers: [['content-type', 'application/octet-stream']],
  });
  let accepted = 0;
  const report = (extra: Record<string, Json>): void =>
    registry.record(exchange.token, { accepted, at: Date.now(), ...extra });
  report({ pending: false, done: false });
  while (accepted < limit) {
    report({ pending: true, done: false });
    try {
      await exchange.send({
        type: 'http.response.body',
        body: piece,
        moreBody: accepted + piece.length < limit,
      });
    } catch (error) {
      report({ pending: false, done: true, error: describeError(error) });
      return;
    }
    accepted += piece.length;
  }
  report({ pending: false, done: true });
};

/** Reads nothing until the suite releases the token, then reads everything. */
const noRead: Route = async (exchange) => {
  const released =
    exchange.token === null ? false : await registry.waitRelease(exchange.token, 20_000);
  const body = await readBody(exchange.receive);
  if (body.end === 'complete')
    await respondJson(exchange, { released, size: body.bytes.byteLength });
};

/** Resolves with the promise's value, or `null` after `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | null> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), ms))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** The routes of this module, by path. */
export const edgeRoutes: Readonly<Record<string, Route>> = {
  '/fail-before-start': failBeforeStart,
  '/fail-after-start': failAfterStart,
  '/return-early': returnEarly,
  '/return-after-start': returnAfterStart,
  '/short-content-length': shortContentLength,
  '/long-content-length': longContentLength,
  '/log-error': logError,
  '/disconnect-watch': disconnectWatch,
  '/stream-until-gone': streamUntilGone,
  '/after-complete': afterComplete,
  '/throw-disconnected': throwDisconnected,
  '/slow-reader': slowReader,
  '/no-read': noRead,
};
