// Break-glass requests on the dev server with moto, in real time: the scenarios both servers run
// (test/harness/break-glass.ts), then what needs the whole stack: the team's reconcile workflow and
// its interval passes, submissions that change the rule, and the command line on YAML checkouts.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { requestStatus, waitForRequest } from '../../src/temporal/requests';
import { stageConfig } from '../../src/temporal/submissions';
import { grantStatus } from '../../src/temporal/grant-operations';
import { reconcileStatus } from '../../src/temporal/reconcile-operations';
import { generateSigningKey } from '../../src/trust/keys';
import { ratifySignal, statusQuery } from '../../workflows/messages';
import { approveAs, approversSink, approverKeys, ask, breakGlassScenarios, breakGlassTeam, EMPTY, type BreakGlassBed } from '../harness/break-glass';
import { runCli } from '../harness/cli';
import { eventually } from '../harness/stack';
import { revisionSequence } from '../harness/team';
import { startWebhookReceiver, type WebhookReceiver } from '../harness/webhook-receiver';
import { workflowSuite } from '../harness/workflow-suite';

const revision = revisionSequence('break-glass', '2026-01-01T00:00:00Z');
const SECOND = 1000;

describe('break-glass requests on the dev server (worker + moto)', function () {
  this.timeout(180_000);
  let receiver: WebhookReceiver;
  before(async () => {
    receiver = await startWebhookReceiver();
  });
  const suite = workflowSuite({ revision, teamPrefix: 'bg', users: ['alice', 'bob', 'mallory'], stack: { worker: false }, cliEnv: true });
  before(async () => {
    await suite.stack.startWorker({ notifications: { sinks: [approversSink(receiver)] } });
  });
  after(async () => {
    await receiver?.close();
  });

  const bed: BreakGlassBed = {
    client: () => suite.stack.client,
    taskQueue: () => suite.stack.taskQueue,
    publish: async (config) => {
      await suite.submit(config);
    },
    user: async (name) => (await suite.users(name))[name]!,
    receiver: () => receiver,
    nextTeam: () => suite.nextTeam(),
    times: { openForMs: 10 * SECOND, durationMs: 20 * SECOND, maxDurationMs: 10 * 60 * SECOND },
    now: async () => new Date(),
    announcesEndings: true,
    grantRuns: async (team) => {
      let runs = 0;
      for await (const _ of suite.stack.client.workflow.list({ query: `WorkflowType = 'grantWorkflow' AND GrantTeam = '${team}'` })) runs++;
      return runs;
    },
  };
  breakGlassScenarios(bed);

  it('an interval pass does not revoke a break-glass grant the YAML does not record, and a submission that removes its rule does', async () => {
    const base = breakGlassTeam(bed.nextTeam(), bed);
    const config = { ...base, settings: { ...base.settings, reconcileIntervalMs: 3 * SECOND } };
    await bed.publish(config);
    const asked = await ask(bed, { team: config.team, durationMs: 5 * 60 * SECOND });
    assert.equal((await approveAs(bed, 'carol', asked)).outcome, 'approved');
    const granted = (await waitForRequest(bed.client(), asked.id, (s) => s.state === 'granted', { timeoutMs: 30_000 }))!;
    await suite.waitState(granted.grantId!, 'active');
    // Two interval passes finish after the grant is active: the first could have started before it.
    const passes = new Set<string>();
    const first = (await reconcileStatus(bed.client(), config.team)).lastPassAt;
    await eventually(
      'two interval passes',
      async () => {
        const at = (await reconcileStatus(bed.client(), config.team)).lastPassAt;
        if (at && at !== first) passes.add(at);
        return passes.size >= 2 ? true : undefined;
      },
      60_000,
    );
    assert.equal((await bed.client().workflow.getHandle(granted.grantId!).query(statusQuery)).state, 'active');
    assert.equal(Object.keys((await bed.user('bob')).inline).length, 1, 'the grant still holds its inline policy');

    const withoutRule = { ...config, breakGlass: {} };
    await bed.publish(withoutRule);
    await suite.waitState(granted.grantId!, 'revoked');
    assert.deepEqual(await bed.user('bob'), EMPTY);
  });

  it('a grant approved while a submission removing its rule was applied goes when that submission nudges its request; an unsigned config does nothing', async () => {
    const config = breakGlassTeam(bed.nextTeam(), bed);
    await bed.publish(config);
    const asked = await ask(bed, { team: config.team, durationMs: 5 * 60 * SECOND });
    assert.equal((await approveAs(bed, 'carol', asked)).outcome, 'approved');
    const granted = (await waitForRequest(bed.client(), asked.id, (s) => s.state === 'granted', { timeoutMs: 30_000 }))!;
    await suite.waitState(granted.grantId!, 'active');
    // The config without the rule, staged as a submission is: the pass that applies it would not have
    // seen this grant, so only the nudge that names it to the team's requests takes the grant away.
    const withoutRule = { ...config, breakGlass: {} };
    const request = bed.client().workflow.getHandle(asked.id);
    const unsigned = await stageConfig(bed.client(), withoutRule, bed.taskQueue(), { revision: revision() });
    await request.signal(ratifySignal, { config: unsigned });
    const signedRevision = revision();
    const signed = await stageConfig(bed.client(), withoutRule, bed.taskQueue(), { sign: suite.stack.signer, revision: signedRevision });
    await request.signal(ratifySignal, { config: signed });
    await suite.waitState(granted.grantId!, 'revoked');
    const ended = await grantStatus(bed.client(), granted.grantId!);
    assert.match(ended.reason ?? '', new RegExp(`its break-glass rule on-call was removed or no longer covers it \\(revision .*${signedRevision.commit}`));
    assert.deepEqual(await bed.user('bob'), EMPTY);
  });

  describe('from YAML checkouts, through the command line', function () {
    const keys = approverKeys();
    const bobKey = generateSigningKey('bob@laptop');
    const bobKeyFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'grantflow-bob-')), 'id_ed25519');
    fs.writeFileSync(bobKeyFile, bobKey.privatePem, { mode: 0o600 });
    let commits = 0;

    /** A team's YAML checkout whose rule on-call lets bob ask for breakglass, approved by `approvers`. */
    const checkout = (team: string, approvers: { user: string; key: string }[], extra = ''): string => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'grantflow-checkout-'));
      const files: Record<string, string> = {
        'aws-accounts': 'aws-accounts:\n  nonprod: "111111111111"\n  prod: "222222222222"\n',
        'aws-policies':
          'aws-policies:\n  breakglass:\n    description: "Break glass"\n    managed_policies: ["arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"]\n' +
          '    custom_statements:\n      - effect: Allow\n        actions: ["s3:ListBucket"]\n        resources: ["*"]\n',
        'temporary-access': 'temporary-access:\n',
        'break-glass':
          'break-glass:\n  on-call:\n    description: On-call access\n    requesters: [bob@example.com]\n    environments: [nonprod]\n    grants: [breakglass]\n    max_duration: 2h\n' +
          `    approvers:\n${approvers.map((a) => `      - user: ${a.user}\n        key: ${a.key}\n`).join('')}${extra}`,
      };
      for (const [kind, text] of Object.entries(files)) {
        fs.mkdirSync(path.join(dir, kind), { recursive: true });
        fs.writeFileSync(path.join(dir, kind, `${team}.yaml`), text);
      }
      return dir;
    };
    /** The command line run from `dir`, as bob or as an approver on their laptop, or as CI. */
    const cli = (dir: string, ...args: string[]) => {
      const at = Date.parse('2026-02-01T00:00:00Z') + ++commits * 60_000;
      return runCli(args, {
        ...process.env,
        GRANTFLOW_CONFIG: dir,
        GRANTFLOW_REVISION: `checkout${at}`,
        GRANTFLOW_REVISION_TIME: new Date(at).toISOString(),
        GRANTFLOW_SUBMITTED_BY: 'ci',
      });
    };
    const request = async (dir: string, team: string, rule = 'on-call', duration = '1h') => {
      const asked = await cli(
        dir,
        'request',
        team,
        '--rule',
        rule,
        '--env',
        'nonprod',
        '--for',
        duration,
        '--reason',
        'incident 7',
        '--user',
        'bob@example.com',
      );
      assert.equal(asked.code, 0, asked.stderr);
      return asked.stdout.trim();
    };

    it('a requester who adds themselves as approver in a local checkout gains nothing: the rule in force is the submitted one', async () => {
      const team = suite.nextTeam();
      const submitted = checkout(team, [{ user: 'carol@example.com', key: keys.carol.publicLine }]);
      const submit = await cli(submitted, 'submit', team);
      assert.equal(submit.code, 0, submit.stderr);
      // bob's checkout lists him as an approver with his own key (and allows self-approval): never submitted.
      const local = checkout(team, [
        { user: 'carol@example.com', key: keys.carol.publicLine },
        { user: 'bob@example.com', key: bobKey.publicLine },
      ]);
      fs.appendFileSync(path.join(local, 'break-glass', `${team}.yaml`), '    self_approval: true\n');
      const id = await request(local, team);
      const approved = await cli(local, 'approve', id, '--key', bobKeyFile, '--reason', 'I approve my own');
      assert.equal(approved.code, 1, approved.stdout);
      assert.match(approved.stderr, /refused: .*is not the key of an approver of rule on-call/);
      const status = await requestStatus(suite.stack.client, id);
      assert.equal(status.state, 'requested');
      assert.deepEqual(status.rule!.approvers, ['carol@example.com']);
      assert.equal(status.refusals.length, 1);
      assert.deepEqual(await bed.user('bob'), EMPTY);

      // What an approver then sees, and does: `requests` lists it open; `deny` closes it.
      const listed = async (state: string) =>
        eventually(`requests lists it ${state}`, async () => {
          const rows = JSON.parse((await cli(local, 'requests', '--team', team, '--state', state, '--json')).stdout) as { id: string }[];
          return rows.some((r) => r.id === id) ? true : undefined;
        });
      await listed('requested');
      const denied = await cli(local, 'deny', id, '--reason', 'self-approval is not allowed', '--by', 'carol');
      assert.equal(denied.code, 0, denied.stderr);
      await listed('denied');
      const again = await cli(local, 'deny', id, '--reason', 'twice', '--by', 'carol');
      assert.equal(again.code, 1);
      assert.match(again.stderr, /has ended: denied by carol: self-approval is not allowed; only an open request can be denied/);
    });

    it('the entry `request --print-entry` prints, committed, makes `plan` say keep for the running grant', async () => {
      const team = suite.nextTeam();
      const dir = checkout(team, [{ user: 'carol@example.com', key: keys.carol.publicLine }]);
      assert.equal((await cli(dir, 'submit', team)).code, 0);
      const id = await request(dir, team);
      const approved = await cli(dir, 'approve', id, '--key', keys.carol.file);
      assert.equal(approved.code, 0, approved.stderr);
      const granted = (await waitForRequest(suite.stack.client, id, (s) => s.state === 'granted', { timeoutMs: 30_000 }))!;
      await suite.waitState(granted.grantId!, 'active');

      const printed = await cli(dir, 'request', '--print-entry', id);
      assert.equal(printed.code, 0, printed.stderr);
      fs.appendFileSync(path.join(dir, 'temporary-access', `${team}.yaml`), printed.stdout);
      const plan = await cli(dir, 'plan', team, '--json');
      assert.equal(plan.code, 0, plan.stderr);
      const { entries } = JSON.parse(plan.stdout) as { entries: { action: string; id: string }[] };
      assert.deepEqual(
        entries.filter((e) => e.id === granted.grantId).map((e) => e.action),
        ['keep'],
      );
      assert.deepEqual(
        entries.filter((e) => e.action !== 'keep'),
        [],
      );
    });

    it('`history` marks a break-glass grant no submitted entry recorded within ratify_within as unratified, and one recorded in time as ratified', async () => {
      const team = suite.nextTeam();
      // Two rules alike but for ratify_within: an hour to record one grant in, five seconds for the other.
      const approvers = `    approvers:\n      - user: carol@example.com\n        key: ${keys.carol.publicLine}\n`;
      const quick = `  quick:\n    description: Quick\n    requesters: [bob@example.com]\n    environments: [nonprod]\n    grants: [breakglass]\n    max_duration: 2h\n${approvers}    ratify_within: 5s\n`;
      const dir = checkout(team, [{ user: 'carol@example.com', key: keys.carol.publicLine }], `    ratify_within: 1h\n${quick}`);
      assert.equal((await cli(dir, 'submit', team)).code, 0);
      const grantOf = async (id: string) => {
        assert.equal((await cli(dir, 'approve', id, '--key', keys.carol.file)).code, 0);
        const granted = await waitForRequest(suite.stack.client, id, (s) => s.state === 'granted', { timeoutMs: 30_000 });
        assert.ok(granted, `request ${id} granted: ${JSON.stringify(await requestStatus(suite.stack.client, id))}`);
        return granted;
      };
      const recorded = await grantOf(await request(dir, team));
      const forgotten = await grantOf(await request(dir, team, 'quick', '90m'));
      fs.appendFileSync(path.join(dir, 'temporary-access', `${team}.yaml`), (await cli(dir, 'request', '--print-entry', recorded.id)).stdout);
      const submitted = await cli(dir, 'submit', team);
      assert.equal(submitted.code, 0, submitted.stderr);
      await eventually('the submission ratifies the recorded request', async () =>
        (await requestStatus(suite.stack.client, recorded.id)).ratifiedAt ? true : undefined,
      );
      const periods = await eventually(
        'the forgotten grant is past its ratify_within',
        async () => {
          const history = await cli(dir, 'history', team, '--format', 'json');
          assert.equal(history.code, 0, history.stderr);
          const all = JSON.parse(history.stdout) as { grantId: string; breakGlass?: { request: string; ratification: string } }[];
          return all.some((p) => p.breakGlass?.request === forgotten.id && p.breakGlass.ratification === 'unratified') ? all : undefined;
        },
        60_000,
        1000,
      );
      const ratification = Object.fromEntries(periods.filter((p) => p.breakGlass).map((p) => [p.breakGlass!.request, p.breakGlass!.ratification]));
      assert.deepEqual(ratification, { [recorded.id]: 'ratified', [forgotten.id]: 'unratified' });
      const table = await cli(dir, 'history', team);
      assert.match(table.stdout, /unratified/);
    });

    it('`request --wait` follows the request until it is granted, then prints the grant and, with --print-entry, its entry', async () => {
      const team = suite.nextTeam();
      const dir = checkout(team, [{ user: 'carol@example.com', key: keys.carol.publicLine }]);
      assert.equal((await cli(dir, 'submit', team)).code, 0);
      const waiting = cli(
        dir,
        'request',
        team,
        '--rule',
        'on-call',
        '--env',
        'nonprod',
        '--for',
        '1h',
        '--reason',
        'incident 8',
        '--user',
        'bob@example.com',
        '--wait',
        '--print-entry',
      );
      const id = await eventually('the request is listed open', async () => {
        const rows = JSON.parse((await cli(dir, 'requests', '--team', team, '--state', 'requested', '--json')).stdout) as { id: string }[];
        return rows[0]?.id;
      });
      assert.equal((await cli(dir, 'approve', id, '--key', keys.carol.file)).code, 0);
      const waited = await waiting;
      assert.equal(waited.code, 0, waited.stderr);
      const granted = await requestStatus(suite.stack.client, id);
      assert.equal(granted.state, 'granted');
      const [printedId, printedGrant, ...entry] = waited.stdout.trim().split('\n');
      assert.deepEqual([printedId, printedGrant], [id, granted.grantId]);
      assert.match(entry.join('\n'), /^# add under temporary-access: in temporary-access\/bg-\d+\.yaml, then submit\n {2}- description: "Break-glass /);
      assert.match(waited.stderr, /request: granted/);
    });
  });
});
