/**
 * The HTTP scenarios, each with its request and the check of one real
 * response made before any load: a wrong status or body fails the
 * contender's row for that scenario.
 */
import { Agent, request } from 'node:http';
import {
  JSON_BODY,
  PLAINTEXT,
  POST_BODY,
  ROUTE_BODY,
  ROUTE_TARGET,
  STREAM_CHUNK,
  STREAM_CHUNKS,
  STREAM_SIZE,
} from './workload.mjs';

/**
 * @typedef {object} Scenario
 * @property {string} name id on the command line
 * @property {string} title heading of its table
 * @property {string} method
 * @property {string} path
 * @property {string} [body]
 * @property {string} [contentType]
 * @property {string} describe one line on what it measures
 * @property {(body: Buffer) => string | null} checkBody what is wrong with a body, or `null`
 */

function preview(body) {
  const text = body.subarray(0, 60).toString('utf8');
  return JSON.stringify(body.length > 60 ? `${text}...` : text);
}

function exactly(expected) {
  return (body) =>
    body.toString('utf8') === expected
      ? null
      : `body ${preview(body)} (${body.length} bytes), expected ${JSON.stringify(expected)}`;
}

/** @type {Scenario[]} */
export const SCENARIOS = [
  {
    name: 'plaintext',
    title: 'Plaintext',
    method: 'GET',
    path: '/plaintext',
    describe: '`GET /plaintext` answers `Hello, World!` (13 bytes, text/plain).',
    checkBody: exactly(PLAINTEXT),
  },
  {
    name: 'json',
    title: 'Small JSON',
    method: 'GET',
    path: '/json',
    describe: '`GET /json` answers `{"message":"Hello, World!"}`, serialized per request.',
    checkBody: exactly(JSON_BODY),
  },
  {
    name: 'route',
    title: 'Parameterized route on a 100-route table',
    method: 'GET',
    path: ROUTE_TARGET.sample,
    describe: `\`GET ${ROUTE_TARGET.sample}\` hits route ${ROUTE_TARGET.index} of 100 (\`${ROUTE_TARGET.colon}\`) and answers \`${ROUTE_BODY}\`.`,
    checkBody: exactly(ROUTE_BODY),
  },
  {
    name: 'post',
    title: 'POST 1 KiB JSON, echoed',
    method: 'POST',
    path: '/echo',
    body: POST_BODY,
    contentType: 'application/json',
    describe:
      '`POST /echo` with a 1 KiB JSON body; the body is parsed and the value sent back as JSON.',
    checkBody(body) {
      let value;
      try {
        value = JSON.parse(body.toString('utf8'));
      } catch {
        return `body ${preview(body)} is not JSON`;
      }
      return JSON.stringify(value) === POST_BODY
        ? null
        : `body ${preview(body)} is not the JSON sent`;
    },
  },
  {
    name: 'stream',
    title: '1 MiB streamed response',
    method: 'GET',
    path: '/stream',
    describe: '`GET /stream` answers 1 MiB, produced and sent as 16 chunks of 64 KiB.',
    checkBody(body) {
      if (body.length !== STREAM_SIZE)
        return `body of ${body.length} bytes, expected ${STREAM_SIZE}`;
      for (let i = 0; i < STREAM_CHUNKS; i++) {
        const part = body.subarray(i * STREAM_CHUNK.length, (i + 1) * STREAM_CHUNK.length);
        if (!part.equals(STREAM_CHUNK)) return `chunk ${i} of the body differs from what was sent`;
      }
      return null;
    },
  },
];

/**
 * Makes one real request of `scenario` and checks the status and body.
 *
 * @param {number} port
 * @param {Scenario} scenario
 * @returns {Promise<string | null>} what is wrong, or `null`
 */
export function checkScenario(port, scenario) {
  return new Promise((resolve) => {
    const headers = {};
    if (scenario.body !== undefined) {
      headers['content-type'] = scenario.contentType;
      headers['content-length'] = Buffer.byteLength(scenario.body);
    }
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: scenario.method,
        path: scenario.path,
        headers,
        agent: false,
      },
      (res) => {
        const chunks = [];
        res.on('data', (chunk) => chunks.push(chunk));
        res.on('error', (error) => resolve(`response error: ${error.message}`));
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          if (res.statusCode < 200 || res.statusCode > 299) {
            resolve(`status ${res.statusCode}, body ${preview(body)}`);
          } else {
            resolve(scenario.checkBody(body));
          }
        });
      },
    );
    req.setTimeout(10_000, () => req.destroy(new Error('no answer within 10 s')));
    req.on('error', (error) => resolve(`request failed: ${error.message}`));
    req.end(scenario.body);
  });
}

/**
 * A short burst of requests from this process, so that the server's code is
 * compiled by the JIT before it is measured. Answers are read and dropped.
 *
 * @param {number} port
 * @param {Scenario} scenario
 * @param {{ requests: number, concurrency: number, maxMs: number }} options
 */
export async function primeScenario(port, scenario, options) {
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  let left = options.requests;
  const deadline = performance.now() + options.maxMs;
  const one = () =>
    new Promise((resolve) => {
      const headers = {};
      if (scenario.body !== undefined) {
        headers['content-type'] = scenario.contentType;
        headers['content-length'] = Buffer.byteLength(scenario.body);
      }
      const req = request(
        { host: '127.0.0.1', port, method: scenario.method, path: scenario.path, headers, agent },
        (res) => {
          res.on('data', () => {});
          res.on('end', resolve);
          res.on('error', resolve);
        },
      );
      req.setTimeout(10_000, () => req.destroy());
      req.on('error', resolve);
      req.end(scenario.body);
    });
  const worker = async () => {
    while (left > 0 && performance.now() < deadline) {
      left--;
      await one();
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  agent.destroy();
}
