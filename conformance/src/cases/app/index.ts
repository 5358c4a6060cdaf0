/**
 * Every application case, in the order a run takes them: the lifespan
 * starts first and shuts down last, as on a server.
 *
 * @module
 */

import type { AppContext } from '../../app/context.js';
import type { ConformanceCase } from '../../case.js';
import { contractCases } from './contract.js';
import { disconnectCases } from './disconnect.js';
import { extensionCases } from './extensions.js';
import { failureCases } from './failure.js';
import { httpCases } from './http.js';
import { lifespanShutdownCases, lifespanStartupCases } from './lifespan.js';
import { requestBodyCases } from './request-body.js';
import { websocketCases } from './websocket.js';

/** Every case that checks an application, grouped and ordered. */
export const appCases: readonly ConformanceCase<AppContext>[] = [
  ...lifespanStartupCases,
  ...httpCases,
  ...requestBodyCases,
  ...contractCases,
  ...extensionCases,
  ...disconnectCases,
  ...failureCases,
  ...websocketCases,
  ...lifespanShutdownCases,
];
