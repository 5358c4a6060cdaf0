/**
 * The probe's routes for the server's side of the event contract: events it
 * must refuse, extension events and fields it did not advertise, file
 * responses, hints before a failure, and values it must not change after
 * handing them over.
 *
 * @module
 */

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { HttpReceiveEvent, HttpSendEvent } from 'tsgi';
import { FILE_SIZE, fileByte, LOG_ENV } from './constants.js';
import { withTimeout } from './edge-routes.js';
import { intParam, outcome, respondJson, sleep } from './exchange.js';
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
    probeFile = join(dir, 'probe.bin');
    writeFileSync(probeFile, bytes);
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
  registry.record(exchange.token, await outcome(() => exchange.send(event)));
};

/**
 * Sends an event the server must reject, records how it did, then answers
 * properly (when the state still allows it) with the report as the body.
 */
const badEvent: Route = async (exchange) => {
  const kind = exchange.query.get('kind') ?? 'unknown-type';
  const sendAny = exchange.send as (event: unknown) => Promise<void>;
  const start: HttpSendEvent = {
    type: 'http.response.start',
    status: 200,
    headers: [['content-type', 'application/json']],
  };
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
    case 'start-twice': {
      await exchange.send(start);
      report = await outcome(() => sendAny(start));
      registry.record(exchange.token, report);
      await exchange.send({ type: 'http.response.body', body: JSON.stringify(report) });
      return;
    }
    case 'after-complete': {
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
      report = { unknownKind: kind };
  }
  registry.record(exchange.token, report);
  await exchange.send(start);
  await exchange.send({ type: 'http.response.body', body: JSON.stringify(report) });
};

/** Tries each extension event the scope does not advertise; every one must be rejected (EXT-2). */
const unadvertised: Route = async (exchange) => {
  const extensions = exchange.scope.extensions ?? {};
  const sendAny = exchange.send as (event: unknown) => Promise<void>;
  const report: Record<string, Json> = { advertised: Object.keys(extensions) };
  // Record after each try: a server may fail the whole exchange at the first refusal.
  const save = (): void => registry.record(exchange.token, { ...report });
  save();
  if (extensions['http.response.earlyHints'] === undefined) {
    report['http.response.earlyHints'] = await outcome(() =>
      sendAny({ type: 'http.response.earlyHints', headers: [['link', '</x.css>; rel=preload']] }),
    );
    save();
  }
  const start: HttpSendEvent = {
    type: 'http.response.start',
    status: 200,
    headers: [['content-type', 'application/json']],
  };
  let started = false;
  if (extensions['http.response.trailers'] === undefined) {
    const field = await outcome(() => sendAny({ ...start, trailers: true }));
    report['trailers field'] = field;
    started = (field as { rejected?: boolean }).rejected === false;
    save();
  }
  if (!started)
    started =
      ((await outcome(() => exchange.send(start))) as { rejected?: boolean }).rejected === false;
  if (extensions['http.response.file'] === undefined) {
    report['http.response.file'] = await outcome(() =>
      sendAny({ type: 'http.response.file', path: fileForProbe() }),
    );
    save();
  }
  if (extensions['http.response.trailers'] === undefined) {
    report['http.response.trailers'] = await outcome(() =>
      sendAny({ type: 'http.response.trailers', headers: [] }),
    );
    save();
  }
  report.done = true;
  save();
  if (started)
    await exchange
      .send({ type: 'http.response.body', body: JSON.stringify(report) })
      .catch(() => undefined);
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
