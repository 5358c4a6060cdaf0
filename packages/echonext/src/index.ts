/**
 * echonext: the reference micro-framework on TSGI.
 *
 * @packageDocumentation
 */
export * from './router/index.js';
