// Runs every package's tests with node's built-in test runner, in one run, so that
// node prints one summary (tests, pass, fail) for the whole workspace.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const testRoots = [
  'scripts/test',
  'packages/tsgi/test',
  'packages/server/test',
  'packages/echonext/test',
  'conformance/test',
];

function collect(dir, out) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries.sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) collect(path, out);
    else if (/\.test\.(ts|mjs|cjs|js)$/.test(name)) out.push(relative(root, path));
  }
  return out;
}

// `pnpm test -- <filter>` keeps only the files whose path contains one of the filters.
const filters = process.argv.slice(2).filter((arg) => arg !== '--');
let files = testRoots.flatMap((dir) => collect(join(root, dir), []));
if (filters.length > 0) files = files.filter((file) => filters.some((f) => file.includes(f)));
if (files.length === 0) {
  console.error(`no test files matched ${filters.join(' ') || 'the test folders'}`);
  process.exit(1);
}

const result = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    '--test-reporter=spec',
    '--test-concurrency=2',
    '--test-timeout=120000',
    ...files,
  ],
  { cwd: root, stdio: 'inherit' },
);
process.exit(result.status ?? 1);
