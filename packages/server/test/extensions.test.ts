import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type ConnectionOptions, connect as tlsConnect } from 'node:tls';
import type { HttpScope, HttpSendEvent } from 'tsgi';
import { exchange, header, RawClient, startHttp, until } from './http-support.js';

const GET = 'GET / HTTP/1.1\r\nHost: h\r\n\r\n';
const GET_TE = 'GET / HTTP/1.1\r\nHost: h\r\nTE: trailers\r\n\r\n';

describe('trailers', { timeout: 20_000 }, () => {
  it('[EXT-TRAILERS-3] sends the trailer fields after a chunked body, without the content-length', async () => {
    const server = await startHttp(async (_scope, receive, send) => {
      await receive();
      await send({
        type: 'http.response.start',
        status: 200,
        headers: [
          ['content-type', 'application/grpc'],
          ['trailer', 'grpc-status'],
          ['content-length', '5'],
        ],
        trailers: true,
      });
      await send({ type: 'http.response.body', body: 'hello' });
      await send({
        type: 'http.response.trailers',
        headers: [
          ['grpc-status', '0'],
          ['grpc-message', 'ok'],
        ],
      });
    });
    try {
      const { client, responses } = await exchange(server.port, GET_TE);
      const [response] = responses;
      assert.equal(header(response!.headers, 'transfer-encoding'), 'chunked');
      assert.equal(header(response!.headers, 'content-length'), undefined);
      assert.equal(response!.body.toString(), 'hello');
      assert.deepEqual(response!.trailers, [
        ['grpc-status', '0'],
        ['grpc-message', 'ok'],
      ]);
      client.destroy();
    } finally {
      await server.close();
    }
  });

  it('[EXT-TRAILERS-3] treats the response as complete only once the trailers arrived', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const server = await startHttp(async (_scope, receive, send) => {
      await receive();
      await send({ type: 'http.response.start', status: 200, trailers: true });
      await send({ type: 'http.response.body', body: 'body' });
      await gate;
      await send({ type: 'http.response.trailers', headers: [['x-sum', '1']] });
    });
    try {
      const client = await RawClient.connect(server.port);
      client.write(GET_TE);
      await client.waitFor((text) => text.includes('body'), 'the body');
      const body = client.text.slice(client.text.indexOf('\r\n\r\n') + 4);
      assert.equal(body, '4\r\nbody\r\n', 'the body is not terminated before the trailers');
      release();
      const [response] = await client.responses(1);
      assert.deepEqual(response!.trailers, [['x-sum', '1']]);
      client.destroy();
    } finally {
      await server.close();
    }
  });
});

describe('early hints', { timeout: 20_000 }, () => {
  it('[EXT-HINTS-2] sends each earlyHints event as a 103 before the response, with its fields', async () => {
    const server = await startHttp(async (_scope, receive, send) => {
      await receive();
      await send({
        type: 'http.response.earlyHints',
        headers: [['link', '</a.css>; rel=preload; as=style']],
      });
      await send({
        type: 'http.response.earlyHints',
        headers: [
          ['link', '</b.js>; rel=preload; as=script'],
          ['x-hint', '2'],
        ],
      });
      await send({ type: 'http.response.start', status: 200 });
      await send({ type: 'http.response.body', body: 'page' });
    });
    try {
      const client = await RawClient.connect(server.port);
      client.write(GET);
      await client.responses(1);
      const text = client.text;
      const first = text.indexOf(
        'HTTP/1.1 103 Early Hints\r\nlink: </a.css>; rel=preload; as=style\r\n\r\n',
      );
      const second = text.indexOf(
        'HTTP/1.1 103 Early Hints\r\nlink: </b.js>; rel=preload; as=script\r\nx-hint: 2\r\n\r\n',
      );
      const final = text.indexOf('HTTP/1.1 200 OK');
      assert.ok(first === 0 && second > first && final > second, JSON.stringify(text));
      client.destroy();
    } finally {
      await server.close();
    }
  });

  it('[EXT-HINTS-1] [EXT-2] refuses early hints on HTTP/1.0, where they are not advertised', async () => {
    const outcomes: string[] = [];
    const server = await startHttp(async (scope, receive, send) => {
      await receive();
      try {
        await send({ type: 'http.response.earlyHints', headers: [['link', '</a>']] });
      } catch (error) {
        outcomes.push((error as Error).message);
      }
      assert.equal(scope.extensions['http.response.earlyHints'], undefined);
    });
    try {
      const client = await RawClient.connect(server.port);
      client.write('GET / HTTP/1.0\r\n\r\n');
      await client.waitClosed();
      assert.ok(!client.text.includes('103'));
      assert.match(client.text, /^HTTP\/1\.1 500 /);
      assert.match(outcomes[0]!, /^\[EXT-1\] /);
    } finally {
      await server.close();
    }
  });
});

describe('file responses', { timeout: 20_000 }, () => {
  let dir: string;
  let file: string;
  const content = Buffer.alloc(200_000);
  for (let i = 0; i < content.length; i++) content[i] = (i * 7) % 251;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'tsgi-file-'));
    file = join(dir, 'data.bin');
    writeFileSync(file, content);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  function fileServer(
    event: () => HttpSendEvent,
    start: HttpSendEvent = { type: 'http.response.start', status: 200 },
  ) {
    const outcomes: string[] = [];
    return startHttp(async (_scope, receive, send) => {
      await receive();
      await send(start);
      try {
        await send(event());
        outcomes.push('ok');
      } catch (error) {
        outcomes.push((error as Error).message);
        throw error;
      }
    }).then((server) => ({ server, outcomes }));
  }

  it('[EXT-FILE-2] sends the whole file, framed with content-length', async () => {
    const { server, outcomes } = await fileServer(() => ({
      type: 'http.response.file',
      path: file,
    }));
    try {
      const { client, responses } = await exchange(server.port, GET);
      assert.equal(header(responses[0]!.headers, 'content-length'), String(content.length));
      assert.ok(responses[0]!.body.equals(content));
      // The last send resolves once the socket took the bytes, which may come
      // after the client has them all.
      await until(() => outcomes.length === 1, 'the send to settle');
      assert.deepEqual(outcomes, ['ok']);
      client.destroy();
    } finally {
      await server.close();
    }
  });

  it('[EXT-FILE-2] sends length bytes from offset, after earlier body pieces', async () => {
    const server = await startHttp(async (_scope, receive, send) => {
      await receive();
      await send({ type: 'http.response.start', status: 206 });
      await send({ type: 'http.response.body', body: 'head:', moreBody: true });
      await send({ type: 'http.response.file', path: file, offset: 1000, length: 70_000 });
    });
    try {
      const { client, responses } = await exchange(server.port, GET);
      assert.equal(responses[0]!.status, 206);
      assert.equal(header(responses[0]!.headers, 'transfer-encoding'), 'chunked');
      assert.ok(
        responses[0]!.body.equals(
          Buffer.concat([Buffer.from('head:'), content.subarray(1000, 71_000)]),
        ),
      );
      client.destroy();
    } finally {
      await server.close();
    }
  });

  it('[EXT-FILE-2] rejects the send for a missing file, and aborts the response', async () => {
    const { server, outcomes } = await fileServer(() => ({
      type: 'http.response.file',
      path: join(dir, 'missing.bin'),
    }));
    try {
      const client = await RawClient.connect(server.port);
      client.write(GET);
      await client.waitClosed();
      assert.match(outcomes[0]!, /cannot open .*missing\.bin.*ENOENT/);
      assert.ok(!client.text.startsWith('HTTP/1.1 200'), 'no complete response');
    } finally {
      await server.close();
    }
  });

  it('[EXT-FILE-2] rejects the send when the file holds fewer bytes than asked for', async () => {
    const { server, outcomes } = await fileServer(() => ({
      type: 'http.response.file',
      path: file,
      offset: content.length - 10,
      length: 20,
    }));
    try {
      const client = await RawClient.connect(server.port);
      client.write(GET);
      await client.waitClosed();
      assert.match(outcomes[0]!, /holds 10 bytes from offset .*fewer than the 20 asked for/);
    } finally {
      await server.close();
    }
  });

  it('[EXT-FILE-2] [HTTP-RESP-11] rejects a file range that does not fill the content-length', async () => {
    const { server, outcomes } = await fileServer(
      () => ({ type: 'http.response.file', path: file, length: 10 }),
      { type: 'http.response.start', status: 200, headers: [['content-length', '20']] },
    );
    try {
      const client = await RawClient.connect(server.port);
      client.write(GET);
      await client.waitClosed();
      assert.match(outcomes[0]!, /^\[HTTP-RESP-7\] /);
    } finally {
      await server.close();
    }
  });
});

function openssl(): string | null {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return 'openssl';
  } catch {
    return null;
  }
}

describe('TLS', { timeout: 30_000 }, () => {
  const tool = openssl();
  let dir: string;
  let cert: string;
  let key: string;
  let clientCert: string;
  let clientKey: string;

  before(() => {
    if (tool === null) return;
    dir = mkdtempSync(join(tmpdir(), 'tsgi-tls-'));
    cert = join(dir, 'cert.pem');
    key = join(dir, 'key.pem');
    clientCert = join(dir, 'client.pem');
    clientKey = join(dir, 'client-key.pem');
    for (const [c, k, cn] of [
      [cert, key, 'localhost'],
      [clientCert, clientKey, 'test client'],
    ] as const) {
      execFileSync(
        tool,
        [
          'req',
          '-x509',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-keyout',
          k,
          '-out',
          c,
          '-days',
          '1',
          '-subj',
          `/CN=${cn}`,
        ],
        { stdio: 'ignore' },
      );
    }
  });
  after(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('[EXT-TLS-1] [HTTP-SCOPE-5] gives the TLS facts and the https scheme on a TLS connection', async (t) => {
    if (tool === null) {
      t.skip('openssl is not installed: no certificate to test TLS with');
      return;
    }
    const scopes: HttpScope[] = [];
    const server = await startHttp(
      async (scope, receive, send) => {
        scopes.push(scope);
        await receive();
        await send({ type: 'http.response.start', status: 200 });
        await send({ type: 'http.response.body', body: 'secure' });
      },
      { certfile: cert, keyfile: key, clientCert: 'optional', caCerts: clientCert },
    );
    try {
      assert.equal(server.address.secure, true);
      const options: RequestOptions & ConnectionOptions = {
        host: '127.0.0.1',
        port: server.port,
        servername: 'localhost',
        ca: readFileSync(cert),
        cert: readFileSync(clientCert),
        key: readFileSync(clientKey),
        ALPNProtocols: ['http/1.1'],
        agent: false,
      };
      const body = await new Promise<string>((resolve, reject) => {
        const req = httpsRequest(options, (res) => {
          let text = '';
          res.on('data', (chunk) => {
            text += chunk;
          });
          res.on('end', () => resolve(text));
        });
        req.on('error', reject);
        req.end();
      });
      assert.equal(body, 'secure');
      const scope = scopes[0]!;
      assert.equal(scope.scheme, 'https');
      const tls = scope.extensions.tls!;
      assert.match(tls.protocol, /^TLSv1\.[23]$/);
      assert.ok(tls.cipher.length > 0);
      assert.equal(tls.serverName, 'localhost');
      assert.equal(tls.alpnProtocol, 'http/1.1');
      assert.equal(tls.clientCertificate?.trim(), readFileSync(clientCert, 'latin1').trim());
    } finally {
      await server.close();
    }
  });

  it('[EXT-TLS-1] gives null for what the client did not send: no SNI, no ALPN, no certificate', async (t) => {
    if (tool === null) {
      t.skip('openssl is not installed: no certificate to test TLS with');
      return;
    }
    const scopes: HttpScope[] = [];
    const server = await startHttp(
      async (scope, receive, send) => {
        scopes.push(scope);
        await receive();
        await send({ type: 'http.response.start', status: 204 });
        await send({ type: 'http.response.body' });
      },
      { certfile: cert, keyfile: key },
    );
    try {
      const socket = tlsConnect({
        host: '127.0.0.1',
        port: server.port,
        rejectUnauthorized: false,
      });
      await new Promise<void>((resolve, reject) => {
        socket.once('secureConnect', resolve);
        socket.once('error', reject);
      });
      socket.write(GET);
      await new Promise<void>((resolve) => socket.once('data', () => resolve()));
      socket.destroy();
      const tls = scopes[0]!.extensions.tls!;
      assert.equal(tls.serverName, null);
      assert.equal(tls.alpnProtocol, null);
      assert.equal(tls.clientCertificate, null);
    } finally {
      await server.close();
    }
  });
});
