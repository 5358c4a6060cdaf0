/**
 * `tsgi`: the TypeScript Server Gateway Interface.
 *
 * Types of every scope and event, typed errors, and the tools shared by
 * servers, frameworks and the conformance suite.
 *
 * @packageDocumentation
 */
export {
  ClientDisconnectedError,
  describeValue,
  ErrorCode,
  type ErrorCodeValue,
  isClientDisconnected,
  ProtocolError,
  TsgiError,
} from './errors.js';
export * from './fetch/index.js';
export * from './middleware/index.js';
export { decodePath, splitTarget, type TargetForm, type TargetParts } from './paths.js';
export * from './protocol/index.js';
export {
  binaryKeyword,
  defsSchema,
  type JsonSchema,
  type JsonValue,
  type SchemaName,
  schemaNames,
  schemas,
} from './schemas.js';
export * from './testing/index.js';
export type * from './types.js';
export * from './validate/index.js';
export { TSGI_VERSION } from './version.js';
