/**
 * Both modules in one app:
 *
 *   tsgi serve examples/modular/monolith.ts:app
 *
 * The blog answers under /blog, the shop under /shop.
 */
import { EchoNext } from 'echonext';
import { createBlog } from './blog/app.js';
import { createShop } from './shop/app.js';

/** Builds the monolith: one process, one router, both modules. */
export function createMonolith(): EchoNext {
  const app = new EchoNext();
  app.get('/', () => ({ modules: ['blog', 'shop'] }));
  app.include('/blog', createBlog());
  app.include('/shop', createShop());
  return app;
}

/** The monolith, for `tsgi serve monolith.ts:app`. */
export const app = createMonolith();
export default app;
