// The application mode against broken applications: each fixture breaks one
// app-party requirement in one place, and a run against it must fail with
// exactly that requirement, in every case that fails, and nothing else.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runAppSuite } from '../src/api.js';

/** Each fixture, the requirement it breaks, and how. */
const BROKEN: readonly (readonly [file: string, requirement: string, how: string])[] = [
  ['not-async.js', 'APP-1', 'returns undefined instead of a promise'],
  ['mutates-scope.js', 'APP-2', 'adds a header to its scope'],
  ['unawaited-send.js', 'APP-4', 'sends again before the previous send() settled'],
  ['send-after-return.js', 'APP-5', 'sends once more after it returned'],
  ['reuses-buffer.js', 'APP-6', 'changes the bytes of an array it sent'],
  ['body-before-start.js', 'HTTP-RESP-5', 'sends the body before the start'],
  ['status-600.js', 'HTTP-RESP-2', 'answers with status 600'],
  ['uppercase-header.js', 'HTTP-RESP-3', 'sends a header name with uppercase letters'],
  ['double-start.js', 'HTTP-RESP-4', 'sends http.response.start twice'],
  ['body-after-end.js', 'HTTP-RESP-6', 'sends a body event after the final one'],
  ['wrong-content-length.js', 'HTTP-RESP-7', 'sends fewer bytes than its content-length'],
  ['head-with-body.js', 'HTTP-RESP-8', 'answers HEAD with body bytes'],
  ['ignores-disconnect.js', 'HTTP-DISC-5', 'reads on forever after http.disconnect'],
  ['returns-early.js', 'HTTP-FAIL-5', 'returns while its body is still open'],
  ['hints-unadvertised.js', 'EXT-1', 'sends early hints where they are not advertised'],
  ['trailers-early.js', 'EXT-TRAILERS-2', 'sends trailers while the body is open'],
  ['hints-after-start.js', 'EXT-HINTS-1', 'sends early hints after the start'],
  ['relative-file.js', 'EXT-FILE-1', 'names a relative path in http.response.file'],
  ['ws-denial-body-first.js', 'EXT-WSDENY-1', 'sends a denial body without its start'],
  ['ws-send-before-accept.js', 'WS-ACCEPT-1', 'sends a message before accepting'],
  ['ws-wrong-subprotocol.js', 'WS-ACCEPT-2', 'accepts with a subprotocol nobody offered'],
  ['ws-text-and-bytes.js', 'WS-SEND-1', 'sends text and bytes in one message'],
  ['ws-bad-close-code.js', 'WS-CLOSE-2', 'closes with the reserved code 1005'],
  ['ws-send-after-close.js', 'WS-ORDER-1', 'sends a message after its own close'],
  ['lifespan-no-answer.js', 'LS-6', 'answers lifespan.startup with neither complete nor failed'],
  ['lifespan-bad-message.js', 'LS-7', 'fails startup with a message that is not a string'],
  ['strict-scope-fields.js', 'VER-2', 'refuses a scope with a field it does not know'],
];

describe('the application mode fails each broken fixture with its requirement', {
  concurrency: 4,
}, () => {
  for (const [file, requirement, how] of BROKEN) {
    it(`[${requirement}] ${file}, which ${how}`, async () => {
      const report = await runAppSuite({
        app: `${fileURLToPath(new URL(`./fixtures/apps/${file}`, import.meta.url))}:app`,
        responseTimeoutMs: 500,
        settleTimeoutMs: 300,
        lifespanTimeoutMs: 500,
      });
      assert.equal(report.harnessError, null);
      const failed = report.results.filter(
        (result) => result.status === 'fail' || result.status === 'error',
      );
      assert.ok(failed.length > 0, `no case failed:\n${report.formatted}`);
      assert.deepEqual(
        failed.filter((result) => result.status !== 'fail' || result.requirement !== requirement),
        [],
      );
      assert.equal(report.exitStatus, 1);
      // The failure says what was expected and what the application did.
      const first = failed[0]!;
      assert.match(first.message ?? '', new RegExp(`^\\[${requirement}\\] `));
      assert.ok((first.expected ?? '') !== '' && (first.actual ?? '') !== '');
    });
  }

  it('covers a different requirement with each fixture', () => {
    const requirements = BROKEN.map(([, requirement]) => requirement);
    assert.equal(new Set(requirements).size, requirements.length);
    assert.ok(requirements.length >= 10);
  });
});
