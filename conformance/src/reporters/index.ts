/**
 * The reporters, by name.
 *
 * @module
 */

import type { SuiteReport } from '../report.js';
import { formatJson } from './json.js';
import { formatJunit } from './junit.js';
import { formatTable } from './table.js';
import { formatTap } from './tap.js';

/** The names of the reporters. */
export type ReporterName = 'table' | 'json' | 'junit' | 'tap';

/** Every reporter, by name. */
export const reporters: Readonly<Record<ReporterName, (report: SuiteReport) => string>> = {
  table: formatTable,
  json: formatJson,
  junit: formatJunit,
  tap: formatTap,
};

/** Whether `name` names a reporter. */
export function isReporterName(name: string): name is ReporterName {
  return Object.hasOwn(reporters, name);
}
