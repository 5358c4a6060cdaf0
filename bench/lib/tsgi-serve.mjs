/**
 * Serves a TSGI app with the reference server, as the `tsgi` and `echonext`
 * contenders do: `serve()` from `@tsgi/server`, one worker, in this process,
 * no access log, every other setting at its default.
 */
import { announce, fail, HOST, PORT } from './contender-runtime.mjs';

/**
 * @param {import('tsgi').Application} app
 * @param {{ lifespan: 'auto' | 'on' | 'off' }} options
 */
export async function serveWithReferenceServer(app, options) {
  let server;
  try {
    server = await import('@tsgi/server');
  } catch (error) {
    fail(`cannot import @tsgi/server (is it built? run: pnpm build): ${error.message}`);
  }
  if (typeof server.serve !== 'function') {
    fail('@tsgi/server does not export serve() yet');
  }
  const handle = await server.serve(app, {
    host: HOST,
    port: PORT,
    workers: 1,
    accessLog: false,
    logLevel: 'warning',
    lifespan: options.lifespan,
  });
  announce(handle.addresses[0].port);
}
