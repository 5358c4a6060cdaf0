import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AssertionFailure,
  type ConformanceCase,
  defineCase,
  defineGroup,
  HarnessError,
  Unsupported,
} from '../src/case.js';
import { buildReport, ExitStatus, exitStatusOf } from '../src/report.js';
import { runCases, selectCases } from '../src/runner.js';

class Context {
  disposed = 0;
  async dispose(): Promise<void> {
    this.disposed += 1;
  }
}

function make(
  id: string,
  run: (context: Context) => Promise<void>,
  extra: Partial<ConformanceCase<Context>> = {},
): ConformanceCase<Context> {
  return defineCase<Context>({
    id: `demo.${id}`,
    group: 'demo',
    title: `the ${id} case`,
    requirements: ['HTTP-SCOPE-6'],
    run,
    ...extra,
  });
}

describe('the case model', () => {
  it('refuses malformed declarations', () => {
    assert.throws(() => make('Bad Id', async () => {}), /not a dotted lowercase name/);
    assert.throws(
      () =>
        defineCase({
          id: 'other.x',
          group: 'demo',
          title: 't',
          requirements: ['SRV-1'],
          run: async () => {},
        }),
      /does not start with its group/,
    );
    assert.throws(() => make('x', async () => {}, { requirements: [] }), /no requirement/);
    assert.throws(
      () => make('x', async () => {}, { requirements: ['not-an-id'] }),
      /is not a requirement ID/,
    );
  });

  it('defines a group, putting the group on every case', () => {
    const cases = defineGroup<Context>('demo', [
      { id: 'demo.a', title: 'a', requirements: ['SRV-1'], run: async () => {} },
    ]);
    assert.equal(cases[0]?.group, 'demo');
  });

  it('formats an assertion failure as [ID] what: expected X, actual Y', () => {
    const failure = new AssertionFailure('HTTP-SCOPE-6', 'scope.path', '"/a/b"', '"/a%2Fb"');
    assert.equal(failure.message, '[HTTP-SCOPE-6] scope.path: expected "/a/b", actual "/a%2Fb"');
    assert.equal(failure.code, 'ERR_TSGI_CONFORMANCE_ASSERTION');
  });
});

describe('runCases', () => {
  it('classifies pass, fail, warn, skipped-unsupported and error', async () => {
    const cases = [
      make('passes', async () => {}),
      make('fails', async () => {
        throw new AssertionFailure('HTTP-SCOPE-6', 'scope.path', '"/a"', '"/b"');
      }),
      make(
        'warns',
        async () => {
          throw new AssertionFailure('HTTP-RESP-14', 'date', 'a date', 'none');
        },
        { level: 'SHOULD', requirements: ['HTTP-RESP-14'] },
      ),
      make('skips', async () => {
        throw new Unsupported('no such extension');
      }),
      make('errs', async () => {
        throw new TypeError('boom');
      }),
    ];
    const { results, harnessError } = await runCases({ cases, createContext: () => new Context() });
    assert.equal(harnessError, null);
    assert.deepEqual(
      results.map((result) => [result.id, result.status]),
      [
        ['demo.passes', 'pass'],
        ['demo.fails', 'fail'],
        ['demo.warns', 'warn'],
        ['demo.skips', 'skipped-unsupported'],
        ['demo.errs', 'error'],
      ],
    );
    const failed = results[1];
    assert.equal(failed?.requirement, 'HTTP-SCOPE-6');
    assert.equal(failed?.expected, '"/a"');
    assert.equal(failed?.actual, '"/b"');
    const erred = results[4];
    assert.equal(erred?.requirement, 'HTTP-SCOPE-6');
    assert.match(erred?.actual ?? '', /TypeError: boom/);
    assert.equal(exitStatusOf(results, null), ExitStatus.FAIL);
    assert.equal(
      exitStatusOf(
        results.filter((result) => result.status !== 'fail' && result.status !== 'error'),
        null,
      ),
      ExitStatus.PASS,
    );
  });

  it('fails a case that hangs with its requirement IDs, and disposes its context', async () => {
    const contexts: Context[] = [];
    const started = Date.now();
    const { results } = await runCases({
      cases: [
        make('hangs', () => new Promise(() => {}), {
          timeoutMs: 100,
          requirements: ['HTTP-DISC-1', 'HTTP-DISC-2'],
        }),
      ],
      createContext: () => {
        const context = new Context();
        contexts.push(context);
        return context;
      },
    });
    assert.ok(Date.now() - started < 2000);
    assert.equal(results[0]?.status, 'fail');
    assert.match(results[0]?.message ?? '', /HTTP-DISC-1, HTTP-DISC-2/);
    assert.match(results[0]?.message ?? '', /within 100 ms/);
    assert.equal(contexts[0]?.disposed, 1);
  });

  it('skips cases whose capability or facility is missing, without running them', async () => {
    let ran = false;
    const { results } = await runCases({
      cases: [
        make(
          'needs',
          async () => {
            ran = true;
          },
          { needs: 'http.response.trailers' },
        ),
        make(
          'requires',
          async () => {
            ran = true;
          },
          { requires: ['process'] },
        ),
      ],
      createContext: () => new Context(),
      lacks: async (capability) => `no ${capability}`,
    });
    assert.equal(ran, false);
    assert.deepEqual(
      results.map((result) => [result.status, result.message]),
      [
        ['skipped-unsupported', 'no http.response.trailers'],
        ['skipped-unsupported', 'needs the process facility, which this run does not offer'],
      ],
    );
  });

  it('stops at a harness problem and reports it', async () => {
    let healthy = true;
    const { results, harnessError } = await runCases({
      cases: [
        make('one', async () => {
          healthy = false;
        }),
        make('two', async () => {}),
      ],
      createContext: () => new Context(),
      health: () => (healthy ? null : new HarnessError('the server exited', ['last line'])),
    });
    assert.equal(results.length, 1);
    assert.equal(harnessError?.message, 'the server exited');
    assert.equal(exitStatusOf(results, harnessError), ExitStatus.HARNESS);
  });

  it('runs a few cases at once, but an exclusive case alone', async () => {
    let running = 0;
    const overlaps: Record<string, number> = {};
    const track = (id: string) => async (): Promise<void> => {
      running += 1;
      overlaps[id] = Math.max(overlaps[id] ?? 0, running);
      await new Promise((resolve) => setTimeout(resolve, 50));
      overlaps[id] = Math.max(overlaps[id] ?? 0, running);
      running -= 1;
    };
    await runCases({
      cases: [
        make('a', track('a')),
        make('b', track('b')),
        make('alone', track('alone'), { exclusive: true }),
        make('c', track('c')),
      ],
      createContext: () => new Context(),
      concurrency: 3,
    });
    assert.equal(overlaps.alone, 1);
    assert.equal(overlaps.a, 2);
  });
});

describe('selectCases', () => {
  const cases = [
    make('paths', async () => {}, { requirements: ['HTTP-SCOPE-6'] }),
    make('other', async () => {}, {
      requirements: ['SEC-1'],
      title: 'content-length with chunked',
    }),
  ];
  it('matches ids, titles and requirement IDs', () => {
    assert.deepEqual(
      selectCases(cases, /paths/).map((c) => c.id),
      ['demo.paths'],
    );
    assert.deepEqual(
      selectCases(cases, /chunked/).map((c) => c.id),
      ['demo.other'],
    );
    assert.deepEqual(
      selectCases(cases, /^SEC-1$/).map((c) => c.id),
      ['demo.other'],
    );
    assert.equal(selectCases(cases).length, 2);
  });
});

describe('buildReport', () => {
  it('counts results and maps a harness problem to exit status 2', () => {
    const report = buildReport({
      target: '127.0.0.1:1',
      command: null,
      specVersion: '1.0',
      startedAt: new Date(),
      results: [],
      harnessError: new HarnessError('never answered', ['out']),
    });
    assert.equal(report.exitStatus, 2);
    assert.deepEqual(report.harnessError, { message: 'never answered', output: ['out'] });
    assert.equal(report.summary.total, 0);
  });
});
