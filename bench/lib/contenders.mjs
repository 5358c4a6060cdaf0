/** The contenders: what runs, how it routes, and where its version comes from. */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const bench = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * @typedef {object} ContenderDef
 * @property {string} name file name under `contenders/`, and the id on the command line
 * @property {string} label how the tables name it
 * @property {string[]} packages the packages whose versions identify it
 * @property {string} router how it routes the 100-route table
 * @property {string} body how it reads the POST body
 */

/** @type {ContenderDef[]} In table order; `node-http` is the ceiling and `echonext` the reference. */
export const CONTENDERS = [
  {
    name: 'node-http',
    label: 'node:http',
    packages: [],
    router: 'hand-written (lib/match.mjs)',
    body: 'by hand',
  },
  {
    name: 'tsgi',
    label: 'TSGI server, bare app',
    packages: ['@tsgi/server'],
    router: 'hand-written (lib/match.mjs)',
    body: 'by hand (receive loop)',
  },
  {
    name: 'echonext',
    label: 'echonext on TSGI server',
    packages: ['echonext', '@tsgi/server'],
    router: 'echonext Router',
    body: 'request.json()',
  },
  {
    name: 'fastify',
    label: 'Fastify',
    packages: ['fastify'],
    router: 'find-my-way (Fastify)',
    body: 'default JSON parser',
  },
  {
    name: 'hono',
    label: 'Hono (node-server)',
    packages: ['hono', '@hono/node-server'],
    router: 'SmartRouter (Hono default)',
    body: 'c.req.json()',
  },
  {
    name: 'srvx',
    label: 'srvx',
    packages: ['srvx'],
    router: 'hand-written (lib/match.mjs); srvx has no router',
    body: 'request.json()',
  },
  {
    name: 'koa',
    label: 'Koa',
    packages: ['koa'],
    router: 'hand-written (lib/match.mjs); Koa has no router',
    body: 'by hand; Koa has no body parser',
  },
  {
    name: 'express',
    label: 'Express',
    packages: ['express'],
    router: 'Express router',
    body: 'express.json()',
  },
];

/** The ceiling every ratio is taken against. */
export const BASELINE = 'node-http';
/** The reference framework every ratio is also taken against. */
export const REFERENCE = 'echonext';

/**
 * The installed version of a package of the bench, such as `5.12.8`.
 *
 * @param {string} name
 */
export function packageVersion(name) {
  try {
    const text = readFileSync(join(bench, 'node_modules', name, 'package.json'), 'utf8');
    return JSON.parse(text).version;
  } catch {
    return 'not installed';
  }
}

/** @param {ContenderDef} def */
export function contenderVersion(def) {
  if (def.packages.length === 0) return `node ${process.versions.node}`;
  return def.packages.map((name) => `${name} ${packageVersion(name)}`).join(', ');
}

/** @param {ContenderDef} def */
export function contenderFile(def) {
  return join(bench, 'contenders', `${def.name}.mjs`);
}
