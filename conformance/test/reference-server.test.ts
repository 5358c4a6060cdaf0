// Runs the suite against the reference server (@tsgi/server, started from its
// build with the `tsgi serve` command line) in the ways it is deployed: one
// process on a unix socket under a mount point, HTTPS, and a supervisor with
// two workers on TCP (the whole suite) and on a unix socket. The whole suite
// against one process on TCP runs in pairings.test.ts, as the server side of
// the pairing matrix.
// The reference server must pass every case it is run on; the few results
// that may differ from a pass are listed in TOLERATED (fixtures/reference-server.ts),
// each with its reason. Each run reports its wall time as a test diagnostic.
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { listServerCases, type ServerSuiteOptions, type ServerSuiteResult } from '../src/api.js';
import {
  buildProblem,
  runReferenceSuite,
  serve,
  unexpectedResults,
} from './fixtures/reference-server.js';

const tls = fileURLToPath(new URL('../../packages/server/test/fixtures/tls/', import.meta.url));

/**
 * Runs the suite, reports its wall time, and checks that every result is a
 * pass or tolerated. `mustPass` lists tolerated cases that this run must pass.
 */
async function expectConformant(
  t: TestContext,
  options: Omit<ServerSuiteOptions, 'probeModule' | 'cwd'>,
  mustPass: readonly string[] = [],
): Promise<ServerSuiteResult> {
  const problem = buildProblem();
  assert.equal(problem, null, `${problem}: build the workspace first (npx tsc -b)`);
  const started = performance.now();
  const report = await runReferenceSuite(options);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  t.diagnostic(`${report.results.length} cases in ${seconds} s: ${report.command ?? ''}`);
  assert.deepEqual(unexpectedResults(report.results, mustPass), [], report.formatted);
  assert.equal(report.exitStatus, 0, report.formatted);
  return report;
}

/**
 * Cases whose outcome depends on the transport: the scope's addresses,
 * connections, failures, disconnects, WebSocket and lifespan. The rest (the
 * events, the response framing, malformed requests, the extensions) do not
 * depend on how the connection arrived, and the TCP runs check them.
 */
const UNIX_CASES =
  /^(http\.(scope|paths|headers|request|connection|failure|disconnect|backpressure)\.|websocket\.(scope|echo|messages|closing\.)|lifespan\.(state|shutdown-after-requests))/;
/**
 * The two-worker run on TCP is the whole suite: the probe shares its records
 * through the folder the suite gives it, so any worker answers for another.
 * On a unix socket, two workers add what both of those runs leave out: the
 * socket shared by the workers, the scope's addresses and lifespan in each
 * worker, and records asked for over another connection (which may reach the
 * other worker) for HTTP and WebSocket alike. Everything else is checked
 * once on a unix socket and once with two workers.
 */
const WORKER_UNIX_CASES =
  /^(http\.scope\.|http\.connection\.(keep-alive|concurrent)|http\.disconnect\.(before-start|while-streaming)|server\.events\.one-call-per-request|websocket\.(scope|echo|one-call-per-connection|closing\.(disconnect|refused-event-fails))|lifespan\.(once-before-serving|state|shutdown-after-requests))/;
/** The cases that behave differently over TLS: the scope, the extensions, framing and streaming. */
const TLS_CASES =
  /^(http\.scope\.|http\.extensions\.|http\.connection\.|http\.response\.|http\.backpressure\.slow-reader|websocket\.(scope|echo|messages))/;

describe('the suite against the reference server', () => {
  it('passes one process on a unix socket, under a mount point', async (t) => {
    const report = await expectConformant(t, {
      command: serve('--uds {uds} --root-path {rootPath}'),
      grep: UNIX_CASES,
    });
    assert.match(report.target, /^unix:/);
    assert.match(report.command ?? '', /--root-path \/tsgi-mount/);
    assert.equal(
      report.results.find((result) => result.id === 'http.paths.root-path')?.status,
      'pass',
    );
  });

  it('passes HTTPS, where it checks the TLS facts', async (t) => {
    await expectConformant(
      t,
      {
        command: serve(`--port {port} --certfile "${tls}cert.pem" --keyfile "${tls}key.pem"`),
        tls: true,
        grep: TLS_CASES,
      },
      ['http.extensions.tls'],
    );
  });

  it('passes a supervisor with two workers on TCP on every case', async (t) => {
    const report = await expectConformant(t, {
      command: serve('--port {port} --workers 2'),
    });
    assert.equal(report.results.length, listServerCases().length);
  });

  it('passes a supervisor with two workers on a unix socket', async (t) => {
    const report = await expectConformant(t, {
      command: serve('--uds {uds} --workers 2'),
      grep: WORKER_UNIX_CASES,
    });
    assert.match(report.target, /^unix:/);
  });
});
