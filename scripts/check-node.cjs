'use strict';
// CommonJS with no newer syntax on purpose: it must run, and say something useful,
// on a Node.js too old for everything else in the workspace.

const path = require('node:path');
const fs = require('node:fs');

/** Returns the minimum version named by `>=X.Y[.Z]`, as [major, minor, patch]. */
function parseMinimum(range) {
  const match = /^>=\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(String(range).trim());
  if (!match) throw new Error(`engines.node must have the form ">=X.Y", got "${range}"`);
  return [Number(match[1]), Number(match[2] || 0), Number(match[3] || 0)];
}

/** Tells whether `version` ("20.18.0" or "v20.18.0") satisfies `>=X.Y.Z`. */
function satisfies(version, range) {
  const have = String(version).replace(/^v/, '').split('.').map(Number);
  const need = parseMinimum(range);
  for (let i = 0; i < 3; i++) {
    const part = have[i] || 0;
    if (part !== need[i]) return part > need[i];
  }
  return true;
}

/** Returns null when `version` is supported, else the one line to print. */
function problem(version, range) {
  if (satisfies(version, range)) return null;
  const minimum = String(range).replace(/^>=\s*/, '');
  return `TSGI needs Node.js ${range} but this is Node.js ${String(version).replace(/^v/, '')}; install Node.js ${minimum} or newer and run the command again.`;
}

function main() {
  const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8'));
  // The override lets the tests exercise the refusal on a supported Node.js.
  const version = process.env.TSGI_CHECK_NODE_VERSION || process.versions.node;
  const message = problem(version, pkg.engines.node);
  if (message) {
    console.error(message);
    process.exit(1);
  }
}

module.exports = { satisfies, problem };

if (require.main === module) main();
