import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SDK_PROBLEM_MESSAGE, sdkDiagnostics } from '../../src/telemetry/sdk-diagnostics.ts';

describe("the tracing SDK's diagnostics", () => {
  function capture() {
    const lines: Array<{ fields: Record<string, unknown>; message: string }> = [];
    const logger = { warn: ((fields: Record<string, unknown>, message: string) => lines.push({ fields, message })) as never };
    const detail = (index: number) => (lines[index]?.fields['err'] as Error | undefined)?.message;
    const code = (index: number) => (lines[index]?.fields['err'] as { code?: string } | undefined)?.code;
    return { lines, logger, detail, code };
  }

  it('logs lost spans once per interval whatever their count, then how many reports it suppressed', () => {
    const { lines, logger, detail, code } = capture();
    let clock = 0;
    const diagnostics = sdkDiagnostics(logger, 60_000, () => clock);
    diagnostics.warn('Dropped 12 spans because maxQueueSize reached');
    diagnostics.warn('Dropped 480 spans because maxQueueSize reached');
    diagnostics.error('export failed', new Error('connect ECONNREFUSED 127.0.0.1:4318'));
    // How the SDK's global error handler reports a failed export: the error as JSON text.
    diagnostics.error(
      JSON.stringify({ stack: 'Error: connect ECONNREFUSED 127.0.0.1:4318\n    at …', message: 'connect ECONNREFUSED 127.0.0.1:4318', code: 'ECONNREFUSED' }),
    );
    clock = 60_000;
    diagnostics.warn('Dropped 7 spans because maxQueueSize reached');
    assert.deepEqual(
      lines.map((line, index) => [line.message, detail(index), line.fields['suppressedSinceLast']]),
      [
        [SDK_PROBLEM_MESSAGE, 'Dropped 12 spans because maxQueueSize reached', 0],
        [SDK_PROBLEM_MESSAGE, 'export failed connect ECONNREFUSED 127.0.0.1:4318', 0],
        [SDK_PROBLEM_MESSAGE, 'connect ECONNREFUSED 127.0.0.1:4318', 0],
        [SDK_PROBLEM_MESSAGE, 'Dropped 7 spans because maxQueueSize reached', 1],
      ],
    );
    assert.equal(code(2), 'ECONNREFUSED');
    assert.equal((lines[2]?.fields['err'] as Error).stack, '');
  });

  it('leaves out what is not a problem', () => {
    const { lines, logger } = capture();
    const diagnostics = sdkDiagnostics(logger);
    diagnostics.info('exporting 512 spans');
    diagnostics.debug('items to be sent', 512);
    diagnostics.verbose('detail');
    assert.deepEqual(lines, []);
  });
});
