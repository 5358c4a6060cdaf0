/**
 * Runs the two examples for real: `examples/minimal-server/server.js` serving
 * `examples/hand-written-app/app.js` on an ephemeral port, driven over TCP
 * with undici; and the same app under `validate()`, driven by scripted events.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';
import { ClientDisconnectedError, type ProtocolError } from '../src/errors.js';
import type {
  Application,
  HttpScope,
  LifespanScope,
  ReceiveEvent,
  Scope,
  SendEvent,
  WebSocketScope,
} from '../src/types.js';
import { validate } from '../src/validate/index.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const SERVER = fileURLToPath(
  new URL('../../../examples/minimal-server/server.js', import.meta.url),
);
const APP_MODULE = fileURLToPath(
  new URL('../../../examples/hand-written-app/app.js', import.meta.url),
);
const APP = `${APP_MODULE}:app`;

/** How long to wait for anything the server should do at once. */
const PATIENCE_MS = 10_000;

/** Resolves once `check` returns true, polling; rejects after `ms`. */
async function eventually(check: () => boolean | Promise<boolean>, what: string, ms = PATIENCE_MS) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The example server as a child process, with what it printed. */
class ServerProcess {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor() {
    this.child = spawn(process.execPath, [SERVER, APP, '0'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.setEncoding('utf8').on('data', (text: string) => {
      this.stdout += text;
    });
    this.child.stderr!.setEncoding('utf8').on('data', (text: string) => {
      this.stderr += text;
    });
    this.exit = once(this.child, 'exit').then(([code, signal]) => ({
      code: code as number | null,
      signal: signal as NodeJS.Signals | null,
    }));
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The port the server printed once listening. */
  async port(): Promise<number> {
    await eventually(() => {
      if (!this.running) throw new Error(`the server exited early:\n${this.stderr}`);
      return /listening on http:\/\/\S+:\d+/.test(this.stdout);
    }, 'the server to listen');
    return Number(/listening on http:\/\/\S+:(\d+)/.exec(this.stdout)![1]);
  }
}

describe('examples/minimal-server serving examples/hand-written-app', { timeout: 60_000 }, () => {
  let server: ServerProcess;
  let base: string;
  const agent = new Agent({ headersTimeout: PATIENCE_MS, bodyTimeout: PATIENCE_MS });

  before(async () => {
    server = new ServerProcess();
    base = `http://127.0.0.1:${await server.port()}`;
  });

  after(async () => {
    await agent.close();
    if (server?.running) {
      server.child.kill('SIGKILL');
      await server.exit;
    }
  });

  it('[LS-2] runs lifespan startup before it listens, and requests see the state', async () => {
    const started = server.stdout.indexOf('hand-written-app: startup complete');
    assert.ok(started >= 0, server.stdout);
    assert.ok(started < server.stdout.indexOf('listening on'), server.stdout);
    const response = await request(`${base}/stats`, { dispatcher: agent });
    assert.equal(response.statusCode, 200);
    const stats = (await response.body.json()) as { startedAt: string | null };
    assert.match(stats.startedAt ?? '', /^\d{4}-\d\d-\d\dT/);
  });

  it('answers hello world', async () => {
    const response = await request(`${base}/`, { dispatcher: agent });
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['content-type'], 'text/plain; charset=utf-8');
    assert.equal(response.headers['content-length'], '14');
    assert.equal(await response.body.text(), 'Hello, world!\n');
  });

  it('[HTTP-RESP-10] answers HEAD with the head of GET and no body', async () => {
    const response = await request(`${base}/`, { method: 'HEAD', dispatcher: agent });
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['content-length'], '14');
    assert.equal(await response.body.text(), '');
  });

  it('[HTTP-REQ-3] echoes a chunked request body', async () => {
    const response = await request(`${base}/echo`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: Readable.from(['streamed ', 'in ', 'three pieces']),
      dispatcher: agent,
    });
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['content-type'], 'text/plain');
    assert.equal(response.headers['content-length'], '24');
    assert.equal(await response.body.text(), 'streamed in three pieces');
  });

  it('[HTTP-RESP-9] streams a response of unknown length, chunked', async () => {
    const response = await request(`${base}/stream?n=3`, { dispatcher: agent });
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['transfer-encoding'], 'chunked');
    assert.equal(response.headers['content-length'], undefined);
    assert.equal(await response.body.text(), 'line 1 of 3\nline 2 of 3\nline 3 of 3\n');
  });

  it('[HTTP-FAIL-1] answers 500 when the app throws before the start, revealing nothing', async () => {
    const response = await request(`${base}/error`, { dispatcher: agent });
    assert.equal(response.statusCode, 500);
    const body = await response.body.text();
    assert.equal(body, 'Internal Server Error\n');
    // HTTP-FAIL-4: the server log has the error and its stack.
    await eventually(() => server.stderr.includes('the /error route always fails'), 'the log');
    assert.match(server.stderr, /Error: the \/error route always fails\n\s+at /);
  });

  it('[HTTP-FAIL-2] aborts the response when the app throws after the start', async () => {
    // The reset may come before or after the head is read; either way the body never ends.
    await assert.rejects(async () => {
      const response = await request(`${base}/broken`, { dispatcher: agent });
      await response.body.text();
    });
    await eventually(() => server.stderr.includes('the /broken route fails halfway'), 'the log');
  });

  it('[HTTP-DISC-2] lets the app see a client that leaves mid-response, and logs nothing', async () => {
    const before = server.stderr;
    const response = await request(`${base}/stream?n=1000`, { dispatcher: agent });
    const lines = response.body[Symbol.asyncIterator]();
    const first = (await lines.next()) as IteratorResult<Buffer>;
    assert.match(first.value.toString(), /^line 1 of 1000\n/);
    response.body.destroy(); // the client leaves: undici closes the connection
    await eventually(async () => {
      const stats = await request(`${base}/stats`, { dispatcher: agent });
      const { streamsCutOff } = (await stats.body.json()) as { streamsCutOff: number };
      return streamsCutOff === 1;
    }, 'the app to count the stream as cut off');
    // HTTP-DISC-4: a ClientDisconnectedError is no application error.
    assert.equal(server.stderr, before);
  });

  it('[LS-5] runs lifespan shutdown on SIGTERM and exits cleanly', async () => {
    server.child.kill('SIGTERM');
    const { code } = await server.exit;
    assert.equal(code, 0, server.stderr);
    assert.match(server.stdout, /hand-written-app: shutdown complete \(1 streams cut off\)/);
  });
});

// ------------------------------------------------------------ under validate()

const HTTP_SCOPE: HttpScope = {
  type: 'http',
  tsgi: { version: '1.0' },
  httpVersion: '1.1',
  method: 'GET',
  scheme: 'http',
  path: '/',
  rawPath: '/',
  queryString: '',
  rootPath: '',
  headers: [['host', 'example.test']],
  client: { host: '127.0.0.1', port: 50000 },
  server: { host: '127.0.0.1', port: 8000 },
  extensions: {},
};

/** An HTTP scope for `method path?query`, with the state lifespan would give. */
function httpScope(method: string, target: string, headers: [string, string][] = []): HttpScope {
  const [path = '/', query = ''] = target.split('?');
  return {
    ...HTTP_SCOPE,
    method,
    path,
    rawPath: path,
    queryString: query,
    headers: [...HTTP_SCOPE.headers, ...headers],
    state: { startedAt: '2025-01-01T00:00:00.000Z', counters: { streamsCutOff: 0 } },
  };
}

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (body: unknown) =>
  typeof body === 'string' ? body : new TextDecoder().decode(body as Uint8Array);

interface Script {
  /** What receive() gives, in order; once used up, receive() never resolves. */
  readonly events: ReceiveEvent[];
  /** The number of send() calls that succeed before the client leaves. */
  readonly clientLeavesAfter?: number;
}

/**
 * Runs `app` under `validate()`, playing a server that gives the scripted
 * events and records what the app sends.
 */
async function runValidated(app: Application, scope: Scope, script: Script) {
  const violations: ProtocolError[] = [];
  const sent: SendEvent[] = [];
  const events = [...script.events];
  let gone = false;
  const receive = async (): Promise<ReceiveEvent> => {
    if (gone) return { type: 'http.disconnect' };
    const event = events.shift();
    return event ?? new Promise<never>(() => {});
  };
  const send = async (event: SendEvent) => {
    if (gone || sent.length === script.clientLeavesAfter) {
      gone = true;
      throw new ClientDisconnectedError();
    }
    sent.push(event);
  };
  let error: unknown = null;
  try {
    await validate(app, { onViolation: (violation) => violations.push(violation) })(
      scope,
      receive,
      send,
    );
  } catch (thrown) {
    error = thrown;
  }
  return { sent, violations, error };
}

describe('examples/hand-written-app under validate()', () => {
  let app: Application;

  before(async () => {
    ({ app } = (await import(APP_MODULE)) as { app: Application });
  });

  it('[HTTP-RESP-7] sends hello world with its content-length', async () => {
    const run = await runValidated(app, httpScope('GET', '/'), {
      events: [{ type: 'http.request', body: new Uint8Array(0), moreBody: false }],
    });
    assert.deepEqual(run.violations, []);
    assert.equal(run.error, null);
    assert.equal(run.sent.length, 2);
    assert.deepEqual(run.sent[0], {
      type: 'http.response.start',
      status: 200,
      headers: [
        ['content-type', 'text/plain; charset=utf-8'],
        ['content-length', '14'],
      ],
    });
    assert.equal(run.sent[1]?.type, 'http.response.body');
    assert.equal(text((run.sent[1] as { body: unknown }).body), 'Hello, world!\n');
  });

  it('[HTTP-RESP-8] sends no body bytes for HEAD', async () => {
    const run = await runValidated(app, httpScope('HEAD', '/'), { events: [] });
    assert.deepEqual(run.violations, []);
    assert.equal(run.error, null);
    assert.equal(text((run.sent[1] as { body: unknown }).body), '');
  });

  it('echoes a body given in three pieces', async () => {
    const run = await runValidated(app, httpScope('POST', '/echo', [['content-length', '13']]), {
      events: [
        { type: 'http.request', body: bytes('one '), moreBody: true },
        { type: 'http.request', body: bytes('two '), moreBody: true },
        { type: 'http.request', body: bytes('three'), moreBody: false },
      ],
    });
    assert.deepEqual(run.violations, []);
    assert.equal(run.error, null);
    assert.deepEqual((run.sent[0] as { headers: unknown }).headers, [
      ['content-type', 'application/octet-stream'],
      ['content-length', '13'],
    ]);
    assert.equal(text((run.sent[1] as { body: unknown }).body), 'one two three');
  });

  it('[HTTP-DISC-5] gives up reading the body on http.disconnect', async () => {
    const scope = httpScope('POST', '/echo', [['transfer-encoding', 'chunked']]);
    const run = await runValidated(app, scope, {
      events: [
        { type: 'http.request', body: bytes('half'), moreBody: true },
        { type: 'http.disconnect' },
      ],
    });
    assert.deepEqual(run.violations, []);
    assert.deepEqual(run.sent, []);
    assert.equal((run.error as { code?: unknown } | null)?.code, 'ERR_TSGI_CLIENT_DISCONNECTED');
  });

  it('[HTTP-RESP-5] streams lines and ends the body', async () => {
    const run = await runValidated(app, httpScope('GET', '/stream?n=2'), { events: [] });
    assert.deepEqual(run.violations, []);
    assert.equal(run.error, null);
    assert.deepEqual(
      run.sent.map((event) => event.type),
      ['http.response.start', 'http.response.body', 'http.response.body', 'http.response.body'],
    );
    assert.equal(text((run.sent[1] as { body: unknown }).body), 'line 1 of 2\n');
    assert.deepEqual(run.sent[3], { type: 'http.response.body' });
  });

  it('[HTTP-FAIL-5] returns once the client left mid-stream, and counts it', async () => {
    const scope = httpScope('GET', '/stream?n=100');
    const run = await runValidated(app, scope, { events: [], clientLeavesAfter: 3 });
    assert.deepEqual(run.violations, []);
    assert.equal(run.error, null);
    assert.equal(run.sent.length, 3);
    assert.deepEqual(scope.state?.counters, { streamsCutOff: 1 });
  });

  it('throws before the start on /error, breaking no rule', async () => {
    const run = await runValidated(app, httpScope('GET', '/error'), { events: [] });
    assert.deepEqual(run.violations, []);
    assert.match(String(run.error), /the \/error route always fails/);
    assert.deepEqual(run.sent, []);
  });

  it('[WS-SEND-1] echoes WebSocket messages, text and bytes', async () => {
    const { method: _method, ...fields } = HTTP_SCOPE;
    const scope: WebSocketScope = { ...fields, type: 'websocket', scheme: 'ws', subprotocols: [] };
    const run = await runValidated(app, scope, {
      events: [
        { type: 'websocket.connect' },
        { type: 'websocket.receive', text: 'hello' },
        { type: 'websocket.receive', bytes: bytes('raw') },
        { type: 'websocket.disconnect', code: 1000, reason: '' },
      ],
    });
    assert.deepEqual(run.violations, []);
    assert.equal(run.error, null);
    assert.deepEqual(run.sent, [
      { type: 'websocket.accept' },
      { type: 'websocket.send', text: 'hello' },
      { type: 'websocket.send', bytes: bytes('raw') },
    ]);
  });

  it('[LS-6] answers startup and shutdown once each, and fills the state', async () => {
    const scope: LifespanScope = { type: 'lifespan', tsgi: { version: '1.0' }, state: {} };
    const log = console.log;
    console.log = () => {}; // the app says hello and goodbye on stdout
    try {
      const run = await runValidated(app, scope, {
        events: [{ type: 'lifespan.startup' }, { type: 'lifespan.shutdown' }],
      });
      assert.deepEqual(run.violations, []);
      assert.equal(run.error, null);
      assert.deepEqual(run.sent, [
        { type: 'lifespan.startup.complete' },
        { type: 'lifespan.shutdown.complete' },
      ]);
    } finally {
      console.log = log;
    }
    assert.deepEqual(scope.state.counters, { streamsCutOff: 0 });
    assert.equal(typeof scope.state.startedAt, 'string');
  });

  it('[HTTP-RESP-2] the guide example: validate() rejects a status of 600', async () => {
    const broken: Application = async (_scope, _receive, send) => {
      await send({ type: 'http.response.start', status: 600 });
    };
    const run = await runValidated(broken, httpScope('GET', '/'), { events: [] });
    assert.equal(
      (run.error as Error).message,
      '[HTTP-RESP-2] http.response.start status: expected an integer from 200 to 599, received 600',
    );
    assert.equal(run.violations[0]?.requirement, 'HTTP-RESP-2');
  });
});
