/**
 * The probe's routes for the server's side of the event contract: events it
 * must refuse, extension events and fields it did not advertise, file
 * responses, hints before a failure, and values it must not change after
 * handing them over.
 *
 * @module
 */

import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { HttpReceiveEvent, HttpSendEvent } from 'tsgi';
import { FILE_SIZE, fileByte, LOG_ENV } from './constants.js';
import { withTimeout } from './edge-routes.js';
import { andThen, intParam, outcome, rejected, respondJson, sleep } from './exchange.js';
import type { Route } from './http-routes.js';
import { registry } from './registry.js';
import { encode, type Json } from './wire.js';

/**
 * Keeps the scope and every body event the server gave, with copies, and
 * compares them once the exchange is over (SRV-4).
 */
const retain: Route = async (exchange) => {
  const scopeBefore = JSON.stringify(encode(exchange.scope));
  const kept: { event: HttpReceiveEvent; copy: string }[] = [];
  for (;;) {
    const event = await exchange.receive();
    kept.push({ event, copy: JSON.stringify(encode(event)) });
    if (event.type !== 'http.request' || event.moreBody !== true) break;
  }
  await exchange.send({
    type: 'http.response.start',
    status: 200,
    headers: [['content-length', '2']],
  });
  await exchange.send({ type: 'http.response.body', body: 'ok' });
  await withTimeout(exchange.receive(), 500);
  await sleep(100);
  const changed: string[] = [];
  if (JSON.stringify(encode(exchange.scope)) !== scopeBefore) changed.push('the scope');
  kept.forEach(({ event, copy }, index) => {
    if (JSON.stringify(encode(event)) !== copy) changed.push(`receive event ${index}`);
  });
  registry.record(exchange.token, { events: kept.length, changed });
};

let probeFile: string | null = null;

/** The probe's file for `http.response.file`, written once per process. */
function fileForProbe(): string {
  if (probeFile === null) {
    const bytes = new Uint8Array(FILE_SIZE);
    for (let i = 0; i < bytes.length; i++) bytes[i] = fileByte(i);
    // Next to the log when the suite started the server: the suite removes that folder.
    const log = process.env[LOG_ENV];
    let dir: string;
    if (log) {
      dir = dirname(log);
    } else {
      dir = mkdtempSync(join(tmpdir(), 'tsgi-probe-'));
      process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    }
    const path = join(dir, 'probe.bin');
    // Every process of the server writes it once: whole, so that none serves a part.
    const temporary = join(dir, `.probe-${process.pid}.bin`);
    writeFileSync(temporary, bytes);
    renameSync(temporary, path);
    probeFile = path;
  }
  return probeFile;
}

/** Sends the probe's file (or a missing one) with `http.response.file`, when advertised. */
const file: Route = async (exchange) => {
  if (exchange.scope.extensions?.['http.response.file'] === undefined) {
    await respondJson(exchange, { advertised: false });
    return;
  }
  const offset = intParam(exchange.query, 'offset', 0);
  const length =
    exchange.query.get('length') === null ? undefined : intParam(exchange.query, 'length', 0);
  const path =
    exchange.query.get('missing') === '1'
      ? join(tmpdir(), 'tsgi-probe-missing', 'none.bin')
      : fileForProbe();
  await exchange.send({
    type: 'http.response.start',
    status: 200,
    headers: [['content-type', 'application/octet-stream']],
  });
  if (exchange.query.get('prefix') === '1') {
    await exchange.send({ type: 'http.response.body', body: 'prefix', moreBody: true });
  }
  const event: HttpSendEvent =
    length === undefined
      ? { type: 'http.response.file', path, offset }
      : { type: 'http.response.file', path, offset, length };
  const sent = await outcome(() => exchange.send(event));
  // A file that fails fails the exchange (section 3.7): the next send() must be refused as well.
  registry.record(
    exchange.token,
    rejected(sent)
      ? await andThen(sent, () => exchange.send({ type: 'http.response.body' }))
      : sent,
  );
};

/**
 * Sends an event the server must reject, then a valid one, and records how
 * the server took both: after the refusal the exchange is failed, so the
 * valid event must be refused too (section 3.7). Then it returns, leaving the
 * server to answer 500 or abort; a server that let the exchange go on gets a
 * complete response, so that the suite sees that too.
 */
const badEvent: Route = async (exchange) => {
  const kind = exchange.query.get('kind') ?? 'unknown-type';
  const sendAny = exchange.send as (event: unknown) => Promise<void>;
  const start: HttpSendEvent = {
    type: 'http.response.start',
    status: 200,
    headers: [['content-type', 'application/json']],
  };
  // What comes after the bad event: the start, or the end of the body once started.
  let next: HttpSendEvent = start;
  let report: Json;
  switch (kind) {
    case 'unknown-type':
      report = await outcome(() => sendAny({ type: 'http.response.bogus', body: 'x' }));
      break;
    case 'body-before-start':
      report = await outcome(() => sendAny({ type: 'http.response.body', body: 'early' }));
      break;
    case 'status':
      report = await outcome(() =>
        sendAny({ type: 'http.response.start', status: 600, headers: [] }),
      );
      break;
    case 'header-name':
      report = await outcome(() =>
        sendAny({ type: 'http.response.start', status: 200, headers: [['bad name', 'x']] }),
      );
      break;
    case 'header-value':
      report = await outcome(() =>
        sendAny({
          type: 'http.response.start',
          status: 200,
          headers: [['x-probe-split', 'a\r\nx-probe-injected: 1']],
        }),
      );
      break;
    case 'header-non-latin1':
      report = await outcome(() =>
        sendAny({
          type: 'http.response.start',
          status: 200,
          headers: [['x-probe-wide', 'snow \u2603']],
        }),
      );
      break;
    case 'start-twice':
      await exchange.send(start);
      report = await outcome(() => sendAny(start));
      next = { type: 'http.response.body', body: JSON.stringify(report) };
      break;
    case 'after-complete': {
      // A complete response is not failed by a refusal: there is nothing left to send.
      await exchange.send({
        type: 'http.response.start',
        status: 200,
        headers: [['content-length', '2']],
      });
      await exchange.send({ type: 'http.response.body', body: 'ok' });
      report = await outcome(() => sendAny({ type: 'http.response.body', body: 'late' }));
      registry.record(exchange.token, report);
      return;
    }
    default:
      registry.record(exchange.token, { unknownKind: kind });
      await respondJson(exchange, { unknownKind: kind }, 400);
      return;
  }
  const both = await andThen(report, () => exchange.send(next));
  registry.record(exchange.token, both);
  if (next === start && !rejected(both.later ?? null)) {
    await exchange
      .send({ type: 'http.response.body', body: JSON.stringify(both) })
      .catch(() => undefined);
  }
};

/** The starts of {@link unadvertised}: plain, and with trailers announced. */
const PLAIN_START: HttpSendEvent = {
  type: 'http.response.start',
  status: 200,
  headers: [['content-type', 'application/json']],
};

/**
 * Tries one extension event or field (`event`) that the scope does not
 * advertise, then a valid event; both must be refused (EXT-2, then SRV-3 for
 * the failed exchange). One event per request, since the first refusal fails
 * the exchange. An advertised extension is not tried.
 */
const unadvertised: Route = async (exchange) => {
  const extensions = exchange.scope.extensions ?? {};
  const sendAny = exchange.send as (event: unknown) => Promise<void>;
  const event = exchange.query.get('event') ?? '';
  const needs: Record<string, string> = {
    earlyHints: 'http.response.earlyHints',
    'trailers-field': 'http.response.trailers',
    file: 'http.response.file',
    trailers: 'http.response.trailers',
  };
  const extension = needs[event];
  if (extension === undefined || extensions[extension] !== undefined) {
    const report = { event, tried: false, advertised: Object.keys(extensions) };
    registry.record(exchange.token, report);
    await respondJson(exchange, report);
    return;
  }
  let first: Json;
  let next: HttpSendEvent = PLAIN_START;
  if (event === 'earlyHints') {
    first = await outcome(() =>
      sendAny({ type: 'http.response.earlyHints', headers: [['link', '</x.css>; rel=preload']] }),
    );
  } else if (event === 'trailers-field') {
    first = await outcome(() => sendAny({ ...PLAIN_START, trailers: true }));
  } else {
    await exchange.send(PLAIN_START);
    next = { type: 'http.response.body', body: '{}' };
    first =
      event === 'file'
        ? await outcome(() => sendAny({ type: 'http.response.file', path: fileForProbe() }))
        : await outcome(() => sendAny({ type: 'http.response.trailers', headers: [] }));
  }
  const report: { [key: string]: Json } = {
    event,
    tried: true,
    ...(await andThen(first, () => exchange.send(next))),
  };
  registry.record(exchange.token, report);
  if (next === PLAIN_START && !rejected(report.later ?? null)) {
    await exchange.send({ type: 'http.response.body', body: '{}' }).catch(() => undefined);
  }
};

/** Sends early hints when advertised, then throws: hints are not a start, so the answer is a 500. */
const hintsThenFail: Route = async (exchange) => {
  if (exchange.scope.extensions?.['http.response.earlyHints'] !== undefined) {
    await exchange.send({
      type: 'http.response.earlyHints',
      headers: [['link', '</probe.css>; rel=preload; as=style']],
    });
  }
  throw new Error(`probe failure after early hints (probe token ${exchange.token ?? 'none'})`);
};

/** The routes of this module, by path. */
export const contractRoutes: Readonly<Record<string, Route>> = {
  '/retain': retain,
  '/file': file,
  '/bad-event': badEvent,
  '/unadvertised': unadvertised,
  '/hints-then-fail': hintsThenFail,
};
