/** The reference TSGI server serving the bare TSGI app of `apps/tsgi-bare.mjs`. */
import { app } from '../apps/tsgi-bare.mjs';
import { serveWithReferenceServer } from '../lib/tsgi-serve.mjs';

// The bare app does not implement lifespan, so it is not offered.
await serveWithReferenceServer(app, { lifespan: 'off' });
