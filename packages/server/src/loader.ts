/**
 * Loads the application named on the command line: `path/to/module.js:name`,
 * the default export when `:name` is left out (LOAD-1), or `module.js:create()`
 * to call a factory. TypeScript entry points load without a build step.
 * Every failure is a {@link LoadError} whose message is one line (LOAD-2).
 *
 * @module
 */
import { existsSync, statSync } from 'node:fs';
import { extname, isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Application } from 'tsgi';
import { TsgiError } from 'tsgi';
import { closestMatch } from './config/suggest.js';

/** The stable codes of {@link LoadError}. */
export const LoadErrorCode = {
  /** The app string is not `module[:name]`. */
  BAD_SPEC: 'ERR_TSGI_SERVER_APP_SPEC',
  /** No file at the module path. */
  MODULE_NOT_FOUND: 'ERR_TSGI_SERVER_MODULE_NOT_FOUND',
  /** The module has no export of that name. */
  EXPORT_MISSING: 'ERR_TSGI_SERVER_EXPORT_MISSING',
  /** The export (or what the factory returned) is not a function. */
  NOT_A_FUNCTION: 'ERR_TSGI_SERVER_APP_NOT_FUNCTION',
  /** Evaluating the module (or calling the factory) threw. */
  IMPORT_FAILED: 'ERR_TSGI_SERVER_APP_IMPORT_FAILED',
  /** A TypeScript entry point, but the TypeScript loader is not installed. */
  TYPESCRIPT_UNAVAILABLE: 'ERR_TSGI_SERVER_TYPESCRIPT_UNAVAILABLE',
} as const;

/** One of the values of {@link LoadErrorCode}. */
export type LoadErrorCodeValue = (typeof LoadErrorCode)[keyof typeof LoadErrorCode];

/**
 * The application could not be loaded. The message is one line naming the
 * module, what is missing and what exists; `cause` keeps the app's own error.
 */
export class LoadError extends TsgiError {
  /** The app string as given. */
  readonly spec: string;

  /**
   * @param code - which failure it is.
   * @param spec - the app string as given.
   * @param message - one line.
   * @param cause - the underlying error, when the app's code threw.
   */
  constructor(code: LoadErrorCodeValue, spec: string, message: string, cause?: unknown) {
    super(code, message, cause === undefined ? undefined : { cause });
    this.spec = spec;
  }

  /** Whether the mistake is in the command line (wrong path or name) rather than in the app. */
  get isUsageError(): boolean {
    return this.code !== LoadErrorCode.IMPORT_FAILED;
  }
}

/** An app string taken apart. */
export interface AppSpec {
  /** The module path as given. */
  module: string;
  /** The export to use; `default` when none was named. */
  exportName: string;
  /** Whether the export is a factory to call (`name()`). */
  factory: boolean;
}

const EXPORT_PART = /^([A-Za-z_$][\w$]*)(\(\))?$/;
const TYPESCRIPT = new Set(['.ts', '.mts', '.cts', '.tsx']);
const PROBE_EXTENSIONS = ['.js', '.mjs', '.cjs', '.ts', '.mts', '.cts'];

/**
 * Splits `module.js:name`, `module.js:name()` or `module.js`. The split is at
 * the last `:` followed by a name, so paths containing `:` still work.
 *
 * @throws {@link LoadError} when the string is empty or the name is malformed.
 */
export function parseAppSpec(spec: string): AppSpec {
  const text = spec.trim();
  const colon = text.lastIndexOf(':');
  if (colon > 0) {
    const tail = text.slice(colon + 1);
    const match = EXPORT_PART.exec(tail);
    if (match)
      return {
        module: text.slice(0, colon),
        exportName: match[1]!,
        factory: match[2] !== undefined,
      };
    // A drive letter or a path with ':' in it: only complain when the tail looks like an attempt at a name.
    if (!tail.includes('/') && !tail.includes('\\')) {
      throw new LoadError(
        LoadErrorCode.BAD_SPEC,
        spec,
        `app ${JSON.stringify(spec)} is not path/to/module.js:exportName (${JSON.stringify(tail)} is not a valid export name)`,
      );
    }
  }
  if (text === '' || colon === 0) {
    throw new LoadError(
      LoadErrorCode.BAD_SPEC,
      spec,
      'no app given: pass path/to/module.js:exportName (see tsgi serve --help)',
    );
  }
  return { module: text, exportName: 'default', factory: false };
}

/** Finds the file an app module path names, trying common extensions when it has none. */
export function resolveModulePath(module: string, cwd = process.cwd()): string | null {
  const absolute = isAbsolute(module) ? module : resolve(cwd, module);
  const isFile = (path: string) => existsSync(path) && statSync(path).isFile();
  if (isFile(absolute)) return absolute;
  if (extname(absolute) === '') {
    for (const ext of PROBE_EXTENSIONS) if (isFile(absolute + ext)) return absolute + ext;
    for (const ext of PROBE_EXTENSIONS) {
      const index = resolve(absolute, `index${ext}`);
      if (isFile(index)) return index;
    }
  }
  return null;
}

/** An app string taken apart, with the file its module path names. */
export interface LocatedApp {
  /** The parts of the app string. */
  parsed: AppSpec;
  /** The absolute path of the module file. */
  path: string;
}

/**
 * Parses an app string and finds its module file, without importing it: the
 * checks that need no app code to run.
 *
 * @throws {@link LoadError} for a malformed string or a missing file.
 */
export function locateApp(spec: string, cwd = process.cwd()): LocatedApp {
  const parsed = parseAppSpec(spec);
  const path = resolveModulePath(parsed.module, cwd);
  if (path === null) {
    throw new LoadError(
      LoadErrorCode.MODULE_NOT_FOUND,
      spec,
      `cannot find module ${JSON.stringify(parsed.module)} (resolved to ${resolve(cwd, parsed.module)})`,
    );
  }
  return { parsed, path };
}

let typescriptReady: Promise<void> | undefined;

/** Registers the TypeScript loader once per process, for ESM and CommonJS modules alike. */
function enableTypeScript(spec: string): Promise<void> {
  typescriptReady ??= (async () => {
    try {
      const esm = await import('tsx/esm/api');
      const cjs = await import('tsx/cjs/api');
      esm.register();
      cjs.register();
    } catch (error) {
      typescriptReady = undefined;
      throw new LoadError(
        LoadErrorCode.TYPESCRIPT_UNAVAILABLE,
        spec,
        `cannot load the TypeScript app ${JSON.stringify(spec)}: the tsx package is not installed (npm install tsx), or build the app to .js first`,
        error,
      );
    }
  })();
  return typescriptReady;
}

function firstLine(error: unknown): string {
  const text =
    error instanceof Error
      ? `${error.name === 'Error' ? '' : `${error.name}: `}${error.message}`
      : String(error);
  const line = text.split('\n').find((part) => part.trim() !== '') ?? text;
  return line.trim();
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'undefined') return 'undefined';
  return `a ${typeof value}`;
}

/** The app as loaded, and where it came from. */
export interface LoadedApp {
  /** The application function. */
  app: Application;
  /** The absolute path of the module file. */
  path: string;
  /** The export that was used. */
  exportName: string;
}

/**
 * Loads an application from `path/to/module.js[:name]`, relative to `cwd`
 * (LOAD-1). `.ts`, `.mts` and `.cts` modules are compiled on the fly.
 *
 * @throws {@link LoadError} with a one-line message (LOAD-2) when the module
 *   is missing, the export is missing or not a function, or the module throws.
 */
export async function loadApp(spec: string, cwd = process.cwd()): Promise<LoadedApp> {
  const { parsed, path } = locateApp(spec, cwd);
  if (TYPESCRIPT.has(extname(path))) await enableTypeScript(spec);

  let namespace: Record<string, unknown>;
  try {
    namespace = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (error) {
    throw new LoadError(
      LoadErrorCode.IMPORT_FAILED,
      spec,
      `importing ${JSON.stringify(parsed.module)} failed: ${firstLine(error)}`,
      error,
    );
  }

  const value = pickExport(namespace, parsed, spec);
  let app = value;
  if (parsed.factory) {
    if (typeof value !== 'function') throw notAFunction(spec, parsed, value, 'factory');
    try {
      app = await (value as () => unknown)();
    } catch (error) {
      throw new LoadError(
        LoadErrorCode.IMPORT_FAILED,
        spec,
        `the factory ${parsed.exportName}() of ${JSON.stringify(parsed.module)} threw: ${firstLine(error)}`,
        error,
      );
    }
  }
  if (typeof app !== 'function')
    throw notAFunction(spec, parsed, app, parsed.factory ? 'result' : 'export');
  return { app: app as Application, path, exportName: parsed.exportName };
}

function pickExport(namespace: Record<string, unknown>, parsed: AppSpec, spec: string): unknown {
  const { exportName } = parsed;
  const commonjs = namespace.default;
  if (exportName === 'default') {
    // CommonJS built from TypeScript puts the default export at module.exports.default.
    if (typeof commonjs === 'object' && commonjs !== null && 'default' in commonjs) {
      const inner = (commonjs as { default: unknown }).default;
      if (typeof inner === 'function') return inner;
    }
    if ('default' in namespace) return commonjs;
  } else {
    if (exportName in namespace) return namespace[exportName];
    if (typeof commonjs === 'object' && commonjs !== null && exportName in commonjs) {
      return (commonjs as Record<string, unknown>)[exportName];
    }
  }
  const names = Object.keys(namespace);
  const guess = closestMatch(exportName, names);
  const available =
    names.length === 0 ? 'it exports nothing' : `its exports are: ${names.join(', ')}`;
  const hint = guess ? ` (did you mean ${JSON.stringify(guess)}?)` : '';
  const what =
    exportName === 'default'
      ? 'no default export'
      : `no export ${JSON.stringify(exportName)}${hint}`;
  throw new LoadError(
    LoadErrorCode.EXPORT_MISSING,
    spec,
    `module ${JSON.stringify(parsed.module)} has ${what}; ${available}`,
  );
}

function notAFunction(
  spec: string,
  parsed: AppSpec,
  value: unknown,
  role: 'export' | 'factory' | 'result',
) {
  const name = JSON.stringify(parsed.exportName);
  const subject =
    role === 'result'
      ? `the factory ${parsed.exportName}() of ${JSON.stringify(parsed.module)} returned ${kindOf(value)}`
      : `export ${name} of ${JSON.stringify(parsed.module)} is ${kindOf(value)}`;
  return new LoadError(
    LoadErrorCode.NOT_A_FUNCTION,
    spec,
    `${subject}, not an app: expected async (scope, receive, send) => {}`,
  );
}
