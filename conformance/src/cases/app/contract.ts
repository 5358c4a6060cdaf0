/**
 * The application contract of spec section 2.1 and the versioning rules of
 * section 7: a function that returns a promise, a read-only scope, one send
 * at a time, no call after settling, sent bytes left alone, unknown fields
 * ignored, and a loud refusal of what the application cannot handle.
 *
 * @module
 */

import type { HttpScope, ReceiveEvent, Scope } from 'tsgi';
import type { AppContext } from '../../app/context.js';
import { describeThrown } from '../../app/finding.js';
import { judgeHttp } from '../../app/http-driver.js';
import { expectThat, fail } from '../../assert.js';
import { defineGroup } from '../../case.js';
import { everyPath, JSON_BODY, JSON_HEADERS, pieces } from './helpers.js';
import { callWithUnknownScope, UNKNOWN_SCOPE_TYPE, unknownVersionPlan } from './invitations.js';

/** A field no TSGI version defines, added to scopes and events to check VER-2. */
const UNKNOWN_FIELD = 'conformanceFutureField';

/** An extension key of a package that defines it, which the application cannot know. */
const UNKNOWN_EXTENSION = '@tsgi/conformance.future';

function withUnknownFields(scope: Scope): Scope {
  const extensions = (scope as HttpScope).extensions ?? {};
  return {
    ...scope,
    [UNKNOWN_FIELD]: { added: 'by a later version' },
    extensions: { ...extensions, [UNKNOWN_EXTENSION]: {} },
  } as unknown as Scope;
}

function eventWithUnknownField(event: ReceiveEvent): ReceiveEvent {
  return { ...event, [UNKNOWN_FIELD]: true } as unknown as ReceiveEvent;
}

/** Checks VER-2 on one request: the answer with unknown fields is the answer without them. */
async function compareWithUnknownFields(
  context: AppContext,
  base: Parameters<AppContext['http']>[0],
): Promise<void> {
  const plain = await context.checkedHttp(base);
  const extended = await context.http({
    ...base,
    scope: withUnknownFields,
    event: eventWithUnknownField,
    note: `with a field ${UNKNOWN_FIELD} in the scope and events and an extension ${UNKNOWN_EXTENSION}`,
  });
  const before = plain.response;
  const after = extended.response;
  if (before?.outcome === 'complete' && after?.outcome !== 'complete') {
    const end = extended.observer.end;
    const thrown = end?.threw ? `; it threw ${describeThrown(end.error)}` : '';
    fail(
      'VER-2',
      extended.label,
      `the response the same request got without unknown fields (status ${before.status})`,
      `${after === null ? 'no settle' : `outcome ${after.outcome}`}${thrown}`,
    );
  }
  judgeHttp(extended, context.settings.limits);
  if (before?.outcome === 'complete' && after !== null) {
    expectThat(
      'VER-2',
      `${extended.label}: status`,
      after.status === before.status,
      `${before.status}, as without unknown fields`,
      String(after.status),
    );
  }
}

/** The cases of the `app.contract` group. */
export const contractCases = defineGroup<AppContext>('app.contract', [
  {
    id: 'app.contract.returns-promise',
    title: 'the application is a function that returns a promise, which settles',
    requirements: ['APP-1'],
    async run(context) {
      await everyPath(context, (path) => [{ path }, { path, method: 'HEAD' }]);
    },
  },
  {
    id: 'app.contract.scope-read-only',
    title: 'the application changes nothing in its scope but scope.state',
    requirements: ['APP-2'],
    async run(context) {
      await everyPath(context, (path) => [
        { path, headers: [['cookie', 'a=1; b=2']] },
        { path, method: 'POST', headers: JSON_HEADERS, body: JSON_BODY },
      ]);
    },
  },
  {
    id: 'app.contract.sequential-sends',
    title: 'with a slow client, the application awaits each send() before the next',
    requirements: ['APP-4'],
    async run(context) {
      await everyPath(context, (path) => [
        { path, slow: true, note: 'read slowly' },
        { path, method: 'POST', body: pieces(8), slow: true, note: 'read slowly' },
      ]);
    },
  },
  {
    id: 'app.contract.no-calls-after-settling',
    title: 'the application calls neither send() nor receive() after it settled',
    requirements: ['APP-5'],
    async run(context) {
      await everyPath(context, (path) => [
        { path, watchLate: true },
        { path, method: 'POST', body: pieces(4), watchLate: true },
        { path, disconnect: 'after-start', watchLate: true, note: 'that leaves after the start' },
      ]);
    },
  },
  {
    id: 'app.contract.bytes-unchanged',
    title: 'the application leaves the bytes it sent unchanged',
    requirements: ['APP-6'],
    async run(context) {
      await everyPath(context, (path) => [
        { path, watchLate: true },
        { path, method: 'POST', body: pieces(8), watchLate: true },
        { path, slow: true, watchLate: true, note: 'read slowly' },
      ]);
    },
  },
  {
    id: 'app.contract.unknown-fields',
    title: 'the application ignores scope fields, event fields and extensions it does not know',
    requirements: ['VER-2'],
    async run(context) {
      for (const path of context.paths) {
        await compareWithUnknownFields(context, { path });
        await compareWithUnknownFields(context, {
          path,
          method: 'POST',
          headers: JSON_HEADERS,
          body: JSON_BODY,
        });
      }
    },
  },
  {
    id: 'app.contract.unknown-scope-type',
    title: 'the application throws for a scope type it does not handle',
    requirements: ['APP-3'],
    level: 'SHOULD',
    async run(context) {
      const { observer, settled } = await callWithUnknownScope(context);
      const end = observer.end;
      expectThat(
        'APP-3',
        `a scope of type ${JSON.stringify(UNKNOWN_SCOPE_TYPE)}`,
        settled && end?.threw === true,
        'a rejected promise',
        settled
          ? 'a promise that resolved'
          : `neither a throw nor a return within ${context.settings.limits.settleTimeoutMs} ms`,
      );
    },
  },
  {
    id: 'app.contract.unknown-major-version',
    title: 'the application refuses, by throwing, a major version it does not know',
    requirements: ['VER-3'],
    level: 'SHOULD',
    async run(context) {
      const run = await context.http(unknownVersionPlan(context.paths[0] as string));
      const end = run.observer.end;
      expectThat(
        'VER-3',
        run.label,
        end?.threw === true,
        'a rejected promise',
        end === null
          ? 'no settle'
          : `a promise that resolved, with status ${run.response?.status ?? 'none'}`,
      );
    },
  },
]);
