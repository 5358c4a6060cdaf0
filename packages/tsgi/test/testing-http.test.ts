import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  ClientDisconnectedError,
  ErrorCode,
  isClientDisconnected,
  ProtocolError,
} from '../src/errors.js';
import { HarnessErrorCode, HarnessTimeoutError } from '../src/testing/errors.js';
import { request } from '../src/testing/request.js';
import type {
  Application,
  HttpReceiveEvent,
  HttpScope,
  ReceiveEvent,
  SendEvent,
} from '../src/types.js';

const decoder = new TextDecoder();

/** Asserts a ProtocolError citing `requirement`. */
function isProtocolError(requirement: string) {
  return (error: unknown) =>
    error instanceof ProtocolError &&
    error.requirement === requirement &&
    error.message.startsWith(`[${requirement}]`);
}

/** Reads the whole request body; throws ClientDisconnectedError on a disconnect. */
async function readBody(receive: () => Promise<ReceiveEvent>): Promise<string> {
  let text = '';
  for (;;) {
    const event = await receive();
    if (event.type === 'http.disconnect') throw new ClientDisconnectedError();
    if (event.type !== 'http.request') throw new Error(`unexpected ${event.type}`);
    text += decoder.decode(event.body, { stream: true });
    if (!event.moreBody) return text;
  }
}

/** An app that answers with `events` after reading the body. */
function answer(...events: SendEvent[]): Application {
  return async (_scope, receive, send) => {
    await readBody(receive);
    for (const event of events) await send(event);
  };
}

const ok: Application = answer(
  {
    type: 'http.response.start',
    status: 200,
    headers: [
      ['content-type', 'application/json'],
      ['set-cookie', 'a=1'],
      ['set-cookie', 'b=2'],
    ],
  },
  { type: 'http.response.body', body: '{"ok":', moreBody: true },
  { type: 'http.response.body', body: new TextEncoder().encode('true}') },
);

describe('request(): complete responses', () => {
  it('[HTTP-RESP-1] [HTTP-RESP-12] gives status, headers in order, body, text() and json()', async () => {
    const response = await request(ok);
    assert.equal(response.status, 200);
    assert.equal(response.outcome, 'complete');
    assert.equal(response.requirement, null);
    assert.equal(response.error, null);
    assert.deepEqual(response.headers, [
      ['content-type', 'application/json'],
      ['set-cookie', 'a=1'],
      ['set-cookie', 'b=2'],
    ]);
    assert.equal(response.header('Content-Type'), 'application/json');
    assert.equal(response.header('x-missing'), undefined);
    assert.deepEqual(response.headerValues('set-cookie'), ['a=1', 'b=2']);
    assert.equal(response.text(), '{"ok":true}');
    assert.deepEqual(response.json(), { ok: true });
    assert.ok(response.body instanceof Uint8Array);
    assert.equal(response.trailers, null);
    assert.deepEqual(response.earlyHints, []);
    assert.deepEqual(
      response.events.map((event) => event.type),
      ['http.response.start', 'http.response.body', 'http.response.body'],
    );
  });

  it('[HTTP-RESP-15] encodes string bodies as UTF-8, lone surrogates as U+FFFD', async () => {
    const response = await request(
      answer(
        { type: 'http.response.start', status: 200, headers: [['content-length', '8']] },
        { type: 'http.response.body', body: 'é\uD800€' },
      ),
    );
    assert.deepEqual([...response.body], [0xc3, 0xa9, 0xef, 0xbf, 0xbd, 0xe2, 0x82, 0xac]);
  });

  it('[HTTP-REQ-2] a request without a body gives one empty http.request with moreBody false', async () => {
    const seen: HttpReceiveEvent[] = [];
    await request(async (_scope, receive, send) => {
      seen.push((await receive()) as HttpReceiveEvent);
      await send({ type: 'http.response.start', status: 204 });
      await send({ type: 'http.response.body' });
    });
    assert.equal(seen.length, 1);
    assert.deepEqual(seen[0], { type: 'http.request', body: new Uint8Array(0), moreBody: false });
  });

  it('[HTTP-REQ-1] [HTTP-REQ-3] a streamed body arrives piece by piece, the last with moreBody false', async () => {
    for (const body of [
      ['hello', new TextEncoder().encode(' world')],
      (async function* () {
        yield 'hello';
        yield '';
        yield ' world';
      })(),
    ]) {
      const seen: [string, boolean][] = [];
      const response = await request(
        async (_scope, receive, send) => {
          for (;;) {
            const event = await receive();
            assert.equal(event.type, 'http.request');
            if (event.type !== 'http.request') return;
            seen.push([decoder.decode(event.body), event.moreBody]);
            if (!event.moreBody) break;
          }
          await send({ type: 'http.response.start', status: 200 });
          await send({ type: 'http.response.body', body: seen.map(([text]) => text).join('') });
        },
        { method: 'POST', body },
      );
      assert.deepEqual(seen, [
        ['hello', true],
        [' world', true],
        ['', false],
      ]);
      assert.equal(response.text(), 'hello world');
    }
  });

  it('[HTTP-REQ-1] a whole body arrives as one event, as given', async () => {
    let received = '';
    await request(
      async (_scope, receive, send) => {
        received = await readBody(receive);
        await send({ type: 'http.response.start', status: 204 });
        await send({ type: 'http.response.body' });
      },
      { method: 'PUT', body: 'naïve' },
    );
    assert.equal(received, 'naïve');
  });

  it('[SRV-4] gives the app its own copy of body bytes', async () => {
    const bytes = new Uint8Array([1, 2, 3]);
    let seen: Uint8Array | undefined;
    await request(
      async (_scope, receive, send) => {
        const event = await receive();
        if (event.type === 'http.request') seen = event.body;
        await send({ type: 'http.response.start', status: 204 });
        await send({ type: 'http.response.body' });
      },
      { method: 'POST', body: bytes },
    );
    bytes[0] = 9;
    assert.deepEqual([...(seen ?? [])], [1, 2, 3]);
  });

  it('[HTTP-RESP-10] [HTTP-RESP-8] HEAD keeps content-length and transmits no body', async () => {
    const response = await request(
      answer(
        {
          type: 'http.response.start',
          status: 200,
          headers: [['content-length', '5120']],
        },
        { type: 'http.response.body' },
      ),
      { method: 'HEAD' },
    );
    assert.equal(response.outcome, 'complete');
    assert.equal(response.header('content-length'), '5120');
    assert.equal(response.body.byteLength, 0);
  });

  it('[HTTP-RESP-8] rejects body bytes on HEAD, 204 and 304', async () => {
    await assert.rejects(request(ok, { method: 'HEAD' }), isProtocolError('HTTP-RESP-8'));
    for (const status of [204, 304]) {
      const app = answer(
        { type: 'http.response.start', status },
        { type: 'http.response.body', body: 'x' },
      );
      await assert.rejects(request(app), isProtocolError('HTTP-RESP-8'));
    }
  });

  it('[HTTP-DISC-3] receive() gives http.disconnect once the response is complete', async () => {
    let after: ReceiveEvent | undefined;
    await request(async (_scope, receive, send) => {
      await receive();
      await send({ type: 'http.response.start', status: 204 });
      await send({ type: 'http.response.body' });
      after = await receive();
    });
    assert.deepEqual(after, { type: 'http.disconnect' });
  });

  it('[HTTP-DISC-3] a receive() waiting after the body resolves once the response completes', async () => {
    const order: string[] = [];
    await request(async (_scope, receive, send) => {
      await receive();
      const waiting = receive().then((event) => order.push(`receive ${event.type}`));
      await send({ type: 'http.response.start', status: 200 });
      order.push('started');
      await send({ type: 'http.response.body', body: 'x' });
      await waiting;
    });
    assert.deepEqual(order, ['started', 'receive http.disconnect']);
  });
});

describe('request(): extensions', () => {
  it('[EXT-HINTS-1] [EXT-HINTS-2] records each early hints response before the start', async () => {
    const response = await request(
      answer(
        { type: 'http.response.earlyHints', headers: [['link', '</a.css>; rel=preload']] },
        { type: 'http.response.earlyHints', headers: [['link', '</b.js>; rel=preload']] },
        { type: 'http.response.start', status: 200 },
        { type: 'http.response.body', body: 'page' },
      ),
    );
    assert.deepEqual(response.earlyHints, [
      [['link', '</a.css>; rel=preload']],
      [['link', '</b.js>; rel=preload']],
    ]);
    assert.equal(response.text(), 'page');
  });

  it('[EXT-1] [EXT-2] rejects an extension event that was not advertised', async () => {
    const app = answer(
      { type: 'http.response.earlyHints', headers: [['link', '</a.css>']] },
      { type: 'http.response.start', status: 200 },
      { type: 'http.response.body' },
    );
    await assert.rejects(request(app, { extensions: {} }), isProtocolError('EXT-1'));
    await assert.rejects(
      request(app, { extensions: {}, validate: false }),
      isProtocolError('EXT-1'),
    );
  });

  it('[EXT-TRAILERS-2] [EXT-TRAILERS-3] records the trailers of a response that promised them', async () => {
    const response = await request(
      answer(
        {
          type: 'http.response.start',
          status: 200,
          headers: [['trailer', 'grpc-status']],
          trailers: true,
        },
        { type: 'http.response.body', body: 'msg' },
        { type: 'http.response.trailers', headers: [['grpc-status', '0']] },
      ),
      { headers: { TE: 'trailers' } },
    );
    assert.equal(response.outcome, 'complete');
    assert.deepEqual(response.trailers, [['grpc-status', '0']]);
  });

  it('[EXT-TRAILERS-2] a response that ends without its promised trailers is aborted', async () => {
    const app = answer(
      { type: 'http.response.start', status: 200, trailers: true },
      { type: 'http.response.body', body: 'msg' },
    );
    const response = await request(app, { headers: { TE: 'trailers' }, strict: false });
    assert.equal(response.outcome, 'aborted');
    assert.equal(response.requirement, 'HTTP-FAIL-3');
    assert.equal(response.trailers, null);
  });

  describe('file responses', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsgi-harness-'));
    const file = join(dir, 'data.txt');
    writeFileSync(file, '0123456789');
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('[EXT-FILE-1] [EXT-FILE-2] sends the range of the file as the rest of the body', async () => {
      const response = await request(
        answer(
          { type: 'http.response.start', status: 206, headers: [['content-length', '6']] },
          { type: 'http.response.body', body: 'ab', moreBody: true },
          { type: 'http.response.file', path: file, offset: 3, length: 4 },
        ),
      );
      assert.equal(response.text(), 'ab3456');
      const whole = await request(
        answer(
          { type: 'http.response.start', status: 200 },
          { type: 'http.response.file', path: file },
        ),
      );
      assert.equal(whole.text(), '0123456789');
    });

    it('[EXT-FILE-2] rejects the send when the file cannot be read, and aborts', async () => {
      let rejection: unknown;
      const app: Application = async (_scope, receive, send) => {
        await receive();
        await send({ type: 'http.response.start', status: 200 });
        try {
          await send({ type: 'http.response.file', path: join(dir, 'missing.txt') });
        } catch (error) {
          rejection = error;
          throw error;
        }
      };
      const response = await request(app, { strict: false });
      assert.equal((rejection as { code?: string }).code, 'ENOENT');
      assert.equal(response.outcome, 'aborted');
      await assert.rejects(
        request(app),
        (error: unknown) => error === rejection || (error as { code?: string }).code === 'ENOENT',
      );
    });

    it('[EXT-FILE-2] [HTTP-RESP-7] rejects a range the file cannot fill, or one that misses content-length', async () => {
      const short = answer(
        { type: 'http.response.start', status: 200 },
        { type: 'http.response.file', path: file, offset: 8, length: 5 },
      );
      await assert.rejects(request(short), isProtocolError('EXT-FILE-2'));
      const mismatch = answer(
        { type: 'http.response.start', status: 200, headers: [['content-length', '3']] },
        { type: 'http.response.file', path: file },
      );
      await assert.rejects(request(mismatch), isProtocolError('HTTP-RESP-7'));
    });
  });

  it('[HTTP-REQ-5] sends 100 Continue only when the app reads before it starts', async () => {
    const reads = answer(
      { type: 'http.response.start', status: 200 },
      { type: 'http.response.body' },
    );
    const refuses: Application = async (_scope, _receive, send) => {
      await send({ type: 'http.response.start', status: 417 });
      await send({ type: 'http.response.body' });
    };
    const options = { method: 'POST', body: 'data', headers: { expect: '100-continue' } };
    assert.equal((await request(reads, options)).continued, true);
    assert.equal((await request(refuses, options)).continued, false);
    assert.equal((await request(reads, { method: 'POST', body: 'data' })).continued, false);
  });
});

describe('request(): failures [HTTP-FAIL-1] [HTTP-FAIL-2] [HTTP-FAIL-3]', () => {
  const boom = new Error('secret database password in /srv/app.js');

  it('[HTTP-FAIL-1] an app that throws before the start: strict rejects with its error', async () => {
    const app: Application = async () => {
      throw boom;
    };
    await assert.rejects(request(app), (error: unknown) => error === boom);
  });

  it('[HTTP-FAIL-1] ... and otherwise gets a 500 that reveals nothing of the error', async () => {
    const app: Application = async (_scope, _receive, send) => {
      await send({ type: 'http.response.earlyHints', headers: [['link', '</x>']] });
      throw boom;
    };
    const response = await request(app, { strict: false });
    assert.equal(response.outcome, 'internal-error');
    assert.equal(response.requirement, 'HTTP-FAIL-1');
    assert.equal(response.status, 500);
    assert.equal(response.error, boom);
    assert.ok(!response.text().includes('secret'));
    assert.ok(!response.text().includes('app.js'));
    assert.equal(response.header('content-length'), String(response.body.byteLength));
    assert.equal(response.earlyHints.length, 1, 'the hints went out before the failure');
  });

  it('[HTTP-FAIL-2] an app that throws after the start gets the response aborted', async () => {
    const app: Application = async (_scope, _receive, send) => {
      await send({ type: 'http.response.start', status: 200 });
      await send({ type: 'http.response.body', body: 'partial', moreBody: true });
      throw boom;
    };
    await assert.rejects(request(app), (error: unknown) => error === boom);
    const response = await request(app, { strict: false });
    assert.equal(response.outcome, 'aborted');
    assert.equal(response.requirement, 'HTTP-FAIL-2');
    assert.equal(response.status, 200);
    assert.equal(response.text(), 'partial');
  });

  it('[HTTP-FAIL-3] [HTTP-FAIL-5] an app that returns without starting gets a 500', async () => {
    const app: Application = async () => {};
    await assert.rejects(request(app), isProtocolError('HTTP-FAIL-5'));
    const response = await request(app, { strict: false });
    assert.equal(response.outcome, 'internal-error');
    assert.equal(response.requirement, 'HTTP-FAIL-3');
    assert.equal(response.status, 500);
    assert.ok(response.violation instanceof ProtocolError);
  });

  it('[HTTP-FAIL-3] [HTTP-FAIL-5] an app that returns before the body ended gets the response aborted', async () => {
    const app: Application = async (_scope, _receive, send) => {
      await send({ type: 'http.response.start', status: 200 });
      await send({ type: 'http.response.body', body: 'x', moreBody: true });
    };
    await assert.rejects(request(app), isProtocolError('HTTP-FAIL-5'));
    const response = await request(app, { strict: false });
    assert.equal(response.outcome, 'aborted');
    assert.equal(response.requirement, 'HTTP-FAIL-3');
  });

  for (const validate of [true, false]) {
    it(`[SRV-3] [HTTP-RESP-2] a malformed event rejects send() with the rule's ID (validate: ${validate})`, async () => {
      let rejection: unknown;
      const app: Application = async (_scope, _receive, send) => {
        try {
          await send({ type: 'http.response.start', status: 600 });
        } catch (error) {
          rejection = error;
        }
        // Swallowed, the violation still fails the exchange.
        await send({ type: 'http.response.start', status: 200 }).catch(() => {});
      };
      await assert.rejects(request(app, { validate }), isProtocolError('HTTP-RESP-2'));
      assert.ok(isProtocolError('HTTP-RESP-2')(rejection));
      const response = await request(app, { validate, strict: false });
      assert.equal(response.outcome, 'internal-error');
      assert.ok(isProtocolError('HTTP-RESP-2')(response.violation));
      assert.deepEqual(
        response.events.map((event) => (event as { status?: number }).status),
        [600, 200],
        'events holds every event sent, the rejected ones too',
      );
    });
  }

  it('[SRV-3] rejects an event of unknown type', async () => {
    const app = answer({ type: 'http.response.begin' } as unknown as SendEvent);
    await assert.rejects(request(app, { validate: false }), isProtocolError('SRV-3'));
  });

  it('[HTTP-RESP-3] rejects an uppercase or unsafe response header', async () => {
    for (const headers of [[['Content-Type', 'x']], [['x-a', 'a\r\nb']]] as [string, string][][]) {
      const app = answer({ type: 'http.response.start', status: 200, headers });
      await assert.rejects(request(app, { validate: false }), isProtocolError('HTTP-RESP-3'));
    }
  });

  it('[HTTP-RESP-4] [HTTP-RESP-6] rejects a second start and any event after the response', async () => {
    const twice = answer(
      { type: 'http.response.start', status: 200 },
      { type: 'http.response.start', status: 200 },
    );
    await assert.rejects(request(twice, { validate: false }), isProtocolError('HTTP-RESP-4'));
    const extra = answer(
      { type: 'http.response.start', status: 200 },
      { type: 'http.response.body' },
      { type: 'http.response.body' },
    );
    await assert.rejects(request(extra, { validate: false }), isProtocolError('HTTP-RESP-6'));
  });

  it('[HTTP-RESP-7] [HTTP-RESP-11] a body longer or shorter than content-length: send() rejects, response aborted', async () => {
    const long = answer(
      { type: 'http.response.start', status: 200, headers: [['content-length', '3']] },
      { type: 'http.response.body', body: 'abcd' },
    );
    const short = answer(
      { type: 'http.response.start', status: 200, headers: [['content-length', '3']] },
      { type: 'http.response.body', body: 'ab' },
    );
    for (const app of [long, short]) {
      for (const validate of [true, false]) {
        await assert.rejects(request(app, { validate }), isProtocolError('HTTP-RESP-7'));
        const response = await request(app, { validate, strict: false });
        assert.equal(response.outcome, 'aborted');
        assert.equal(response.requirement, 'HTTP-FAIL-2');
        assert.ok(isProtocolError('HTTP-RESP-7')(response.violation));
        assert.equal(response.body.byteLength, 0, 'nothing of the offending event went out');
      }
    }
  });

  it('[APP-6] fails an application that changes bytes it passed to send()', async () => {
    const app: Application = async (_scope, receive, send) => {
      await receive();
      const buffer = new TextEncoder().encode('first');
      await send({ type: 'http.response.start', status: 200 });
      await send({ type: 'http.response.body', body: buffer, moreBody: true });
      buffer.set(new TextEncoder().encode('reuse')); // the server may still hold it
      await send({ type: 'http.response.body', body: buffer });
    };
    await assert.rejects(request(app), isProtocolError('APP-6'));
    const response = await request(app, { strict: false });
    assert.equal(response.text(), 'firstreuse', 'the client got the bytes as they were sent');
    assert.equal(response.outcome, 'complete');
    const reusesCopies: Application = async (_scope, receive, send) => {
      await receive();
      const buffer = new TextEncoder().encode('first');
      await send({ type: 'http.response.start', status: 200 });
      await send({ type: 'http.response.body', body: buffer.slice(), moreBody: true });
      buffer.set(new TextEncoder().encode('again'));
      await send({ type: 'http.response.body', body: buffer });
    };
    assert.equal((await request(reusesCopies)).text(), 'firstagain');
  });

  it('[APP-1] rejects an application that does not return a promise', async () => {
    const app = ((_scope: HttpScope) => undefined) as unknown as Application;
    await assert.rejects(request(app, { validate: false }), isProtocolError('APP-1'));
  });

  it('[APP-4] rejects overlapping sends even without the validator', async () => {
    const app: Application = async (_scope, _receive, send) => {
      const first = send({ type: 'http.response.start', status: 200 });
      const second = send({ type: 'http.response.body' });
      await Promise.allSettled([first, second]);
      await send({ type: 'http.response.body' });
    };
    await assert.rejects(request(app, { validate: false }), isProtocolError('APP-4'));
  });

  it('[APP-5] rejects send() and receive() after the application settled', async () => {
    let late:
      | { send: (event: SendEvent) => Promise<void>; receive: () => Promise<ReceiveEvent> }
      | undefined;
    const app: Application = async (_scope, receive, send) => {
      late = { send, receive };
      await receive();
      await send({ type: 'http.response.start', status: 204 });
      await send({ type: 'http.response.body' });
    };
    await request(app, { validate: false });
    assert.ok(late);
    await assert.rejects(late.send({ type: 'http.response.body' }), isProtocolError('APP-5'));
    await assert.rejects(late.receive(), isProtocolError('APP-5'));
  });

  it('[APP-2] with validate (the default) a changed scope fails the request; without, it passes', async () => {
    const app: Application = async (scope, receive, send) => {
      (scope as { path: string }).path = '/elsewhere';
      await receive();
      await send({ type: 'http.response.start', status: 204 });
      await send({ type: 'http.response.body' });
    };
    await assert.rejects(request(app), isProtocolError('APP-2'));
    assert.equal((await request(app, { validate: false })).outcome, 'complete');
  });
});

describe('request(): the client leaves [HTTP-DISC-1] [HTTP-DISC-2]', () => {
  /** An app that logs what it sees and what its sends do. */
  function observer(log: string[]): Application {
    return async (_scope, receive, send) => {
      for (;;) {
        const event = await receive();
        log.push(
          event.type === 'http.request'
            ? `request ${event.body.byteLength} ${event.moreBody}`
            : event.type,
        );
        // HTTP-DISC-5: nothing more to send once the client is gone.
        if (event.type === 'http.disconnect') throw new ClientDisconnectedError();
        if (event.type !== 'http.request' || !event.moreBody) break;
      }
      try {
        await send({ type: 'http.response.start', status: 200 });
        log.push('start sent');
        await send({ type: 'http.response.body', body: 'abc', moreBody: true });
        log.push('body sent');
        await send({ type: 'http.response.body', body: 'def' });
        log.push('end sent');
      } catch (error) {
        log.push(isClientDisconnected(error) ? 'send rejected: client gone' : String(error));
        throw error;
      }
      log.push((await receive()).type);
    };
  }

  it("[HTTP-DISC-1] 'before-body': the first receive() gives http.disconnect", async () => {
    const log: string[] = [];
    const response = await request(observer(log), {
      method: 'POST',
      body: 'hello',
      disconnect: 'before-body',
    });
    assert.deepEqual(log, ['http.disconnect']);
    assert.equal(response.outcome, 'client-gone');
    assert.equal(response.status, 0);
  });

  it('[HTTP-REQ-4] { afterBytes }: the body is cut off, never ended with moreBody false', async () => {
    const log: string[] = [];
    const response = await request(observer(log), {
      method: 'POST',
      body: ['hello', ' world'],
      disconnect: { afterBytes: 7 },
    });
    assert.deepEqual(log, ['request 5 true', 'request 2 true', 'http.disconnect']);
    assert.equal(response.outcome, 'client-gone');
    assert.equal(response.error instanceof ClientDisconnectedError, true);
  });

  it('[HTTP-REQ-4] { afterBytes } past the end of a whole body still withholds moreBody false', async () => {
    const log: string[] = [];
    await request(observer(log), {
      method: 'POST',
      body: 'hello',
      disconnect: { afterBytes: 5 },
    });
    assert.deepEqual(log, ['request 5 true', 'http.disconnect']);
  });

  it("[HTTP-DISC-2] 'after-body': the app read everything, then send() rejects with ClientDisconnectedError", async () => {
    const log: string[] = [];
    const response = await request(observer(log), {
      method: 'POST',
      body: 'hello',
      disconnect: 'after-body',
    });
    assert.deepEqual(log, ['request 5 false', 'send rejected: client gone']);
    assert.equal(response.outcome, 'client-gone');
  });

  it("[HTTP-DISC-2] 'after-start': the start was accepted, the body send rejects", async () => {
    const log: string[] = [];
    const response = await request(observer(log), { disconnect: 'after-start' });
    assert.deepEqual(log, ['request 0 false', 'start sent', 'send rejected: client gone']);
    assert.equal(response.outcome, 'client-gone');
    assert.equal(response.status, 200);
    assert.equal(response.requirement, 'HTTP-DISC-1');
  });

  it('[HTTP-DISC-2] { afterResponseBytes }: mid-response, the next send rejects', async () => {
    const log: string[] = [];
    const response = await request(observer(log), { disconnect: { afterResponseBytes: 2 } });
    assert.deepEqual(log, [
      'request 0 false',
      'start sent',
      'body sent',
      'send rejected: client gone',
    ]);
    assert.equal(response.text(), 'abc');
    assert.equal(response.outcome, 'client-gone');
  });

  it('[HTTP-DISC-4] a ClientDisconnectedError escaping the app is no failure, even in strict mode', async () => {
    const response = await request(observer([]), { disconnect: 'after-start' });
    assert.equal(response.violation, null);
    assert.ok(isClientDisconnected(response.error));
  });

  it('[HTTP-DISC-5] with validate, an app that sends after receiving http.disconnect fails', async () => {
    const app: Application = async (_scope, receive, send) => {
      await receive();
      await send({ type: 'http.response.start', status: 200 });
    };
    await assert.rejects(
      request(app, { disconnect: 'before-body' }),
      isProtocolError('HTTP-DISC-5'),
    );
    const response = await request(app, { disconnect: 'before-body', validate: false });
    assert.equal(response.outcome, 'client-gone');
  });

  it('rejects a disconnect option it does not know', async () => {
    await assert.rejects(
      request(ok, { disconnect: { afterResponseBytes: 0 } }),
      (error: unknown) => (error as { code?: string }).code === ErrorCode.INVALID_ARGUMENT,
    );
  });
});

describe('request(): a hung application', () => {
  it('fails after timeoutMs, naming what it waited for, and lets the app clean up', async () => {
    let cleanedUp = false;
    const app: Application = async (_scope, receive) => {
      await receive();
      // Waits for a disconnect that a complete response would bring (it never starts one).
      const event = await receive();
      cleanedUp = event.type === 'http.disconnect';
      throw new ClientDisconnectedError();
    };
    const started = Date.now();
    await assert.rejects(
      request(app, { timeoutMs: 50 }),
      (error: unknown) =>
        error instanceof HarnessTimeoutError &&
        error.code === HarnessErrorCode.TIMEOUT &&
        error.timeoutMs === 50 &&
        /timed out after 50 ms waiting for the application to settle \(GET \/\)/.test(
          error.message,
        ) &&
        error.message.includes('waits in receive() for http.disconnect'),
    );
    assert.ok(Date.now() - started < 2000);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(cleanedUp, true);
  });

  it('describes an application stuck outside receive() and send()', async () => {
    const app: Application = () => new Promise(() => {});
    await assert.rejects(request(app, { timeoutMs: 20 }), (error: unknown) =>
      (error as Error).message.includes('the application is in neither receive() nor send()'),
    );
  });

  it('rejects a timeoutMs that is not a positive number', async () => {
    await assert.rejects(request(ok, { timeoutMs: 0 }), (error: unknown) =>
      (error as Error).message.includes('timeoutMs'),
    );
  });
});
