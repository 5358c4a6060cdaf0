import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';

const require = createRequire(import.meta.url);
const { satisfies, problem } = require('../check-node.cjs') as {
  satisfies(version: string, range: string): boolean;
  problem(version: string, range: string): string | null;
};
const script = new URL('../check-node.cjs', import.meta.url).pathname;

describe('the Node.js version check', () => {
  it('accepts the minimum and anything newer', () => {
    assert.equal(satisfies('20.18.0', '>=20.18'), true);
    assert.equal(satisfies('v20.20.2', '>=20.18'), true);
    assert.equal(satisfies('22.0.0', '>=20.18'), true);
  });

  it('refuses anything older', () => {
    assert.equal(satisfies('20.17.9', '>=20.18'), false);
    assert.equal(satisfies('18.20.4', '>=20.18'), false);
  });

  it('prints one line naming the required version and exits 1', () => {
    const run = spawnSync(process.execPath, [script], {
      env: { ...process.env, TSGI_CHECK_NODE_VERSION: '18.19.0' },
      encoding: 'utf8',
    });
    assert.equal(run.status, 1);
    const lines = run.stderr.trim().split('\n');
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /needs Node\.js >=20\.18 but this is Node\.js 18\.19\.0/);
    assert.equal(problem('20.20.0', '>=20.18'), null);
  });

  it('is silent on this Node.js', () => {
    const run = spawnSync(process.execPath, [script], { encoding: 'utf8' });
    assert.equal(run.status, 0);
    assert.equal(run.stderr, '');
  });
});
