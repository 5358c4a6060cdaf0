import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, truncate, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { HeaderList, HttpScope, HttpSendEvent } from 'tsgi';
import {
  FILE_CHUNK_SIZE,
  FileBody,
  FileChangedError,
  openFile,
  sendFileRange,
} from '../src/file-body.js';
import { attachment, contentTypeFor, file, parseRange, weakEtag } from '../src/files.js';
import { HTTPErrorCode, NotFound } from '../src/http-error.js';
import { Response } from '../src/response.js';
import { bodyText, collectingSend, header, httpScope, startOf } from './message-fixtures.js';

const MTIME = new Date(Date.UTC(2024, 4, 6, 7, 8, 9));
const HTTP_DATE = 'Mon, 06 May 2024 07:08:09 GMT';
const CONTENT = '0123456789abcdefghij';
let dir = '';
let textPath = '';
let bigPath = '';
let etag = '';

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'echonext-files-'));
  textPath = join(dir, 'notes.txt');
  await writeFile(textPath, CONTENT);
  await utimes(textPath, MTIME, MTIME);
  bigPath = join(dir, 'big.bin');
  const big = new Uint8Array(FILE_CHUNK_SIZE * 2 + 10);
  for (let i = 0; i < big.length; i++) big[i] = i % 251;
  await writeFile(bigPath, big);
  await mkdir(join(dir, 'sub'));
  etag = weakEtag({ size: CONTENT.length, mtimeMs: MTIME.getTime() });
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const FILE_EXTENSION = { 'http.response.file': {} };

async function get(
  response: Response,
  fields: Partial<HttpScope> & { requestHeaders?: HeaderList } = {},
): Promise<HttpSendEvent[]> {
  const { requestHeaders = [], ...rest } = fields;
  const { send, events } = collectingSend();
  await response.send(httpScope({ headers: requestHeaders, ...rest }), send);
  return events;
}

describe('file(): full responses', () => {
  it('[EXT-1] streams the file when the server does not advertise http.response.file', async () => {
    const events = await get(file(textPath));
    assert.deepEqual(events, [
      {
        type: 'http.response.start',
        status: 200,
        headers: [
          ['content-type', 'text/plain; charset=utf-8'],
          ['etag', etag],
          ['last-modified', HTTP_DATE],
          ['accept-ranges', 'bytes'],
          ['content-length', '20'],
        ],
      },
      { type: 'http.response.body', body: new TextEncoder().encode(CONTENT), moreBody: false },
    ]);
  });

  it('reads a large file in pieces, the last one ending the body', async () => {
    const events = await get(file(bigPath));
    const bodies = events.slice(1) as { body: Uint8Array; moreBody: boolean }[];
    assert.deepEqual(
      bodies.map((event) => [event.body.byteLength, event.moreBody]),
      [
        [FILE_CHUNK_SIZE, true],
        [FILE_CHUNK_SIZE, true],
        [10, false],
      ],
    );
    assert.equal(bodies[2]?.body[9], (FILE_CHUNK_SIZE * 2 + 9) % 251);
    assert.equal(header(startOf(events), 'content-type'), 'application/octet-stream');
  });

  it('[EXT-FILE-1] hands the file to the server by absolute path when advertised', async () => {
    const events = await get(file(textPath), { extensions: FILE_EXTENSION });
    assert.equal(startOf(events).status, 200);
    assert.deepEqual(events[1], {
      type: 'http.response.file',
      path: textPath,
      offset: 0,
      length: 20,
    });
    assert.equal(events.length, 2);
  });

  it('[HTTP-RESP-8] HEAD keeps the headers of GET and sends no body', async () => {
    const events = await get(file(textPath), { method: 'HEAD', extensions: FILE_EXTENSION });
    assert.equal(header(startOf(events), 'content-length'), '20');
    assert.equal(header(startOf(events), 'etag'), etag);
    assert.deepEqual(events.slice(1), [
      { type: 'http.response.body', body: new Uint8Array(0), moreBody: false },
    ]);
  });

  it('names downloads with content-disposition, with an RFC 8187 name when needed', async () => {
    const plain = startOf(await get(file(textPath, { download: true })));
    assert.equal(header(plain, 'content-disposition'), 'attachment; filename="notes.txt"');
    const named = startOf(await get(file(textPath, { download: 'r\u00e9sum\u00e9 "v2".txt' })));
    assert.equal(
      header(named, 'content-disposition'),
      `attachment; filename="r_sum_ _v2_.txt"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%22v2%22.txt`,
    );
    assert.equal(attachment('a%b'), `attachment; filename="a_b"; filename*=UTF-8''a%25b`);
  });

  it('takes the content type from the extension, or from init', async () => {
    assert.equal(contentTypeFor('/x/index.HTML'), 'text/html; charset=utf-8');
    assert.equal(contentTypeFor('/x/app.mjs'), 'text/javascript; charset=utf-8');
    assert.equal(contentTypeFor('/x/photo.jpeg'), 'image/jpeg');
    assert.equal(contentTypeFor('/x/README'), 'application/octet-stream');
    const start = startOf(await get(file(textPath, { contentType: 'text/markdown' })));
    assert.equal(header(start, 'content-type'), 'text/markdown');
  });

  it('can leave out the validators', async () => {
    const start = startOf(await get(file(textPath, { etag: false, lastModified: false })));
    assert.equal(header(start, 'etag'), undefined);
    assert.equal(header(start, 'last-modified'), undefined);
  });

  it('carries cookies like any response', async () => {
    const response = file(textPath).setCookie('seen', '1');
    const start = startOf(await get(response, { scheme: 'https' }));
    assert.equal(header(start, 'set-cookie'), 'seen=1; Path=/; Secure; HttpOnly; SameSite=Lax');
  });

  it('throws NotFound before sending anything for a missing file or a directory', async () => {
    for (const path of [join(dir, 'missing.txt'), join(dir, 'sub'), join(textPath, 'below')]) {
      for (const extensions of [{}, FILE_EXTENSION]) {
        const { send, events } = collectingSend();
        await assert.rejects(file(path).send(httpScope({ extensions }), send), (error: unknown) => {
          assert.ok(error instanceof NotFound);
          assert.equal(error.code, HTTPErrorCode.NOT_FOUND);
          return true;
        });
        assert.deepEqual(events, []);
      }
    }
  });
});

describe('file(): conditional GET', () => {
  it('answers 304 when if-none-match names the etag, weakly compared, in a list or as *', async () => {
    const opaque = etag.slice(2);
    for (const value of [etag, opaque, `"other", ${etag}`, '*']) {
      const events = await get(file(textPath), { requestHeaders: [['if-none-match', value]] });
      assert.deepEqual(events, [
        {
          type: 'http.response.start',
          status: 304,
          headers: [
            ['etag', etag],
            ['last-modified', HTTP_DATE],
          ],
        },
        { type: 'http.response.body', body: new Uint8Array(0), moreBody: false },
      ]);
    }
  });

  it('lets if-none-match decide alone when present', async () => {
    const events = await get(file(textPath), {
      requestHeaders: [
        ['if-none-match', '"stale"'],
        ['if-modified-since', HTTP_DATE],
      ],
    });
    assert.equal(startOf(events).status, 200);
    assert.equal(bodyText(events), CONTENT);
  });

  it('answers 304 when if-modified-since is at or after the modification time', async () => {
    const at = await get(file(textPath), { requestHeaders: [['if-modified-since', HTTP_DATE]] });
    assert.equal(startOf(at).status, 304);
    const before = await get(file(textPath), {
      requestHeaders: [['if-modified-since', 'Mon, 06 May 2024 07:08:08 GMT']],
    });
    assert.equal(startOf(before).status, 200);
    const garbage = await get(file(textPath), {
      requestHeaders: [['if-modified-since', 'yesterday']],
    });
    assert.equal(startOf(garbage).status, 200);
  });

  it('applies to GET and HEAD only', async () => {
    const events = await get(file(textPath), {
      method: 'POST',
      requestHeaders: [['if-none-match', etag]],
    });
    assert.equal(startOf(events).status, 200);
  });
});

describe('file(): ranges', () => {
  it('answers a single range with 206 and content-range', async () => {
    const events = await get(file(textPath), { requestHeaders: [['range', 'bytes=2-5']] });
    const start = startOf(events);
    assert.equal(start.status, 206);
    assert.equal(header(start, 'content-range'), 'bytes 2-5/20');
    assert.equal(header(start, 'content-length'), '4');
    assert.equal(header(start, 'accept-ranges'), 'bytes');
    assert.equal(bodyText(events), '2345');
  });

  it('sends open and suffix ranges, and clamps an end past the size', async () => {
    const cases: [string, string, string][] = [
      ['bytes=15-', 'bytes 15-19/20', 'fghij'],
      ['bytes=-3', 'bytes 17-19/20', 'hij'],
      ['bytes=-50', 'bytes 0-19/20', CONTENT],
      ['bytes=18-99', 'bytes 18-19/20', 'ij'],
    ];
    for (const [range, contentRange, body] of cases) {
      const events = await get(file(textPath), { requestHeaders: [['range', range]] });
      assert.equal(header(startOf(events), 'content-range'), contentRange, range);
      assert.equal(bodyText(events), body, range);
    }
  });

  it('[EXT-FILE-1] passes the range to the server as offset and length', async () => {
    const events = await get(file(textPath), {
      extensions: FILE_EXTENSION,
      requestHeaders: [['range', 'bytes=4-9']],
    });
    assert.deepEqual(events[1], {
      type: 'http.response.file',
      path: textPath,
      offset: 4,
      length: 6,
    });
  });

  it('answers 416 with the size for a range past the end', async () => {
    const events = await get(file(textPath), { requestHeaders: [['range', 'bytes=20-']] });
    assert.deepEqual(events, [
      {
        type: 'http.response.start',
        status: 416,
        headers: [
          ['etag', etag],
          ['last-modified', HTTP_DATE],
          ['accept-ranges', 'bytes'],
          ['content-range', 'bytes */20'],
          ['content-length', '0'],
        ],
      },
      { type: 'http.response.body', body: new Uint8Array(0), moreBody: false },
    ]);
  });

  it('sends everything for several ranges, other units, malformed ranges and HEAD', async () => {
    for (const range of ['bytes=0-1,4-5', 'items=0-1', 'bytes=5-2', 'bytes=x']) {
      const events = await get(file(textPath), { requestHeaders: [['range', range]] });
      assert.equal(startOf(events).status, 200, range);
      assert.equal(bodyText(events), CONTENT, range);
    }
    const head = await get(file(textPath), {
      method: 'HEAD',
      requestHeaders: [['range', 'bytes=0-1']],
    });
    assert.equal(startOf(head).status, 200);
  });

  it('honours if-range only for an equal date, since a weak etag never matches strongly', async () => {
    const withDate = await get(file(textPath), {
      requestHeaders: [
        ['range', 'bytes=0-1'],
        ['if-range', HTTP_DATE],
      ],
    });
    assert.equal(startOf(withDate).status, 206);
    for (const ifRange of [etag, 'Mon, 06 May 2024 07:00:00 GMT']) {
      const events = await get(file(textPath), {
        requestHeaders: [
          ['range', 'bytes=0-1'],
          ['if-range', ifRange],
        ],
      });
      assert.equal(startOf(events).status, 200, ifRange);
    }
  });

  it('parseRange reads one bytes range against a size', () => {
    assert.deepEqual(parseRange('bytes=0-0', 1), { start: 0, end: 0 });
    assert.deepEqual(parseRange('bytes = 1 - 2', 5), null);
    assert.deepEqual(parseRange('bytes=1 - 2', 5), { start: 1, end: 2 });
    assert.equal(parseRange('bytes=0-', 0), 'unsatisfiable');
    assert.equal(parseRange('bytes=-0', 10), 'unsatisfiable');
    assert.equal(parseRange('bytes=-', 10), null);
  });
});

describe('FileBody in a plain Response', () => {
  it('sends the part of the file it names, with content-length', async () => {
    const response = new Response(new FileBody(textPath, { offset: 10, length: 5 }), {
      contentType: 'text/plain',
    });
    const events = await get(response);
    assert.deepEqual(startOf(events).headers, [
      ['content-type', 'text/plain'],
      ['content-length', '5'],
    ]);
    assert.equal(bodyText(events), 'abcde');
    const byPath = await get(new Response(new FileBody(textPath, { offset: 18 })), {
      extensions: FILE_EXTENSION,
    });
    assert.deepEqual(byPath[1], {
      type: 'http.response.file',
      path: textPath,
      offset: 18,
      length: 2,
    });
  });

  it('fails, rather than send a short body, when the file shrinks while being sent', async () => {
    const path = join(dir, 'shrinking.bin');
    await writeFile(path, new Uint8Array(FILE_CHUNK_SIZE + 100));
    const opened = await openFile(path, false);
    try {
      const { send: record, events } = collectingSend();
      let open: () => void = () => {};
      const gate = new Promise<void>((resolve) => {
        open = resolve;
      });
      // Hold the first piece until the file has shrunk, so the second read finds it short.
      const send = async (event: HttpSendEvent) => {
        await gate;
        await record(event);
      };
      const sending = sendFileRange(send, opened, 0, FILE_CHUNK_SIZE + 100);
      await truncate(path, 10);
      open();
      await assert.rejects(sending, FileChangedError);
      assert.equal(events.length, 1);
      assert.ok(events.every((event) => (event as { moreBody?: boolean }).moreBody !== false));
    } finally {
      await opened.handle?.close();
    }
  });
});
