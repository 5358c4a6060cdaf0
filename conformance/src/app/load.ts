/**
 * Loads the application the suite checks, from `path/to/module.js:export`
 * (the default export without `:export`), as a server does (LOAD-1). Each
 * failure is a {@link HarnessError} with a one-line message naming the
 * module and the export, so that the command line exits with status 2.
 *
 * @module
 */

import { existsSync, statSync } from 'node:fs';
import { extname, isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Application } from 'tsgi';
import { HarnessError } from '../case.js';

/** An application reference taken apart. */
export interface AppReference {
  /** The module path as given. */
  readonly module: string;
  /** The export's name; `default` when none was given. */
  readonly exportName: string;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
const TYPESCRIPT = new Set(['.ts', '.mts', '.cts']);

/**
 * Splits `module.js:name` at its last `:` when what follows is a JavaScript
 * identifier; otherwise the whole text is the module (a drive letter such as
 * `C:` is never an export name).
 *
 * @throws HarnessError when the reference is empty.
 */
export function parseAppReference(reference: string): AppReference {
  const text = reference.trim();
  if (text === '') throw new HarnessError('no application given: pass path/to/module.js:export');
  const colon = text.lastIndexOf(':');
  if (colon > 0) {
    const name = text.slice(colon + 1);
    const module = text.slice(0, colon);
    // A drive letter alone is no module path: "C:app.js" names the module C:app.js.
    if (IDENTIFIER.test(name) && !/^[A-Za-z]$/.test(module)) return { module, exportName: name };
  }
  return { module: text, exportName: 'default' };
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value === undefined) return 'undefined';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return (text.split('\n').find((line) => line.trim() !== '') ?? text).trim();
}

/**
 * Registers tsx's loader for a TypeScript module, when tsx is installed. A
 * second registration is harmless, and without tsx the import may still
 * succeed under another loader; when it fails, the message says what to do.
 */
async function enableTypeScript(): Promise<boolean> {
  const specifier = 'tsx/esm/api';
  try {
    const api = (await import(specifier)) as { register: () => unknown };
    api.register();
    return true;
  } catch {
    return false;
  }
}

/**
 * Loads an application.
 *
 * @param reference - `path/to/module.js:export`; the path is relative to `cwd` or absolute.
 * @param cwd - the directory relative paths start from.
 * @returns the application function.
 * @throws HarnessError with a one-line message when the module cannot be found
 *   or imported, has no such export, or the export is not a function.
 */
export async function loadApplication(reference: string, cwd: string): Promise<Application> {
  const { module, exportName } = parseAppReference(reference);
  const path = isAbsolute(module) ? module : resolve(cwd, module);
  if (!existsSync(path) || !statSync(path).isFile()) {
    throw new HarnessError(`cannot load ${module}: module not found (looked at ${path})`);
  }
  const typescript = TYPESCRIPT.has(extname(path));
  const tsx = typescript && (await enableTypeScript());
  let namespace: Record<string, unknown>;
  try {
    namespace = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (error) {
    const hint =
      typescript && !tsx ? ' (it is TypeScript: install tsx, or build it to .js first)' : '';
    throw new HarnessError(`cannot load ${module}: importing it threw ${firstLine(error)}${hint}`);
  }
  if (!(exportName in namespace)) {
    const names = Object.keys(namespace);
    throw new HarnessError(
      `${module} has no export ${JSON.stringify(exportName)} (${
        names.length === 0 ? 'it exports nothing' : `it exports: ${names.join(', ')}`
      })`,
    );
  }
  const value = namespace[exportName];
  if (typeof value !== 'function') {
    throw new HarnessError(`${module}:${exportName} is not a function (it is ${kindOf(value)})`);
  }
  return value as Application;
}
