// Requirement coverage: every requirement ID of spec/tsgi.md against the tests
// and conformance cases that cite it, and every cited ID against the spec.
//
//   node scripts/spec-coverage.mjs          print the report; exit 1 on a problem
//   node scripts/spec-coverage.mjs --json   the same as JSON
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Matches a requirement ID such as HTTP-SCOPE-6, LS-STATE-1 or APP-3. */
export const ID_PATTERN = /\b(?:APP|SRV|MW|HTTP|EXT|WS|LS|VER|LOAD|SEC)(?:-[A-Z]+)*-\d+\b/g;

/** Where tests and cases live: a citation there counts as coverage. */
const TEST_ROOTS = [
  'packages/tsgi/test',
  'packages/server/test',
  'packages/echonext/test',
  'conformance/test',
  'conformance/src/cases',
  'spec/schemas/fixtures',
];
/** Where code cites IDs in errors: those IDs must exist, but citing is not testing. */
const SOURCE_ROOTS = [
  'packages/tsgi/src',
  'packages/server/src',
  'packages/echonext/src',
  'conformance/src',
  'spec/schemas',
];

/** Parses the `## Requirement index` table of the spec. */
export function parseIndex(markdown) {
  const start = markdown.indexOf('\n## Requirement index');
  if (start < 0) throw new Error('spec/tsgi.md has no "## Requirement index" section');
  const rows = new Map();
  for (const line of markdown.slice(start).split('\n')) {
    const cells = line.split('|').map((cell) => cell.trim());
    if (cells.length < 6 || !/^[A-Z]+(?:-[A-Z]+)*-\d+$/.test(cells[1])) continue;
    const [, id, level, binds, text] = cells;
    if (rows.has(id)) throw new Error(`requirement ${id} is listed twice in the index`);
    rows.set(id, { id, level, binds, text });
  }
  return rows;
}

/** The IDs defined in the body, in the form `**ID** (LEVEL, binds):`. */
export function parseDefinitions(markdown) {
  const body = markdown.slice(0, markdown.indexOf('\n## Requirement index'));
  const defined = new Map();
  for (const match of body.matchAll(
    /\*\*([A-Z]+(?:-[A-Z]+)*-\d+)\*\* \((MUST|SHOULD|MAY)(?: NOT)?, ([a-z ,]+)\)/g,
  )) {
    defined.set(match[1], (defined.get(match[1]) ?? 0) + 1);
  }
  return defined;
}

function walk(dir, out) {
  let names;
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of names) {
    if (name === 'node_modules' || name === 'dist') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (/\.(ts|mts|js|mjs|json)$/.test(name)) out.push(path);
  }
  return out;
}

/** Maps each cited ID to the files citing it. */
export function collectCitations(roots) {
  const cited = new Map();
  for (const dir of roots) {
    for (const file of walk(join(root, dir), [])) {
      for (const [id] of readFileSync(file, 'utf8').matchAll(ID_PATTERN)) {
        const files = cited.get(id) ?? new Set();
        files.add(relative(root, file));
        cited.set(id, files);
      }
    }
  }
  return cited;
}

/** Builds the coverage report; `problems` lists everything that fails the check. */
export function coverage(markdown = readFileSync(join(root, 'spec/tsgi.md'), 'utf8')) {
  const index = parseIndex(markdown);
  const defined = parseDefinitions(markdown);
  const tested = collectCitations(TEST_ROOTS);
  const inSource = collectCitations(SOURCE_ROOTS);
  const problems = [];
  for (const id of index.keys()) {
    const count = defined.get(id) ?? 0;
    if (count !== 1) problems.push(`${id} is in the index but defined ${count} times in the text`);
  }
  for (const id of defined.keys()) {
    if (!index.has(id)) problems.push(`${id} is defined in the text but missing from the index`);
  }
  for (const [id, files] of [...tested, ...inSource]) {
    if (!index.has(id)) problems.push(`${id} is cited in ${[...files][0]} but is not in the spec`);
  }
  const musts = [...index.values()].filter((row) => row.level === 'MUST');
  const uncovered = musts.filter((row) => !tested.has(row.id));
  for (const row of uncovered)
    problems.push(`${row.id} (MUST, ${row.binds}) is cited by no test or conformance case`);
  return {
    requirements: index.size,
    musts: musts.length,
    coveredMusts: musts.length - uncovered.length,
    uncovered: uncovered.map((row) => row.id),
    problems: [...new Set(problems)],
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const report = coverage();
  if (process.argv.includes('--json')) {
    console.log(JSON.stringify(report, null, 2));
  } else {
    const percent = ((100 * report.coveredMusts) / report.musts).toFixed(1);
    console.log(
      `requirement coverage: ${report.coveredMusts} of ${report.musts} MUST requirements cited by tests (${percent}%); ${report.requirements} requirements in all`,
    );
    for (const problem of report.problems) console.log(`  - ${problem}`);
  }
  process.exit(report.problems.length === 0 ? 0 : 1);
}
