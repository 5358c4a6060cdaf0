/**
 * The shop as its own service, behind a proxy that forwards /shop to it:
 *
 *   tsgi serve examples/modular/shop-service.ts:app --root-path /shop
 */
import { createShop } from './shop/app.js';

/** The shop service. */
export const app = createShop();
export default app;
