import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type CaseResult, HarnessError } from '../src/case.js';
import { buildReport, type SuiteReport } from '../src/report.js';
import { formatJson } from '../src/reporters/json.js';
import { escapeXml, formatJunit } from '../src/reporters/junit.js';
import { formatTable } from '../src/reporters/table.js';
import { formatTap } from '../src/reporters/tap.js';

const base = { group: 'http.paths', title: 'a title', level: 'MUST' as const, durationMs: 12 };
const results: CaseResult[] = [
  { ...base, id: 'http.paths.a', requirements: ['HTTP-SCOPE-6'], status: 'pass' },
  {
    ...base,
    id: 'http.paths.b',
    requirements: ['HTTP-SCOPE-7'],
    status: 'fail',
    requirement: 'HTTP-SCOPE-7',
    message: '[HTTP-SCOPE-7] scope.rawPath: expected "/a%2Fb", actual "<&\'\u0001>"',
    expected: '"/a%2Fb"',
    actual: '"<&\'\u0001>"',
  },
  {
    ...base,
    group: 'http.extensions',
    id: 'http.extensions.c',
    requirements: ['EXT-TRAILERS-3'],
    status: 'skipped-unsupported',
    message: 'not advertised',
  },
  {
    ...base,
    id: 'http.paths.d',
    requirements: ['HTTP-RESP-14'],
    level: 'SHOULD',
    status: 'warn',
    requirement: 'HTTP-RESP-14',
    message: 'no date',
    expected: 'a date',
    actual: 'none',
  },
  {
    ...base,
    id: 'http.paths.e',
    requirements: ['HTTP-SCOPE-9'],
    status: 'error',
    requirement: 'HTTP-SCOPE-9',
    message: 'socket hang up # really',
    expected: 'x',
    actual: 'y',
  },
];

function report(harness: HarnessError | null = null): SuiteReport {
  return buildReport({
    target: '127.0.0.1:8080',
    command: 'node s.js',
    specVersion: '1.0',
    startedAt: new Date(),
    results,
    harnessError: harness,
  });
}

/** A small well-formedness check: balanced tags, quoted attributes, known entities, no raw control characters. */
function assertWellFormedXml(xml: string): void {
  assert.ok(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>'));
  const control = [...xml].find((char) => char.charCodeAt(0) < 0x20 && !'\t\n\r'.includes(char));
  assert.equal(control, undefined, 'a raw control character');
  assert.doesNotMatch(xml, /&(?!(?:amp|lt|gt|quot|apos);)/);
  const stack: string[] = [];
  const body = xml.replace(/^<\?xml[^>]*\?>/, '');
  for (const match of body.matchAll(
    /<(\/?)([A-Za-z][\w-]*)((?:\s+[\w-]+="[^"<]*")*)\s*(\/?)>|</g,
  )) {
    const [, closing, name, , selfClosing] = match;
    assert.ok(name !== undefined, `a stray "<" at ${match.index}`);
    if (closing) assert.equal(stack.pop(), name, `</${name}> closes the wrong element`);
    else if (!selfClosing) stack.push(name);
  }
  assert.deepEqual(stack, []);
}

describe('reporters', () => {
  it('junit: valid XML, one testsuite per group, failures, errors and skips counted', () => {
    const xml = formatJunit(report());
    assertWellFormedXml(xml);
    assert.match(
      xml,
      /<testsuites name="tsgi-conformance 1\.0 127\.0\.0\.1:8080" tests="5" failures="1" errors="1" skipped="1"/,
    );
    assert.match(
      xml,
      /<testsuite name="http\.paths" tests="4" failures="1" errors="1" skipped="0"/,
    );
    assert.match(
      xml,
      /<failure message="\[HTTP-SCOPE-7\] scope\.rawPath: expected &quot;\/a%2Fb&quot;, actual &quot;&lt;&amp;&apos;\uFFFD&gt;&quot;" type="HTTP-SCOPE-7">/,
    );
    assert.match(xml, /<skipped message="not advertised"\/>/);
  });

  it('junit: a harness problem is an error of its own suite', () => {
    const xml = formatJunit(report(new HarnessError('the server exited', ['boom <1>'])));
    assertWellFormedXml(xml);
    assert.match(xml, /<testsuite name="harness" tests="1" failures="0" errors="1"/);
    assert.match(xml, /boom &lt;1&gt;/);
  });

  it('escapes XML special characters', () => {
    assert.equal(escapeXml('a<b>&"\'\u0000'), 'a&lt;b&gt;&amp;&quot;&apos;\uFFFD');
  });

  it('tap: version 13, a plan, SKIP and TODO directives, YAML diagnostics', () => {
    const tap = formatTap(report()).split('\n');
    assert.equal(tap[0], 'TAP version 13');
    assert.equal(tap[1], '1..5');
    assert.equal(tap[2], 'ok 1 - http.paths.a [HTTP-SCOPE-6]');
    assert.equal(tap[3], 'not ok 2 - http.paths.b [HTTP-SCOPE-7]');
    assert.equal(tap[4], '  ---');
    assert.ok(tap.includes('  requirement: "HTTP-SCOPE-7"'));
    assert.ok(tap.includes('ok 3 - http.extensions.c [EXT-TRAILERS-3] # SKIP not advertised'));
    assert.ok(
      tap.includes('not ok 4 - http.paths.d [HTTP-RESP-14] # TODO a SHOULD-level requirement'),
    );
    assert.ok(tap.includes('  message: "socket hang up # really"'));
    const bailed = formatTap(report(new HarnessError('the server exited')))
      .trimEnd()
      .split('\n');
    assert.equal(bailed.at(-1), 'Bail out! the server exited');
  });

  it('json: the whole report', () => {
    const parsed = JSON.parse(formatJson(report())) as SuiteReport;
    assert.equal(parsed.results.length, 5);
    assert.equal(parsed.exitStatus, 1);
    assert.equal(parsed.summary.warn, 1);
  });

  it('table: one line per case, details with expected and actual, a summary', () => {
    const table = formatTable(report());
    assert.match(table, /^FAIL {4}http\.paths\.b/m);
    assert.match(table, /^ {2}expected: "\/a%2Fb"$/m);
    assert.match(
      table,
      /5 cases: 1 pass, 1 fail, 1 warn, 1 skipped-unsupported, 1 error .*exit status 1/,
    );
  });
});
