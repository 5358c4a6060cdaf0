/**
 * Every server case, in the order a run takes them.
 *
 * @module
 */

import type { ConformanceCase } from '../../case.js';
import type { ServerContext } from '../../server-context.js';
import { backpressureCases } from './backpressure.js';
import { connectionCases } from './connection.js';
import { disconnectCases } from './disconnect.js';
import { eventCases } from './events.js';
import { extensionCases } from './extensions.js';
import { failureCases } from './failure.js';
import { headerCases } from './headers.js';
import { lifespanCases, loadingCases } from './lifespan.js';
import { malformedCases } from './malformed.js';
import { pathCases } from './paths.js';
import { requestBodyCases } from './request-body.js';
import { responseCases } from './response.js';
import { refusalCases } from './response-refusals.js';
import { scopeCases } from './scope.js';
import { websocketCases } from './websocket.js';
import { websocketBackpressureCases } from './websocket-backpressure.js';
import { websocketClosingCases } from './websocket-closing.js';

/** Every case that checks a server, grouped and ordered. */
export const serverCases: readonly ConformanceCase<ServerContext>[] = [
  ...scopeCases,
  ...pathCases,
  ...headerCases,
  ...requestBodyCases,
  ...responseCases,
  ...refusalCases,
  ...eventCases,
  ...disconnectCases,
  ...failureCases,
  ...connectionCases,
  ...malformedCases,
  ...extensionCases,
  ...backpressureCases,
  ...websocketCases,
  ...websocketClosingCases,
  ...websocketBackpressureCases,
  ...lifespanCases,
  ...loadingCases,
];
