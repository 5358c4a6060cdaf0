/**
 * The JSON reporter: the whole report, for machines.
 *
 * @module
 */

import type { SuiteReport } from '../report.js';

/** Formats a report as indented JSON. */
export function formatJson(report: SuiteReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
