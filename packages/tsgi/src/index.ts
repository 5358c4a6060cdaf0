export { TSGI_VERSION } from './version.js';
