// Versioning discipline: the recorded full-lifecycle histories in test/histories must replay on the
// current workflow code, so a change that would break grants already running fails here first.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { workflowBundle } from '../../src/worker';

const HISTORIES = path.resolve(__dirname, '../../../test/histories');

function recorded(): { file: string; history: unknown }[] {
  return fs
    .readdirSync(HISTORIES)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({ file, history: JSON.parse(fs.readFileSync(path.join(HISTORIES, file), 'utf8')) as unknown }));
}

describe('replay of recorded workflow histories', function () {
  const histories = recorded();

  it('has a recorded lifecycle for each kind of grant ending, for refused grants, for break-glass requests and their grant, and for the reconcile and submission workflows', () => {
    const kinds = [
      'grant-cancelled.json',
      'grant-failed-missing-user.json',
      'grant-permanent-revoked-by-update.json',
      'grant-start-date-then-signal.json',
      'grant-temporary-expires.json',
    ];
    assert.deepEqual(
      histories.map((h) => h.file),
      [
        ...kinds,
        'grant-cancelled-while-applying.json',
        'grant-break-glass-expires.json',
        'grant-forged-reapply-refused.json',
        'grant-refused-started-by-hand.json',
        'reconcile-lifecycle.json',
        'request-denied.json',
        'request-granted-expires.json',
        'request-lapsed.json',
        'submission-adopted.json',
      ].sort(),
    );
  });

  for (const { file, history } of histories) {
    it(`replays ${file} on the current workflow code`, async () => {
      await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, file.replace(/\.json$/, ''));
    });
  }

  it('keeps zod and other heavy modules out of the workflow bundle (each cached workflow pays for them)', async () => {
    const bundle = await workflowBundle();
    const code = 'code' in bundle ? bundle.code : fs.readFileSync(bundle.codePath, 'utf8');
    const modules = new Set([...code.matchAll(/node_modules\/((?:@[\w.-]+\/)?[\w.-]+)/g)].map((m) => m[1]));
    assert.deepEqual(
      [...modules].filter((m) => !/^(@temporalio\/|long$|ms$|nexus-rpc$)/.test(m!)),
      [],
    );
  });

  it("fails a replay when a workflow's commands are reordered", async () => {
    const { code } = await bundleWorkflowCode({
      workflowsPath: require.resolve('../fixtures/reordered'),
      logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} },
    });
    const { history } = histories.find((h) => h.file === 'grant-temporary-expires.json')!;
    await assert.rejects(Worker.runReplayHistory({ workflowBundle: { code } }, history, 'reordered'), /[Nn]ondeterminis/);
  });
});
