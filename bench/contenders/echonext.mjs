/** echonext on the reference TSGI server (`apps/echonext.mjs`). */
import { app } from '../apps/echonext.mjs';
import { serveWithReferenceServer } from '../lib/tsgi-serve.mjs';

// echonext implements lifespan: the app is compiled at startup, not on the first request.
await serveWithReferenceServer(app, { lifespan: 'auto' });
