/**
 * The JUnit XML reporter, for CI systems that show test results: one
 * `testsuite` per case group, one `testcase` per case.
 *
 * @module
 */

import type { CaseResult } from '../case.js';
import type { SuiteReport } from '../report.js';

/** Escapes text for XML content and attribute values, dropping characters XML 1.0 cannot hold. */
export function escapeXml(text: string): string {
  return text
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

function testcase(result: CaseResult): string {
  const name = `${result.id} [${result.requirements.join(', ')}]`;
  const open = `    <testcase classname="${escapeXml(result.group)}" name="${escapeXml(name)}" time="${seconds(result.durationMs)}"`;
  const detail = [
    result.message ?? '',
    result.expected === undefined ? '' : `expected: ${result.expected}`,
    result.actual === undefined ? '' : `actual: ${result.actual}`,
  ]
    .filter((line) => line !== '')
    .join('\n');
  switch (result.status) {
    case 'pass':
      return `${open}/>`;
    case 'fail':
      return `${open}>\n      <failure message="${escapeXml(result.message ?? '')}" type="${escapeXml(result.requirement ?? '')}">${escapeXml(detail)}</failure>\n    </testcase>`;
    case 'error':
      return `${open}>\n      <error message="${escapeXml(result.message ?? '')}" type="${escapeXml(result.requirement ?? '')}">${escapeXml(detail)}</error>\n    </testcase>`;
    case 'skipped-unsupported':
      return `${open}>\n      <skipped message="${escapeXml(result.message ?? 'unsupported')}"/>\n    </testcase>`;
    case 'warn':
      return `${open}>\n      <system-out>${escapeXml(`warning (SHOULD): ${detail}`)}</system-out>\n    </testcase>`;
  }
}

/** Formats a report as JUnit XML. */
export function formatJunit(report: SuiteReport): string {
  const groups = new Map<string, CaseResult[]>();
  for (const result of report.results) {
    const list = groups.get(result.group) ?? [];
    list.push(result);
    groups.set(result.group, list);
  }
  const count = (list: readonly CaseResult[], status: CaseResult['status']): number =>
    list.filter((result) => result.status === status).length;
  const suites: string[] = [];
  for (const [group, list] of groups) {
    const time = list.reduce((sum, result) => sum + result.durationMs, 0);
    suites.push(
      `  <testsuite name="${escapeXml(group)}" tests="${list.length}" failures="${count(list, 'fail')}" errors="${count(list, 'error')}" skipped="${count(list, 'skipped-unsupported')}" time="${seconds(time)}">\n${list.map(testcase).join('\n')}\n  </testsuite>`,
    );
  }
  let harnessErrors = 0;
  if (report.harnessError !== null) {
    harnessErrors = 1;
    const output = report.harnessError.output.join('\n');
    suites.push(
      `  <testsuite name="harness" tests="1" failures="0" errors="1" skipped="0" time="0.000">\n    <testcase classname="harness" name="the ${report.mode === 'app' ? 'application' : 'server'} under test" time="0.000">\n      <error message="${escapeXml(report.harnessError.message)}" type="harness">${escapeXml(output)}</error>\n    </testcase>\n  </testsuite>`,
    );
  }
  const { summary } = report;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="tsgi-conformance ${escapeXml(report.specVersion)} ${escapeXml(report.target)}" tests="${summary.total + harnessErrors}" failures="${summary.fail}" errors="${summary.error + harnessErrors}" skipped="${summary['skipped-unsupported']}" time="${seconds(report.durationMs)}">`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}
