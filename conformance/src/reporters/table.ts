/**
 * The default reporter: a table a person reads in a terminal or a CI log.
 *
 * @module
 */

import type { CaseStatus } from '../case.js';
import type { SuiteReport } from '../report.js';

const LABEL: Record<CaseStatus, string> = {
  pass: 'pass',
  fail: 'FAIL',
  warn: 'warn',
  'skipped-unsupported': 'skip',
  error: 'ERROR',
};

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

/** The label a table shows for a status. */
export function statusLabel(status: CaseStatus): string {
  return LABEL[status];
}

/** Formats a report as a table, then the details of every case that did not pass, then a summary. */
export function formatTable(report: SuiteReport): string {
  const lines: string[] = [];
  lines.push(`TSGI ${report.specVersion} conformance: ${report.mode} at ${report.target}`);
  if (report.command !== null) lines.push(`command: ${report.command}`);
  lines.push('');
  const idWidth = Math.min(56, Math.max(4, ...report.results.map((result) => result.id.length)));
  const reqWidth = Math.min(
    40,
    Math.max(12, ...report.results.map((result) => result.requirements.join(', ').length)),
  );
  lines.push(
    `${pad('STATUS', 6)}  ${pad('CASE', idWidth)}  ${pad('REQUIREMENTS', reqWidth)}  TIME`,
  );
  for (const result of report.results) {
    lines.push(
      `${pad(LABEL[result.status], 6)}  ${pad(result.id, idWidth)}  ${pad(result.requirements.join(', '), reqWidth)}  ${result.durationMs} ms`,
    );
  }
  const notPassed = report.results.filter((result) => result.status !== 'pass');
  if (notPassed.length > 0) {
    lines.push('', 'Details:');
    for (const result of notPassed) {
      lines.push('', `${LABEL[result.status]} ${result.id}: ${result.title}`);
      if (result.message !== undefined) lines.push(`  ${result.message}`);
      if (result.status === 'fail' || result.status === 'warn' || result.status === 'error') {
        if (result.expected !== undefined) lines.push(`  expected: ${result.expected}`);
        if (result.actual !== undefined) lines.push(`  actual:   ${result.actual}`);
      }
    }
  }
  if (report.harnessError !== null) {
    lines.push('', `HARNESS PROBLEM: ${report.harnessError.message}`);
    if (report.harnessError.output.length > 0) {
      lines.push('  last server output:');
      for (const line of report.harnessError.output) lines.push(`  | ${line}`);
    }
  }
  const { summary } = report;
  lines.push(
    '',
    `${summary.total} cases: ${summary.pass} pass, ${summary.fail} fail, ${summary.warn} warn, ` +
      `${summary['skipped-unsupported']} skipped-unsupported, ${summary.error} error ` +
      `(${(report.durationMs / 1000).toFixed(1)} s); exit status ${report.exitStatus}`,
  );
  return `${lines.join('\n')}\n`;
}
