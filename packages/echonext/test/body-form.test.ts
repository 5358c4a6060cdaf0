import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HeaderList } from 'tsgi';
import { UploadedFile } from '../src/body/uploaded-file.js';
import { HTTPErrorCode } from '../src/http-error.js';
import { Request } from '../src/request.js';
import { bodyReceive, httpScope } from './message-fixtures.js';

const BOUNDARY = '----echonext-test-7d93a1';

type Part =
  | { name: string; value: string }
  | { name: string; filename: string; type?: string; content: Uint8Array | string };

/** Builds a multipart/form-data body the way a browser does. */
function multipart(parts: Part[], boundary = BOUNDARY): Uint8Array {
  const encoder = new TextEncoder();
  const chunks: Uint8Array[] = [];
  for (const part of parts) {
    let head = `--${boundary}\r\n`;
    if ('value' in part) {
      head += `Content-Disposition: form-data; name="${part.name}"\r\n\r\n`;
      chunks.push(encoder.encode(head + part.value + '\r\n'));
      continue;
    }
    head += `Content-Disposition: form-data; name="${part.name}"; filename="${part.filename}"\r\n`;
    if (part.type !== undefined) head += `Content-Type: ${part.type}\r\n`;
    chunks.push(encoder.encode(`${head}\r\n`));
    chunks.push(typeof part.content === 'string' ? encoder.encode(part.content) : part.content);
    chunks.push(encoder.encode('\r\n'));
  }
  chunks.push(encoder.encode(`--${boundary}--\r\n`));
  const total = chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0);
  const body = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

const MULTIPART: HeaderList = [['content-type', `multipart/form-data; boundary=${BOUNDARY}`]];
const URLENCODED: HeaderList = [['content-type', 'application/x-www-form-urlencoded']];

function post(headers: HeaderList, ...pieces: (Uint8Array | string)[]): Request {
  return new Request(httpScope({ method: 'POST', headers }), bodyReceive(...pieces).receive);
}

/** Splits bytes into pieces of `size`, as a server delivering the body in events would. */
function pieces(bytes: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.byteLength; i += size) out.push(bytes.subarray(i, i + size));
  return out;
}

describe('urlencoded forms', () => {
  it('parses fields with repeats, "+" as space and UTF-8 escapes', async () => {
    const form = await post(URLENCODED, 'title=Hello+world&tag=a&tag=b&name=caf%C3%A9').form();
    assert.equal(form.get('title'), 'Hello world');
    assert.deepEqual(form.getAll('tag'), ['a', 'b']);
    assert.equal(form.field('name'), 'caf\u00e9');
    assert.equal(form.file('name'), undefined);
    assert.deepEqual(form.files(), []);
  });

  it('is cached and coexists with text()', async () => {
    const script = bodyReceive('a=1');
    const request = new Request(httpScope({ method: 'POST', headers: URLENCODED }), script.receive);
    const form = await request.form();
    assert.equal(await request.form(), form);
    assert.equal(await request.text(), 'a=1');
    assert.equal(script.calls, 1);
  });

  it('answers 413 over the field count or size limits', async () => {
    await assert.rejects(post(URLENCODED, 'a=1&b=2&c=3').form({ maxFields: 2 }), {
      status: 413,
      code: HTTPErrorCode.PAYLOAD_TOO_LARGE,
    });
    await assert.rejects(post(URLENCODED, `a=${'x'.repeat(11)}`).form({ maxFieldSize: 10 }), {
      status: 413,
    });
    const form = await post(URLENCODED, `a=${'x'.repeat(10)}`).form({ maxFieldSize: 10 });
    assert.equal(form.get('a'), 'x'.repeat(10));
  });

  it('answers 415 for a body that is not a form, before reading it', async () => {
    const script = bodyReceive('{}');
    const request = new Request(
      httpScope({ method: 'POST', headers: [['content-type', 'application/json']] }),
      script.receive,
    );
    await assert.rejects(request.form(), {
      status: 415,
      code: HTTPErrorCode.UNSUPPORTED_MEDIA_TYPE,
    });
    assert.equal(script.calls, 0);
  });
});

describe('multipart forms', () => {
  const png = new Uint8Array([
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff, 0x2d, 0x2d,
  ]);
  const body = multipart([
    { name: 'title', value: 'Caf\u00e9 photos' },
    { name: 'photo', filename: 'cafe.png', type: 'image/png', content: png },
    { name: 'tag', value: 'a' },
    {
      name: 'notes',
      filename: '..\\..\\dir/notes.txt',
      type: 'text/plain',
      content: 'line 1\r\nline 2',
    },
    { name: 'tag', value: 'b' },
  ]);

  it('reads fields and files, in the order sent, from a body split across events', async () => {
    const form = await post(MULTIPART, ...pieces(body, 7)).form();
    assert.deepEqual(
      [...form].map(([name, value]) => [name, typeof value === 'string' ? value : value.filename]),
      [
        ['title', 'Caf\u00e9 photos'],
        ['photo', 'cafe.png'],
        ['tag', 'a'],
        ['notes', 'notes.txt'],
        ['tag', 'b'],
      ],
    );
    const photo = form.file('photo');
    assert.ok(photo instanceof UploadedFile);
    assert.equal(photo.fieldName, 'photo');
    assert.equal(photo.type, 'image/png');
    assert.equal(photo.size, png.byteLength);
    assert.deepEqual(
      new Uint8Array(photo.bytes),
      png,
      'binary content, boundary-like bytes included',
    );
    assert.equal(form.file('notes')?.text(), 'line 1\r\nline 2');
    assert.deepEqual(form.getAll('tag'), ['a', 'b']);
    assert.equal(form.files().length, 2);
  });

  it('keeps an empty file input as a file with an empty name', async () => {
    const form = await post(
      MULTIPART,
      multipart([{ name: 'upload', filename: '', type: 'application/octet-stream', content: '' }]),
    ).form();
    const upload = form.file('upload');
    assert.equal(upload?.filename, '');
    assert.equal(upload?.size, 0);
  });

  it('answers 413 over the file size, file count, field count and field size limits', async () => {
    await assert.rejects(post(MULTIPART, body).form({ maxFileSize: 10 }), {
      status: 413,
      code: HTTPErrorCode.PAYLOAD_TOO_LARGE,
      message: 'uploaded file "cafe.png" is larger than 10 bytes',
    });
    await assert.rejects(post(MULTIPART, body).form({ maxFiles: 1 }), {
      status: 413,
      message: 'the form has more than 1 files',
    });
    await assert.rejects(post(MULTIPART, body).form({ maxFields: 2 }), {
      status: 413,
      message: 'the form has more than 2 fields',
    });
    await assert.rejects(post(MULTIPART, body).form({ maxFieldSize: 5 }), { status: 413 });
    const fits = await post(MULTIPART, body).form({ maxFileSize: 14, maxFiles: 2, maxFields: 3 });
    assert.equal(fits.size, 5);
  });

  it('answers 413 when the whole body passes the request limit, before parsing', async () => {
    const request = new Request(
      httpScope({ method: 'POST', headers: MULTIPART }),
      bodyReceive(body).receive,
      undefined,
      { bodyLimit: 32 },
    );
    await assert.rejects(request.form(), { status: 413 });
  });

  it('answers 400 for a missing boundary and for a body cut short', async () => {
    await assert.rejects(post([['content-type', 'multipart/form-data']], body).form(), {
      status: 400,
      code: HTTPErrorCode.BAD_REQUEST,
    });
    await assert.rejects(post(MULTIPART, body.subarray(0, 120)).form(), {
      status: 400,
      message: 'the multipart body is malformed',
    });
  });
});
