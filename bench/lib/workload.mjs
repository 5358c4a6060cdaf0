/**
 * What every contender serves, defined once: the payloads, the 100-route
 * table, and the bodies the checks expect. Contenders import this module so
 * that they all answer with the same bytes.
 */

/** The body of `GET /plaintext`. */
export const PLAINTEXT = 'Hello, World!';

/** The message of `GET /json`; each contender serializes `{ message }` per request. */
export const JSON_MESSAGE = 'Hello, World!';

/** The expected body of `GET /json`. */
export const JSON_BODY = JSON.stringify({ message: JSON_MESSAGE });

/** Size of the body `POST /echo` receives and sends back. */
export const POST_SIZE = 1024;

/**
 * A JSON object of exactly {@link POST_SIZE} bytes: a few typical fields and a
 * padding string that brings it to size.
 */
export const POST_BODY = (() => {
  const base = {
    id: 12345,
    name: 'bench',
    tags: ['alpha', 'beta', 'gamma'],
    nested: { ok: true, ratio: 0.5, items: [1, 2, 3, 4, 5] },
    padding: '',
  };
  const empty = JSON.stringify(base).length;
  base.padding = 'x'.repeat(POST_SIZE - empty);
  const text = JSON.stringify(base);
  if (Buffer.byteLength(text) !== POST_SIZE) throw new Error('the POST body is not 1 KiB');
  return text;
})();

/** Size of one chunk of `GET /stream`. */
export const STREAM_CHUNK_SIZE = 64 * 1024;

/** Number of chunks of `GET /stream`: 16 x 64 KiB = 1 MiB. */
export const STREAM_CHUNKS = 16;

/** Total size of `GET /stream`. */
export const STREAM_SIZE = STREAM_CHUNK_SIZE * STREAM_CHUNKS;

/**
 * One chunk of `GET /stream`, allocated once and sent 16 times: the benchmark
 * measures moving bytes, not producing them.
 */
export const STREAM_CHUNK = Buffer.alloc(STREAM_CHUNK_SIZE, 'abcdefghijklmnopqrstuvwxyz0123456789');

/** The chunks of `GET /stream`, produced lazily as a server would read a source. */
export async function* streamChunks() {
  for (let i = 0; i < STREAM_CHUNKS; i++) yield STREAM_CHUNK;
}

const RESOURCES = [
  'users',
  'posts',
  'comments',
  'albums',
  'photos',
  'todos',
  'orders',
  'products',
  'carts',
  'invoices',
];

/**
 * The ten route shapes; each is registered for each of the ten resources,
 * giving 100 routes, every one with at least one parameter. No two patterns
 * can match the same path, so routers that pick by registration order and
 * routers that pick by specificity agree on every lookup; and no node of the
 * tree has both a static and a parameter child, which Hono's RegExpRouter
 * refuses (its SmartRouter would then fall back to the TrieRouter).
 */
const SHAPES = [
  '/api/v1/R/{id}',
  '/api/v1/R/{id}/edit',
  '/api/v1/R/{id}/history',
  '/api/v1/R/{id}/children/{child}',
  '/api/v2/R/{id}',
  '/api/v2/R/{id}/meta/{key}',
  '/web/R/{slug}',
  '/web/R/{slug}/feed',
  '/archive/R/{year}/{month}',
  '/files/R/{name}',
];

/** The value each parameter gets in the lookups and requests. */
const SAMPLE_VALUES = {
  id: '12345',
  child: '67',
  key: 'color',
  slug: 'hello-world',
  year: '2024',
  month: '05',
  name: 'report-2024',
};

/**
 * @typedef {object} RouteDef
 * @property {number} index position in the table, 0..99
 * @property {string} brace the pattern with `{name}` parameters (echonext)
 * @property {string} colon the pattern with `:name` parameters (find-my-way, Hono, Express)
 * @property {string[]} params the parameter names, in order
 * @property {string} sample a path that matches this route and no other
 * @property {Record<string, string>} sampleParams the parameters of `sample`
 */

/** @type {RouteDef[]} The 100-route table, shape-major (index = shape * 10 + resource). */
export const ROUTES = SHAPES.flatMap((shape, shapeIndex) =>
  RESOURCES.map((resource, resourceIndex) => {
    const brace = shape.replace('R', resource);
    const params = [...brace.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
    const sampleParams = Object.fromEntries(params.map((name) => [name, SAMPLE_VALUES[name]]));
    return {
      index: shapeIndex * RESOURCES.length + resourceIndex,
      brace,
      colon: brace.replace(/\{(\w+)\}/g, ':$1'),
      params,
      sample: brace.replace(/\{(\w+)\}/g, (_, name) => SAMPLE_VALUES[name]),
      sampleParams,
    };
  }),
);

/** The route the HTTP scenario requests: number 57, `/api/v2/products/{id}/meta/{key}`. */
export const ROUTE_TARGET = ROUTES[57];

/** Paths that match no route, for the miss column of the router benchmark. */
export const MISSES = [
  '/',
  '/api',
  '/api/v1/users',
  '/api/v3/users/12345',
  '/api/v1/users/12345/unknown',
  '/api/v2/products/12345/meta',
  '/web/unknown/hello-world',
  '/archive/posts/2024',
  '/files/carts',
  '/nothing/here/at/all',
];

/**
 * Builds the answer of one route from its parameters: `route 57 id=12345 key=color`.
 * The body names the route and echoes every parameter, so the check proves
 * that the router picked the right route and extracted the parameters.
 *
 * @param {RouteDef} route
 * @returns {(params: Record<string, unknown>) => string}
 */
export function routeResponder(route) {
  const prefix = `route ${route.index}`;
  const names = route.params;
  if (names.length === 1) {
    const [a] = names;
    return (params) => `${prefix} ${a}=${params[a]}`;
  }
  return (params) => {
    let text = prefix;
    for (let i = 0; i < names.length; i++) text += ` ${names[i]}=${params[names[i]]}`;
    return text;
  };
}

/** The expected body of the route scenario. */
export const ROUTE_BODY = routeResponder(ROUTE_TARGET)(ROUTE_TARGET.sampleParams);

/**
 * The chunks of `GET /stream` as a web `ReadableStream`, for the contenders
 * that answer with a fetch `Response` (Hono, srvx). Pull-based, so a chunk is
 * produced only when the consumer asks for one.
 */
export function streamChunksWeb() {
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent < STREAM_CHUNKS) {
        sent++;
        controller.enqueue(STREAM_CHUNK);
      } else {
        controller.close();
      }
    },
  });
}
