/**
 * The blog as its own service, behind a proxy that forwards /blog to it:
 *
 *   tsgi serve examples/modular/blog-service.ts:app --root-path /blog
 */
import { createBlog } from './blog/app.js';

/** The blog service. */
export const app = createBlog();
export default app;
