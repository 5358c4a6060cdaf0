import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
// @ts-expect-error: a plain JavaScript script without declarations
import { coverage, ID_PATTERN, parseDefinitions, parseIndex } from '../spec-coverage.mjs';

const sample = `# Spec

**HTTP-SCOPE-1** (MUST, server): scope.type is "http".

**APP-3** (SHOULD, app): throw for an unknown scope type.

## Requirement index

| ID | Level | Binds | Requirement |
| --- | --- | --- | --- |
| HTTP-SCOPE-1 | MUST | server | scope.type is "http". |
| APP-3 | SHOULD | app | throw for an unknown scope type. |
`;

describe('the requirement coverage check', () => {
  it('reads the index table', () => {
    const index = parseIndex(sample);
    assert.deepEqual([...index.keys()], ['HTTP-SCOPE-1', 'APP-3']);
    assert.equal(index.get('APP-3').level, 'SHOULD');
    assert.equal(index.get('HTTP-SCOPE-1').binds, 'server');
  });

  it('reads the definitions in the text, not the references', () => {
    const defined = parseDefinitions(`${sample}\nSee HTTP-SCOPE-1 above.`);
    assert.deepEqual(
      [...defined.entries()],
      [
        ['HTTP-SCOPE-1', 1],
        ['APP-3', 1],
      ],
    );
  });

  it('recognises every family of IDs and nothing else', () => {
    const text =
      'HTTP-RESP-12 LS-STATE-1 EXT-TRAILERS-3 WS-1 SEC-5 UTF-8 ERR_TSGI_PROTOCOL RFC-9110';
    assert.deepEqual(text.match(ID_PATTERN), [
      'HTTP-RESP-12',
      'LS-STATE-1',
      'EXT-TRAILERS-3',
      'WS-1',
      'SEC-5',
    ]);
  });

  it('flags an index row without a definition, and a MUST no test cites', () => {
    const broken = sample.replace('**HTTP-SCOPE-1** (MUST, server): scope.type is "http".', '');
    const report = coverage(broken.replaceAll('HTTP-SCOPE-1', 'HTTP-SCOPE-999'));
    assert.ok(
      report.problems.some((p: string) =>
        p.startsWith('HTTP-SCOPE-999 is in the index but defined 0 times'),
      ),
    );
    assert.ok(
      report.problems.some((p: string) =>
        p.startsWith('HTTP-SCOPE-999 (MUST, server) is cited by no test'),
      ),
    );
  });
});

describe('the spec in this repository', () => {
  it('has every MUST cited by a test or conformance case, and every cited ID defined', (t) => {
    const report = coverage();
    const percent = ((100 * report.coveredMusts) / report.musts).toFixed(1);
    t.diagnostic(
      `requirement coverage: ${report.coveredMusts} of ${report.musts} MUST requirements cited (${percent}%); ${report.requirements} requirements in all`,
    );
    console.log(
      `requirement coverage: ${report.coveredMusts} of ${report.musts} MUST requirements cited by tests (${percent}%)`,
    );
    assert.deepEqual(report.problems, []);
    assert.ok(report.musts > 100, `only ${report.musts} MUST requirements were read from the spec`);
  });
});
