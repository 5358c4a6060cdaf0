import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

it('builds the API reference of all four packages with no warning', () => {
  const out = mkdtempSync(join(tmpdir(), 'tsgi-api-'));
  try {
    const run = spawnSync(
      process.execPath,
      [join(root, 'node_modules/typedoc/bin/typedoc'), '--out', out],
      { cwd: root, encoding: 'utf8' },
    );
    const output = `${run.stdout}\n${run.stderr}`;
    assert.equal(run.status, 0, output);
    assert.doesNotMatch(output, /\[warning\]|\[error\]/, output);
    for (const name of ['tsgi', '_tsgi_server', 'echonext', '_tsgi_conformance']) {
      assert.ok(
        existsSync(join(out, 'modules', `${name}.html`)),
        `no reference for ${name} in ${out}: ${output}`,
      );
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
