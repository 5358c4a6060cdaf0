import { TSGI_VERSION } from 'tsgi';

/**
 * The TSGI specification version this package is written against.
 *
 * The package itself is still being built; this is its only export so far.
 */
export const SPEC_VERSION: string = TSGI_VERSION;
