/**
 * The module each worker process starts with.
 *
 * @module
 */
import { runWorker } from './worker.js';

await runWorker();
