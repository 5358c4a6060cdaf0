/**
 * Finds the transport's `serve` function. It is imported by URL so that the
 * process layer and the transport stay separate modules, and so that an
 * embedding (or a test) can run the same process model over another
 * transport.
 *
 * @module
 */
import { TsgiError } from 'tsgi';
import type { ServeFunction } from '../handle.js';
import { ServerErrorCode } from '../options.js';

/** Whether this code runs from TypeScript sources (the extension its siblings have). */
export const SOURCE_EXTENSION: string = import.meta.url.endsWith('.ts') ? '.ts' : '.js';

/** The URL of the built-in transport module. */
export function defaultServeModule(): string {
  return new URL(`../serve${SOURCE_EXTENSION}`, import.meta.url).href;
}

/** Imports the module at `url` and returns its `serve` export. */
export async function loadServe(url: string = defaultServeModule()): Promise<ServeFunction> {
  const module = (await import(url)) as { serve?: unknown };
  if (typeof module.serve !== 'function') {
    throw new TsgiError(
      ServerErrorCode.WORKER,
      `the transport module ${url} has no serve() export`,
    );
  }
  return module.serve as ServeFunction;
}
