import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HeaderList } from 'tsgi';
import { ClientDisconnectedError, isClientDisconnected } from 'tsgi';
import type { BodyReceive } from '../src/body/reader.js';
import { HTTPErrorCode, PayloadTooLarge } from '../src/http-error.js';
import { Request } from '../src/request.js';
import { UsageErrorCode } from '../src/usage-error.js';
import { bodyReceive, httpScope, type Step, scriptedReceive } from './message-fixtures.js';

function post(headers: HeaderList, receive: BodyReceive, bodyLimit?: number): Request {
  return new Request(
    httpScope({ method: 'POST', headers }),
    receive,
    undefined,
    bodyLimit === undefined ? {} : { bodyLimit },
  );
}

const JSON_TYPE: HeaderList = [['content-type', 'application/json']];

describe('reading the body', () => {
  it('joins the pieces of a body sent in several events', async () => {
    const request = post([], bodyReceive('hel', '', 'lo').receive);
    assert.deepEqual(await request.bytes(), new TextEncoder().encode('hello'));
  });

  it('reads an empty body', async () => {
    const request = post([], bodyReceive().receive);
    assert.equal((await request.bytes()).byteLength, 0);
    assert.equal(await request.text(), '');
  });

  it('reads once and caches: text(), json() and bytes() in any order, receive() called once per piece', async () => {
    const script = bodyReceive('{"a":', '[1,2]}');
    const request = post(JSON_TYPE, script.receive);
    assert.equal(request.bodyUsed, false);
    assert.equal(await request.text(), '{"a":[1,2]}');
    assert.deepEqual(await request.json(), { a: [1, 2] });
    assert.equal((await request.bytes()).byteLength, 11);
    assert.equal(request.bodyUsed, true);
    assert.equal(script.calls, 2);
  });

  it('shares one read between concurrent calls', async () => {
    const script = bodyReceive('[1]');
    const request = post(JSON_TYPE, script.receive);
    const [a, b] = await Promise.all([request.json(), request.text()]);
    assert.deepEqual(a, [1]);
    assert.equal(b, '[1]');
    assert.equal(script.calls, 1);
  });

  it('ignores receive events of unknown types', async () => {
    const steps: Step[] = [
      { body: 'a', more: true },
      { type: 'http.request.future' },
      { body: 'b', more: false },
    ];
    const request = post([], scriptedReceive(steps).receive);
    assert.equal(await request.text(), 'ab');
  });

  it('decodes text with the charset of content-type, UTF-8 by default', async () => {
    const latin1 = post(
      [['content-type', 'text/plain; charset=ISO-8859-1']],
      bodyReceive(new Uint8Array([0x63, 0x61, 0x66, 0xe9])).receive,
    );
    assert.equal(await latin1.text(), 'caf\u00e9');
    const utf8 = post([['content-type', 'text/plain']], bodyReceive('caf\u00e9 \u{1f600}').receive);
    assert.equal(await utf8.text(), 'caf\u00e9 \u{1f600}');
    const split = new TextEncoder().encode('\u00e9');
    const pieces = post([], bodyReceive(split.subarray(0, 1), split.subarray(1)).receive);
    assert.equal(await pieces.text(), '\u00e9', 'a character split across events survives');
  });

  it('answers 415 for a charset no decoder knows', async () => {
    const request = post(
      [['content-type', 'text/plain; charset=klingon']],
      bodyReceive('x').receive,
    );
    await assert.rejects(request.text(), {
      status: 415,
      code: HTTPErrorCode.UNSUPPORTED_MEDIA_TYPE,
    });
  });
});

describe('json()', () => {
  it('parses application/json and +json types', async () => {
    assert.deepEqual(await post(JSON_TYPE, bodyReceive('{"x":1}').receive).json(), { x: 1 });
    const problem = post(
      [['content-type', 'application/problem+json; charset=utf-8']],
      bodyReceive('"ok"').receive,
    );
    assert.equal(await problem.json(), 'ok');
  });

  it('answers 400 with a short clear message for malformed JSON', async () => {
    const request = post(JSON_TYPE, bodyReceive('{"a": 1,}').receive);
    await assert.rejects(request.json(), (error: unknown) => {
      assert.ok(error instanceof Error);
      const e = error as Error & { status: number; code: string; details?: { position?: number } };
      assert.equal(e.status, 400);
      assert.equal(e.code, HTTPErrorCode.BAD_REQUEST);
      assert.equal(e.message, 'the request body is not valid JSON');
      assert.ok(e.cause instanceof SyntaxError);
      assert.equal(typeof e.details?.position, 'number');
      return true;
    });
  });

  it('answers 400 for an empty body and for invalid UTF-8', async () => {
    await assert.rejects(post(JSON_TYPE, bodyReceive().receive).json(), {
      status: 400,
      message: 'the request body is empty; expected JSON',
    });
    await assert.rejects(
      post(JSON_TYPE, bodyReceive(new Uint8Array([0x22, 0xff, 0x22])).receive).json(),
      { status: 400, message: 'the request body is not valid UTF-8' },
    );
  });

  it('answers 415 for another content type, before reading the body', async () => {
    for (const headers of [[['content-type', 'text/plain']], []] as HeaderList[]) {
      const script = bodyReceive('{}');
      await assert.rejects(post(headers, script.receive).json(), {
        status: 415,
        code: HTTPErrorCode.UNSUPPORTED_MEDIA_TYPE,
      });
      assert.equal(script.calls, 0);
    }
  });

  it('accepts any content type with strictContentType: false', async () => {
    const request = post([['content-type', 'text/plain']], bodyReceive('[true]').receive);
    assert.deepEqual(await request.json({ strictContentType: false }), [true]);
  });

  it('answers 415 for a JSON body in a charset other than UTF-8', async () => {
    const request = post(
      [['content-type', 'application/json; charset=latin1']],
      bodyReceive('{}').receive,
    );
    await assert.rejects(request.json(), { status: 415 });
  });
});

describe('the body limit', () => {
  it('answers 413 from content-length alone, without reading', async () => {
    const script = bodyReceive('x'.repeat(20));
    const request = post([['content-length', '20']], script.receive, 10);
    await assert.rejects(request.bytes(), (error: unknown) => {
      assert.ok(error instanceof PayloadTooLarge);
      assert.equal(error.status, 413);
      assert.equal(error.limit, 10);
      return true;
    });
    assert.equal(script.calls, 0);
  });

  it('answers 413 while streaming in, and stops reading as soon as the count passes the limit', async () => {
    const pieces = Array.from({ length: 10 }, () => 'x'.repeat(100));
    const script = bodyReceive(...pieces);
    const request = post([], script.receive, 250);
    await assert.rejects(request.text(), { status: 413, code: HTTPErrorCode.PAYLOAD_TOO_LARGE });
    assert.equal(script.calls, 3, 'the third piece passes 250 bytes; nothing after it is read');
    await assert.rejects(request.json({ strictContentType: false }), { status: 413 });
    assert.equal(script.calls, 3, 'the failed read is cached too');
  });

  it('accepts a body exactly at the limit', async () => {
    const request = post([['content-length', '10']], bodyReceive('12345', '67890').receive, 10);
    assert.equal(await request.text(), '1234567890');
  });

  it('is lifted with Infinity', async () => {
    const request = post(
      [],
      bodyReceive('x'.repeat(2 * 1024 * 1024)).receive,
      Number.POSITIVE_INFINITY,
    );
    assert.equal((await request.bytes()).byteLength, 2 * 1024 * 1024);
  });

  it('defaults to 1 MiB', async () => {
    const request = post([], bodyReceive(new Uint8Array(1024 * 1024 + 1)).receive);
    await assert.rejects(request.bytes(), { status: 413 });
  });
});

describe('disconnects', () => {
  it('[HTTP-DISC-5] throws ClientDisconnectedError when the client leaves while sending', async () => {
    const script = scriptedReceive([{ body: 'par', more: true }, 'disconnect']);
    const request = post([], script.receive);
    await assert.rejects(request.text(), (error: unknown) => {
      assert.ok(error instanceof ClientDisconnectedError);
      assert.ok(isClientDisconnected(error));
      return true;
    });
  });

  it('[HTTP-DISC-5] the same from stream()', async () => {
    const request = post([], scriptedReceive([{ body: 'a', more: true }, 'disconnect']).receive);
    const seen: string[] = [];
    await assert.rejects(
      (async () => {
        for await (const chunk of request.stream()) seen.push(new TextDecoder().decode(chunk));
      })(),
      ClientDisconnectedError,
    );
    assert.deepEqual(seen, ['a']);
  });
});

describe('stream()', () => {
  it('yields the pieces as they arrive, empty ones skipped', async () => {
    const script = bodyReceive('a', '', 'bc', 'd');
    const request = post([], script.receive);
    const pieces: string[] = [];
    const callsAtYield: number[] = [];
    for await (const chunk of request.stream()) {
      pieces.push(new TextDecoder().decode(chunk));
      callsAtYield.push(script.calls);
    }
    assert.deepEqual(callsAtYield, [1, 3, 4], 'each piece is handed over before the next is read');
    assert.deepEqual(pieces, ['a', 'bc', 'd']);
  });

  it('is single-use, and excludes buffered reads either way', async () => {
    const streamed = post([], bodyReceive('a').receive);
    const chunks = streamed.stream();
    assert.equal(streamed.bodyUsed, true);
    assert.throws(() => streamed.stream(), { code: UsageErrorCode.BODY_CONSUMED });
    await assert.rejects(streamed.bytes(), { code: UsageErrorCode.BODY_CONSUMED });
    await assert.rejects(streamed.text(), { code: UsageErrorCode.BODY_CONSUMED });
    for await (const _ of chunks) {
      // drain
    }
    const read = post([], bodyReceive('a').receive);
    await read.bytes();
    assert.throws(
      () => read.stream(),
      (error: Error & { code?: string }) => {
        assert.equal(error.code, UsageErrorCode.BODY_CONSUMED);
        assert.match(error.message, /stream\(\): the request body was already consumed/);
        return true;
      },
    );
  });

  it('ignores the buffered limit, and takes its own', async () => {
    const big = post([], bodyReceive('x'.repeat(300)).receive, 10);
    let total = 0;
    for await (const chunk of big.stream()) total += chunk.byteLength;
    assert.equal(total, 300);

    const script = bodyReceive('aaaa', 'bbbb', 'cccc', 'dddd');
    const limited = post([], script.receive);
    const seen: number[] = [];
    await assert.rejects(
      (async () => {
        for await (const chunk of limited.stream({ limit: 6 })) seen.push(chunk.byteLength);
      })(),
      { status: 413 },
    );
    assert.deepEqual(seen, [4]);
    assert.equal(script.calls, 2);

    const announced = post([['content-length', '100']], bodyReceive('x').receive);
    await assert.rejects(
      (async () => {
        for await (const _ of announced.stream({ limit: 50 })) {
          // never reached
        }
      })(),
      { status: 413 },
    );
  });
});
