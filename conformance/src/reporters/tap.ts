/**
 * The TAP 13 reporter. A failed SHOULD case is a `# TODO` line, a skipped
 * case a `# SKIP` line, and a harness problem ends the stream with
 * `Bail out!`.
 *
 * @module
 */

import type { CaseResult } from '../case.js';
import type { SuiteReport } from '../report.js';

function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').replace(/#/g, '\\#');
}

function diagnostics(result: CaseResult): string[] {
  const fields: [string, string | undefined][] = [
    ['message', result.message],
    ['severity', result.status],
    ['requirement', result.requirement],
    ['expected', result.expected],
    ['actual', result.actual],
    ['duration_ms', String(result.durationMs)],
  ];
  return [
    '  ---',
    ...fields
      .filter((field): field is [string, string] => field[1] !== undefined)
      .map(([key, value]) => `  ${key}: ${JSON.stringify(value)}`),
    '  ...',
  ];
}

/** Formats a report as TAP version 13. */
export function formatTap(report: SuiteReport): string {
  const lines = ['TAP version 13', `1..${report.results.length}`];
  report.results.forEach((result, index) => {
    const name = `${index + 1} - ${oneLine(`${result.id} [${result.requirements.join(', ')}]`)}`;
    switch (result.status) {
      case 'pass':
        lines.push(`ok ${name}`);
        break;
      case 'skipped-unsupported':
        lines.push(`ok ${name} # SKIP ${oneLine(result.message ?? 'unsupported')}`);
        break;
      case 'warn':
        lines.push(`not ok ${name} # TODO a SHOULD-level requirement`, ...diagnostics(result));
        break;
      default:
        lines.push(`not ok ${name}`, ...diagnostics(result));
    }
  });
  if (report.harnessError !== null) {
    for (const line of report.harnessError.output) lines.push(`# ${line}`);
    lines.push(`Bail out! ${oneLine(report.harnessError.message)}`);
  }
  return `${lines.join('\n')}\n`;
}
