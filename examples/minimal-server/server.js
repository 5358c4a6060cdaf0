/**
 * A minimal TSGI server: HTTP/1.1 on node:http, in one file.
 *
 * A teaching example, the companion of docs/writing-a-server.md: it shows how
 * a server builds scopes and drives an application with the sans-IO protocol
 * machines of the `tsgi` package. It serves HTTP only (no WebSocket, TLS or
 * HTTP/2) and has no settings. For real use, run the reference server,
 * `@tsgi/server`: `tsgi serve app.js:app`.
 *
 * Usage: node server.js <module.js[:export]> <port> [host]
 * Port 0 picks a free port; the server prints the address it listens on.
 * SIGTERM or SIGINT stops it: in-flight requests finish, then lifespan shutdown runs.
 */

import { existsSync } from 'node:fs';
import http from 'node:http';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  ClientDisconnectedError,
  HttpExchange,
  LifespanCycle,
  listsToken,
  TSGI_VERSION,
} from 'tsgi';

const STARTUP_TIMEOUT_MS = 10_000; // LS-8
const STOP_TIMEOUT_MS = 10_000; // LS-5: for in-flight requests, then for lifespan shutdown
const decoder = new TextDecoder(); // not fatal: invalid UTF-8 becomes U+FFFD (HTTP-SCOPE-6)

/** Loads `path/to/module.js:exportName`, or the default export without `:name` (LOAD-1). */
async function loadApp(reference) {
  // The name is the text after the last ':' when it is an identifier: never a drive letter.
  const match = /^(.+):([A-Za-z_$][\w$]*)$/.exec(reference);
  const [file, name] = match ? [match[1], match[2]] : [reference, 'default'];
  // LOAD-2: say what is missing, in one line, and exit non-zero.
  if (!existsSync(file)) fail(`cannot load ${file}: module not found`);
  const module = await import(pathToFileURL(resolve(file)).href).catch((error) =>
    fail(`cannot load ${file}: ${String(error?.message ?? error).split('\n')[0]}`),
  );
  if (!(name in module)) {
    fail(`${file} has no export "${name}" (it exports: ${Object.keys(module).join(', ')})`);
  }
  const app = module[name];
  if (typeof app !== 'function') {
    fail(`${file}:${name} is not a function (its type is ${typeof app})`);
  }
  return app;
}

function fail(message) {
  console.error(message);
  process.exit(1);
}

/** A promise and the function that resolves it. */
function defer() {
  let settle;
  const promise = new Promise((resolve) => {
    settle = resolve;
  });
  return { promise, resolve: settle };
}

const after = (ms, value) => new Promise((resolve) => setTimeout(resolve, ms, value));

// ---------------------------------------------------------------- the scope

/**
 * Splits the request target, as received, into `rawPath` and `queryString`
 * (HTTP-SCOPE-7, HTTP-SCOPE-8). An absolute-form target (`http://host/p?q`,
 * as sent to proxies) also gives the authority that becomes `host` (HTTP-SCOPE-18).
 */
function splitTarget(target) {
  const absolute = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?]*)(.*)$/.exec(target);
  const rest = absolute ? absolute[2] : target;
  const question = rest.indexOf('?');
  return {
    rawPath: (question === -1 ? rest : rest.slice(0, question)) || '/',
    queryString: question === -1 ? '' : rest.slice(question + 1),
    authority: absolute ? absolute[1] : null,
  };
}

/**
 * Percent-decodes a path and reads the bytes as UTF-8 (HTTP-SCOPE-6): `%2F` is
 * decoded like any escape, a `%` without two hex digits stays, nothing else
 * changes. node:http admits only ASCII in a target, one byte per character.
 */
function decodePath(rawPath) {
  if (!rawPath.includes('%')) return rawPath;
  const bytes = [];
  for (let i = 0; i < rawPath.length; i++) {
    const hex = rawPath.slice(i + 1, i + 3);
    if (rawPath[i] === '%' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(rawPath.charCodeAt(i));
    }
  }
  return decoder.decode(Uint8Array.from(bytes));
}

/**
 * The request headers from `req.rawHeaders`: one pair per field line, names in
 * lowercase, order and duplicates kept (HTTP-SCOPE-10), every `cookie` field
 * joined into the first (HTTP-SCOPE-12), and for an absolute-form target one
 * `host` pair holding its authority (HTTP-SCOPE-18). node:http already reads
 * values as Latin-1 and trims them (HTTP-SCOPE-15).
 */
function requestHeaders(raw, authority) {
  const headers = authority === null ? [] : [['host', authority]];
  let cookie = null;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i].toLowerCase(); // names are tokens, plain ASCII
    if (name === 'host' && authority !== null) continue;
    if (name === 'cookie' && cookie !== null) {
      cookie[1] += `; ${raw[i + 1]}`;
    } else {
      headers.push([name, raw[i + 1]]);
      if (name === 'cookie') cookie = headers.at(-1);
    }
  }
  return headers;
}

/** Builds the scope of one request (section 3.1 of the spec). */
function buildScope(req, target, state) {
  const { socket } = req;
  const headers = requestHeaders(req.rawHeaders, target.authority);
  // EXT-TRAILERS-1: trailers only for a client that asked for them, on HTTP/1.1.
  const te = headers.filter(([name]) => name === 'te').map(([, value]) => value);
  const trailers = req.httpVersion === '1.1' && listsToken(te, 'trailers');
  return {
    type: 'http',
    tsgi: { version: TSGI_VERSION },
    httpVersion: req.httpVersion === '1.0' ? '1.0' : '1.1',
    method: req.method,
    scheme: 'http',
    path: decodePath(target.rawPath),
    rawPath: target.rawPath,
    queryString: target.queryString,
    rootPath: '',
    headers,
    client: socket.remoteAddress ? { host: socket.remoteAddress, port: socket.remotePort } : null,
    server: socket.localAddress ? { host: socket.localAddress, port: socket.localPort } : null,
    ...(state && { state: { ...state } }), // LS-STATE-1: a shallow copy per request
    extensions: trailers ? { 'http.response.trailers': {} } : {},
  };
}

/**
 * What node:http lets through but a TSGI server refuses before the app sees it
 * (HTTP-CONN-3). node:http itself refuses the other ambiguous framings (SEC-1 to SEC-3).
 */
function refusal(req, rawPath) {
  const hosts = req.rawHeaders.filter((field, i) => i % 2 === 0 && /^host$/i.test(field));
  if (req.httpVersion === '1.1' && hosts.length !== 1) return 'one host field expected (SEC-4)';
  const te = req.headers['transfer-encoding'];
  if (te !== undefined && (req.httpVersion === '1.0' || !/(^|,)[ \t]*chunked[ \t]*$/i.test(te))) {
    return 'transfer-encoding in HTTP/1.0, or not ending in chunked (SEC-5)';
  }
  if (!rawPath.startsWith('/') && rawPath !== '*') return 'a target TSGI cannot express';
  return null;
}

/** Connections that sent a request the server refused: nothing more is read from them. */
const refusedConnections = new WeakSet();

// ------------------------------------------------------------- one exchange

/**
 * Serves one request: builds its scope, calls the app, and does what the
 * HttpExchange machine says about each receive(), each send() and the end.
 */
async function serveRequest(app, state, req, res) {
  if (refusedConnections.has(req.socket)) return; // a request pipelined behind a refused one
  const target = splitTarget(req.url);
  const refused = refusal(req, target.rawPath);
  if (refused !== null) {
    // HTTP-CONN-2: answer 400, close the connection, process nothing more from it.
    refusedConnections.add(req.socket);
    res.writeHead(400, [['connection', 'close']]);
    res.end(`Bad Request: ${refused}\n`, () => req.socket.destroy());
    return;
  }
  const scope = buildScope(req, target, state);
  const exchange = new HttpExchange(scope);
  const over = defer(); // the response is complete or the client left
  let clientGone = false;
  let abortWrite = () => {};
  const leave = () => {
    if (clientGone) return;
    clientGone = true;
    exchange.clientDisconnected();
    over.resolve();
    abortWrite();
  };
  res.on('close', () => {
    if (!res.writableFinished) leave(); // the connection closed under the response
  });

  let body = null; // the request body, read one chunk per receive() (HTTP-BP-2)
  const receive = async () => {
    const action = exchange.receive();
    if (action.kind === 'wait') await over.promise; // the body is all read (HTTP-DISC-3)
    if (action.kind !== 'read') return exchange.deliver({ type: 'http.disconnect' });
    if (action.sendContinue) res.writeContinue(); // HTTP-REQ-5: the app asked for the body
    body ??= req[Symbol.asyncIterator]();
    const next = await body.next().catch(() => null); // rejects when the body is cut off
    if (next === null || clientGone) {
      leave();
      return exchange.deliver({ type: 'http.disconnect' }); // HTTP-REQ-4, HTTP-DISC-1
    }
    if (next.done && exchange.requestState !== 'receiving-body') {
      await over.promise; // calls overlapped, and an earlier one gave the end of the body
      return exchange.deliver({ type: 'http.disconnect' });
    }
    const last = next.done || (req.complete && req.readableLength === 0);
    const piece = next.value ?? new Uint8Array(0);
    return exchange.deliver({ type: 'http.request', body: piece, moreBody: !last });
  };

  // Resolves when node:http calls back, once the socket took the bytes (HTTP-BP-1).
  // node:http never calls back on a destroyed socket, hence `abortWrite`.
  const write = (bytes, end) =>
    new Promise((resolve, reject) => {
      abortWrite = () => reject(new ClientDisconnectedError());
      if (clientGone) return abortWrite();
      const written = (error) => (error ? abortWrite() : resolve());
      if (end) res.end(bytes, written);
      else res.write(bytes, written);
    });

  let head = null;
  const send = async (event) => {
    const action = exchange.send(event); // throws the ProtocolError that rejects the send (SRV-3)
    switch (action.kind) {
      case 'disconnected':
        throw new ClientDisconnectedError(); // HTTP-DISC-2
      case 'start':
        head = action; // written with the first body event (HTTP-RESP-9)
        return;
      case 'body': {
        const bytes = typeof action.body === 'string' ? Buffer.from(action.body) : action.body;
        if (head !== null) writeHead(res, head, action.done ? bytes.byteLength : null);
        head = null;
        await write(bytes, action.complete);
        if (action.complete) over.resolve();
        return;
      }
      case 'trailers':
        res.addTrailers(action.headers); // EXT-TRAILERS-3
        await write(null, true);
        over.resolve();
        return;
      default:
        // Never 'file' or 'early-hints': this server advertises neither (EXT-1).
        throw new Error(`unexpected action ${action.kind}`);
    }
  };

  let settlement;
  try {
    await app(scope, receive, send);
    settlement = exchange.appReturned();
  } catch (error) {
    settlement = exchange.appThrew(error);
  }
  if (settlement.log) console.error('application error:', settlement.error); // never for a disconnect
  if (settlement.action === 'respond-500' && !clientGone) {
    // HTTP-FAIL-1, HTTP-FAIL-3: a 500 that reveals nothing of the error.
    res.writeHead(500, [
      ['content-type', 'text/plain'],
      ['content-length', '22'],
    ]);
    res.end('Internal Server Error\n');
  } else if (settlement.action === 'abort') {
    req.socket.resetAndDestroy(); // HTTP-FAIL-2: a TCP reset never looks like a complete response
    return;
  }
  // HTTP-REQ-6: drop what the app left of the body so the connection can go on.
  // (node:http does it itself only when the app read nothing.)
  if (body !== null && !req.complete) {
    (async () => {
      while (!(await body.next()).done);
    })().catch(() => {});
  }
}

/**
 * Writes the status line and headers. The framing fields belong to the server
 * (HTTP-RESP-13): node:http frames the body from what is left.
 */
function writeHead(res, head, knownLength) {
  const headers = [];
  for (const [name, value] of head.headers) {
    if (name === 'transfer-encoding' || name === 'keep-alive') continue;
    if (name === 'connection') {
      if (listsToken([value], 'close')) headers.push([name, 'close']); // HTTP-CONN-4
    } else if (name !== 'content-length' || (head.status !== 204 && !head.trailers)) {
      headers.push([name, value]); // no content-length on 204 (HTTP-RESP-10) or with trailers
    }
  }
  // HTTP-RESP-9: a body known in full before anything is written gets a content-length.
  const unknown = head.framing === 'chunked' || head.framing === 'close';
  if (unknown && !head.trailers && knownLength !== null) {
    headers.push(['content-length', String(knownLength)]);
  }
  res.writeHead(head.status, headers);
}

// ----------------------------------------------------------------- lifespan

/**
 * Runs the lifespan with the LifespanCycle machine: startup before the server
 * listens (LS-1, LS-2), shutdown when `shutdown()` is called (LS-5).
 */
async function startLifespan(app) {
  const cycle = new LifespanCycle();
  const scope = { type: 'lifespan', tsgi: { version: TSGI_VERSION }, state: {} };
  const started = defer(); // null when ready, 'unsupported', or why startup failed
  const stopping = defer();
  const stopped = defer();

  const receive = async () => {
    if (cycle.receive().kind === 'startup') return cycle.deliver({ type: 'lifespan.startup' });
    await stopping.promise; // 'wait': nothing more until the server stops
    return cycle.deliver({ type: 'lifespan.shutdown' });
  };
  const send = async (event) => {
    const action = cycle.send(event); // throws the ProtocolError that rejects the send
    if (action.kind === 'startup-complete') started.resolve(null);
    if (action.kind === 'startup-failed') started.resolve(action.message || 'no message');
    if (action.kind === 'shutdown-failed') console.error(`shutdown failed: ${action.message}`);
    if (action.kind.startsWith('shutdown')) stopped.resolve();
  };

  (async () => {
    let settlement;
    try {
      await app(scope, receive, send);
      settlement = cycle.appReturned();
    } catch (error) {
      settlement = cycle.appThrew(error);
    }
    if (settlement.log) console.error('application error in lifespan:', settlement.error);
    if (settlement.action === 'unsupported') started.resolve('unsupported');
    if (settlement.action === 'startup-failed') started.resolve(settlement.message);
    stopped.resolve(); // no answer left to wait for
  })();

  const timeout = `no answer to lifespan.startup in ${STARTUP_TIMEOUT_MS} ms`;
  const outcome = await Promise.race([started.promise, after(STARTUP_TIMEOUT_MS, timeout)]);
  if (outcome === 'unsupported') {
    console.warn('the application does not support lifespan; serving without it'); // LS-4
    return { state: undefined, shutdown: async () => {} };
  }
  if (outcome !== null) fail(`lifespan startup failed: ${outcome}`); // LS-3
  const shutdown = async () => {
    stopping.resolve();
    await Promise.race([stopped.promise, after(STOP_TIMEOUT_MS)]);
  };
  return { state: scope.state, shutdown };
}

// --------------------------------------------------------------------- main

const [reference, portText = '8000', host = '127.0.0.1'] = process.argv.slice(2);
const port = Number(portText);
if (reference === undefined || !Number.isInteger(port) || port < 0 || port > 65535) {
  fail('usage: node server.js <module.js[:export]> <port> [host]');
}
const app = await loadApp(reference);
const lifespan = await startLifespan(app);

const inFlight = new Set();
const onRequest = (req, res) => {
  const served = serveRequest(app, lifespan.state, req, res).catch((error) => {
    console.error('server error:', error);
    req.socket.destroy();
  });
  inFlight.add(served);
  served.finally(() => inFlight.delete(served));
};
// The host check is ours (SEC-4): node:http's would go on with pipelined requests.
const server = http.createServer({ requireHostHeader: false }, onRequest);
server.on('checkContinue', onRequest); // so that node:http leaves 100 Continue to us
server.on('connect', (_req, socket) => {
  // A CONNECT request cannot be expressed as a TSGI scope.
  socket.end('HTTP/1.1 501 Not Implemented\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
});
server.on('error', (error) => fail(`cannot listen on ${host}:${port}: ${error.message}`));
server.listen(port, host, () => {
  console.log(`listening on http://${host}:${server.address().port}`);
});

let stopping = false;
const stop = async () => {
  if (stopping) process.exit(1); // a second signal: stop now
  stopping = true;
  server.close(); // no new connections; idle ones close
  await Promise.race([Promise.allSettled(inFlight), after(STOP_TIMEOUT_MS)]);
  server.closeAllConnections(); // abort what did not finish in time (LS-5)
  await lifespan.shutdown();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
