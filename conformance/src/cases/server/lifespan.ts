/**
 * Lifespan and loading: startup before serving, the state copied into
 * scopes, startup failures, apps without lifespan, shutdown after in-flight
 * requests, and how a server loads (or refuses to load) an app. Most of these
 * start their own instance of the server, so they need `--command`.
 *
 * @module
 */

import { expectEqual, expectThat, show } from '../../assert.js';
import { defineGroup } from '../../case.js';
import { RawConnection } from '../../clients/raw-http.js';
import {
  LIFESPAN_ENV,
  LIFESPAN_STATE,
  type LifespanMode,
  startupFailureMessage,
} from '../../probe/constants.js';
import { decode } from '../../probe/wire.js';
import type { ServerContext } from '../../server-context.js';
import type { ServerProcess } from '../../server-process.js';
import { jsonBody, readResponseFor } from './helpers.js';

async function stateOf(
  context: ServerContext,
  requirement: string,
  server?: ServerProcess,
): Promise<{ hasState: unknown; state: unknown }> {
  const connection = server === undefined ? await context.raw() : await context.raw(server.target);
  const target = server?.target ?? context.target;
  await connection.write(
    `GET ${target.rootPath}/state HTTP/1.1\r\nHost: ${target.authority}\r\n\r\n`,
  );
  const response = await readResponseFor(requirement, 'the answer to /state', connection);
  const value = jsonBody(requirement, 'the answer to /state', response) as {
    hasState?: unknown;
    state?: unknown;
  };
  connection.destroy();
  return { hasState: value.hasState, state: decode(value.state) };
}

async function failingStartup(context: ServerContext, mode: LifespanMode): Promise<void> {
  const server = await context.launch({ env: { [LIFESPAN_ENV]: mode }, waitReady: false });
  const ended = await server.waitExit(15_000);
  expectThat(
    'LS-3',
    `the server whose app's startup ended with ${mode}`,
    ended,
    'to stop',
    'still running after 15 s',
  );
  const status = server.exitStatus;
  expectThat(
    'LS-3',
    'the exit status',
    status !== null && status.code !== 0 && status.code !== null,
    'a non-zero exit status',
    show(status),
  );
  if (mode === 'return-startup') return;
  const message = startupFailureMessage(server.instance);
  expectThat(
    'LS-3',
    'the server output',
    server.output().some((line) => line.includes(message)),
    `the app's message ${show(message)}`,
    () => show(server.tail(5)),
  );
}

async function loadFails(context: ServerContext, app: string, ...names: string[]): Promise<void> {
  const server = await context.launch({ app, waitReady: false });
  const ended = await server.waitExit(15_000);
  expectThat(
    'LOAD-2',
    `the server given ${show(app)}`,
    ended,
    'to exit',
    'still running after 15 s',
  );
  const status = server.exitStatus;
  expectThat(
    'LOAD-2',
    `the exit status for ${show(app)}`,
    status !== null && status.code !== 0,
    'a non-zero exit status',
    show(status),
  );
  expectThat(
    'LOAD-2',
    `the output for ${show(app)}`,
    server.output().some((line) => names.every((name) => line.includes(name))),
    `one line naming ${names.map((name) => show(name)).join(' and ')}`,
    () => show(server.tail(5)),
  );
}

/** The cases of the `lifespan` group. */
export const lifespanCases = defineGroup<ServerContext>('lifespan', [
  {
    id: 'lifespan.once-before-serving',
    title: 'the app gets one lifespan call per process, before any request',
    requirements: ['LS-1', 'SRV-1', 'VER-1'],
    needs: 'lifespan',
    async run(context) {
      const facts = await context.lifespanFacts();
      expectEqual('SRV-1', 'the lifespan calls of one server process', facts.calls, 1);
      expectEqual('VER-1', 'scope.tsgi.version of the lifespan scope', facts.version, '1.0');
      expectEqual(
        'LS-1',
        'requests that reached the app before the lifespan call',
        facts.requestsBeforeLifespan,
        0,
      );
    },
  },
  {
    id: 'lifespan.startup-awaited',
    title: 'the first lifespan event is startup, and no request comes before startup completes',
    requirements: ['LS-2'],
    needs: 'lifespan',
    async run(context) {
      const facts = await context.lifespanFacts();
      expectEqual(
        'LS-2',
        'a first lifespan event other than lifespan.startup',
        facts.unexpectedFirstEvent,
        null,
      );
      expectThat(
        'LS-2',
        'lifespan.startup.complete',
        typeof facts.completeAt === 'number',
        'sent by the probe',
        show(facts.completeAt),
      );
      expectEqual(
        'LS-2',
        'requests that reached the app before startup completed',
        facts.requestsBeforeReady,
        0,
      );
    },
  },
  {
    id: 'lifespan.state',
    title: 'the lifespan scope has a state object, and each request gets a shallow copy of it',
    requirements: ['LS-STATE-1'],
    needs: 'lifespan',
    async run(context) {
      const facts = await context.lifespanFacts();
      expectEqual(
        'LS-STATE-1',
        'whether the lifespan scope held a state object',
        facts.stateGiven,
        true,
      );
      const first = await stateOf(context, 'LS-STATE-1');
      expectEqual('LS-STATE-1', 'scope.state of a request', first.state, { ...LIFESPAN_STATE });
      const second = await stateOf(context, 'LS-STATE-1');
      expectEqual(
        'LS-STATE-1',
        'scope.state of the next request (after the first changed its copy)',
        second.state,
        { ...LIFESPAN_STATE },
      );
    },
  },
  {
    id: 'lifespan.startup-failure-stops',
    title:
      "a failed, throwing or unanswered startup stops the server with a non-zero status (and the app's message)",
    requirements: ['LS-3'],
    requires: ['process'],
    needs: 'lifespan',
    timeoutMs: 60_000,
    async run(context) {
      await failingStartup(context, 'fail-startup');
      await failingStartup(context, 'throw-startup');
      await failingStartup(context, 'return-startup');
    },
  },
  {
    id: 'lifespan.unsupported',
    title:
      'an app that settles before its first receive() is served without lifespan and without state',
    requirements: ['LS-4'],
    requires: ['process'],
    timeoutMs: 60_000,
    async run(context) {
      for (const mode of ['unsupported-throw', 'unsupported-return'] as const) {
        const server = await context.launch({ env: { [LIFESPAN_ENV]: mode } });
        const { hasState } = await stateOf(context, 'LS-4', server);
        expectEqual(
          'LS-4',
          `whether a request scope has state when the app ${mode === 'unsupported-throw' ? 'threw' : 'returned'} for lifespan`,
          hasState,
          false,
        );
        await server.stop(5000);
      }
    },
  },
  {
    id: 'lifespan.shutdown-after-requests',
    title: 'on stopping, in-flight requests finish first, then lifespan.shutdown runs',
    requirements: ['LS-5'],
    requires: ['process'],
    needs: 'lifespan',
    timeoutMs: 45_000,
    async run(context) {
      const server = await context.launch({});
      const connection = await RawConnection.open(server.target);
      context.defer(() => connection.destroy());
      await connection.write(
        `GET ${server.target.rootPath}/delay?ms=1000&id=inflight HTTP/1.1\r\nHost: ${server.target.authority}\r\n\r\n`,
      );
      await context.sleep(300);
      server.signal('SIGTERM');
      const response = await connection
        .readResponse({ timeoutMs: 10_000 })
        .catch((error: Error) => error);
      expectThat(
        'LS-5',
        'the request in flight when the server was told to stop',
        !(response instanceof Error) &&
          response !== null &&
          response.complete &&
          Buffer.from(response.body).toString() === 'id=inflight',
        'a complete answer "id=inflight"',
        () =>
          response instanceof Error
            ? response.message
            : show(response && Buffer.from(response.body).toString()),
      );
      const ended = await server.waitExit(20_000);
      expectThat('LS-5', 'the server after SIGTERM', ended, 'to stop', 'still running after 20 s');
      // Lifespan runs once per process (LS-1): a server with several worker
      // processes shuts each down on its own, so only the process that
      // served the request in flight is judged.
      const log = server.log();
      const servedBy = log.find(
        (entry) => entry.event === 'request' && String(entry.path).endsWith('/delay'),
      )?.pid;
      const events = log
        .filter((entry) => servedBy === undefined || entry.pid === servedBy)
        .map(
          (entry) =>
            `${String(entry.event)}${entry.path === undefined ? '' : ` ${String(entry.path)}`}`,
        );
      const requestEnd = events.findIndex(
        (event) => event.startsWith('request-end') && event.includes('/delay'),
      );
      const shutdown = events.indexOf('shutdown');
      expectThat('LS-5', 'the probe log', shutdown >= 0, 'a lifespan.shutdown event', show(events));
      expectThat(
        'LS-5',
        'the probe log',
        requestEnd >= 0 && requestEnd < shutdown,
        'the in-flight request to end before lifespan.shutdown',
        show(events),
      );
      expectThat(
        'LS-5',
        'the probe log',
        events.includes('shutdown-complete'),
        'lifespan.shutdown.complete sent before the process ended',
        show(events),
      );
    },
  },
]);

/** The cases of the `server.loading` group. */
export const loadingCases = defineGroup<ServerContext>('server.loading', [
  {
    id: 'server.loading.default-export',
    title: 'an app given as a module path without ":name" is its default export',
    requirements: ['LOAD-1'],
    requires: ['process'],
    timeoutMs: 30_000,
    async run(context) {
      const server = await context.launch({ app: context.probeModule });
      const { hasState } = await stateOf(context, 'LOAD-1', server);
      expectThat(
        'LOAD-1',
        'the app loaded from the default export',
        typeof hasState === 'boolean',
        'the probe answering',
        show(hasState),
      );
    },
  },
  {
    id: 'server.loading.errors',
    title: 'a missing module, export or function stops the server with a one-line reason',
    requirements: ['LOAD-2'],
    requires: ['process'],
    timeoutMs: 60_000,
    async run(context) {
      const cut = context.probeModule.lastIndexOf('/');
      const dir = context.probeModule.slice(0, cut);
      const file = context.probeModule.slice(cut + 1);
      await loadFails(context, `${dir}/no-such-module.js:app`, 'no-such-module.js');
      await loadFails(context, `${context.probeModule}:noSuchExport`, file, 'noSuchExport');
      await loadFails(context, `${context.probeModule}:notAnApp`, file, 'notAnApp');
    },
  },
]);
