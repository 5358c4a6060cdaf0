/**
 * Middleware that belongs to the interface: composition, trusted proxy
 * headers and mounting under a root path.
 *
 * @module
 */

export { compose } from './compose.js';
export { type AddressMatcher, createAddressMatcher, type PeerInfo } from './ip-matcher.js';
export {
  type ForwardedHeaderFamily,
  type ProxyHeadersOptions,
  proxyHeaders,
} from './proxy-headers.js';
export { type RoutableScope, routePath, withRootPath } from './root-path.js';
