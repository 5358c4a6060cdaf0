/**
 * The version of the TSGI specification that this package implements.
 *
 * Servers put it in `scope.tsgi.version`; applications may compare its major
 * number to decide whether they understand a scope.
 */
export const TSGI_VERSION = '1.0';
