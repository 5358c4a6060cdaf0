/**
 * The bridges between TSGI applications and WHATWG fetch handlers.
 *
 * @module
 */

export { FetchBridgeErrorCode } from './error-codes.js';
export {
  type FetchBridgeBindings,
  type FetchHandler,
  type FromFetchHandlerOptions,
  fromFetchHandler,
} from './from-fetch-handler.js';
export {
  type ToFetchHandlerOptions,
  type TsgiFetchHandler,
  toFetchHandler,
} from './to-fetch-handler.js';
