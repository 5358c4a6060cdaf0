import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClientDisconnectedError, type HttpSendEvent } from 'tsgi';
import { formatEvent, KEEP_ALIVE_COMMENT, type ServerSentEvent, sse } from '../src/sse.js';
import { UsageErrorCode } from '../src/usage-error.js';
import { collectingSend, httpScope } from './message-fixtures.js';

describe('formatEvent', () => {
  it('writes one data line per line of the payload, whatever the line break', () => {
    assert.equal(
      formatEvent({ data: 'one\ntwo\r\nthree\rfour' }),
      'data: one\ndata: two\ndata: three\ndata: four\n\n',
    );
    assert.equal(formatEvent('plain'), 'data: plain\n\n');
    assert.equal(formatEvent({ data: '' }), 'data: \n\n');
    assert.equal(formatEvent({ data: 'trailing\n' }), 'data: trailing\ndata: \n\n');
  });

  it('writes comment, event, id and retry before the data, and JSON for non-string data', () => {
    assert.equal(
      formatEvent({ comment: 'note', event: 'price', id: '42', retry: 3000, data: { eur: 1.5 } }),
      ': note\nevent: price\nid: 42\nretry: 3000\ndata: {"eur":1.5}\n\n',
    );
    assert.equal(formatEvent({ id: '7' }), 'id: 7\n\n');
    assert.equal(formatEvent({}), '');
  });

  it('refuses fields that would break the framing', () => {
    const bad: ServerSentEvent[] = [
      { event: 'a\nb' },
      { id: 'a\rb' },
      { id: 'a\0b' },
      { retry: -1 },
      { retry: 1.5 },
      { data: () => 1 },
    ];
    for (const event of bad) {
      assert.throws(() => formatEvent(event), { code: UsageErrorCode.INVALID_ARGUMENT });
    }
  });
});

describe('sse()', () => {
  it('streams text/event-stream, uncached, one body event per event', async () => {
    async function* events() {
      yield { event: 'greeting', data: 'hi' };
      yield 'two\nlines';
      yield {};
    }
    const { send, events: sent } = collectingSend();
    await sse(events(), { keepAlive: 0 }).send(httpScope(), send);
    assert.deepEqual(sent, [
      {
        type: 'http.response.start',
        status: 200,
        headers: [
          ['content-type', 'text/event-stream'],
          ['cache-control', 'no-cache'],
          ['x-accel-buffering', 'no'],
        ],
      },
      { type: 'http.response.body', body: 'event: greeting\ndata: hi\n\n', moreBody: true },
      { type: 'http.response.body', body: 'data: two\ndata: lines\n\n', moreBody: true },
      { type: 'http.response.body', body: new Uint8Array(0), moreBody: false },
    ]);
  });

  it('keeps headers given by the app', async () => {
    async function* none() {}
    const response = sse(none(), { headers: { 'Cache-Control': 'no-store' }, status: 201 });
    assert.equal(response.status, 201);
    assert.deepEqual(response.headers, [
      ['cache-control', 'no-store'],
      ['content-type', 'text/event-stream'],
      ['x-accel-buffering', 'no'],
    ]);
  });

  it('sends keep-alive comments while the source is idle', async () => {
    // The source stays idle until two keep-alives went out, so the test waits
    // on what was sent rather than on how long the machine takes.
    let twoKeepAlives: () => void = () => {};
    const seen = new Promise<void>((resolve) => {
      twoKeepAlives = resolve;
    });
    async function* slow() {
      await seen;
      yield 'late';
    }
    const events: HttpSendEvent[] = [];
    const send = async (event: HttpSendEvent) => {
      events.push(event);
      const comments = events.filter(
        (e) => (e as { body?: unknown }).body === KEEP_ALIVE_COMMENT,
      ).length;
      if (comments >= 2) twoKeepAlives();
    };
    await sse(slow(), { keepAlive: 10 }).send(httpScope(), send);
    const bodies = events.slice(1).map((event) => (event as { body: unknown }).body);
    const last = bodies.pop();
    assert.deepEqual(last, new Uint8Array(0));
    assert.equal(bodies.at(-1), 'data: late\n\n');
    const comments = bodies.slice(0, -1);
    assert.ok(comments.length >= 2, `expected keep-alives, got ${comments.length}`);
    assert.ok(comments.every((body) => body === KEEP_ALIVE_COMMENT));
  });

  it('notices a gone client on a keep-alive and closes the source', async () => {
    let closed = false;
    const source: AsyncIterable<string> = {
      [Symbol.asyncIterator]: () => ({
        next: () => new Promise<IteratorResult<string>>(() => {}),
        return: async () => {
          closed = true;
          return { done: true, value: undefined };
        },
      }),
    };
    let sends = 0;
    const send = async (event: HttpSendEvent) => {
      sends++;
      if (event.type === 'http.response.body') throw new ClientDisconnectedError();
    };
    await assert.rejects(
      sse(source, { keepAlive: 10 }).send(httpScope(), send),
      ClientDisconnectedError,
    );
    assert.equal(sends, 2);
    assert.equal(closed, true);
  });

  it('refuses a bad keepAlive', () => {
    async function* none() {}
    for (const keepAlive of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(() => sse(none(), { keepAlive }), { code: UsageErrorCode.INVALID_ARGUMENT });
    }
  });
});
