// Break-glass requests in the pure core: what the worker refuses at request time (each refusal names
// the rule's file and line and the fix), the terms it fixes, how approvals are tallied into an expiry
// that follows from the signatures alone, and the temporary-access entry that records an approved
// request: read back by the real loader, it expands to the very grant the request gave.
import assert from 'node:assert/strict';
import { breakGlassEntry, checkRequest, printedEntry, ruleAdmits, ruleDigest, tally, termsMismatch, type RequestAsk } from '../../../src/core/break-glass';
import { expandTeam, temporaryGrantOf } from '../../../src/core/expand';
import { grantShape } from '../../../src/core/grant-derived';
import { loadSettings, teamFromTexts } from '../../../src/config/load';
import { breakGlassRule, policy, READ_ONLY, team } from '../../harness/team';

const HOUR = 3600_000;
const ids = { requestId: 'grantflow-request/test-team/abcdefghij', runId: 'run-1', revision: 'abc123 (2026-06-01T00:00:00Z)', maxTemporaryDays: 6 };
const config = (rule = breakGlassRule({ approvers: [{ user: 'carol', key: 'k' }] })) =>
  team({ policies: { reader: policy([READ_ONLY], ['s3:ListBucket']), admin: policy([READ_ONLY]) }, breakGlass: { 'on-call': rule } });
const ask = (extra: Partial<RequestAsk> = {}): RequestAsk => ({
  team: 'test-team',
  rule: 'on-call',
  user: 'alice@example.com',
  environment: 'nonprod',
  durationMs: 2 * HOUR,
  reason: 'incident 42',
  requestedBy: 'alice',
  ...extra,
});

describe('a break-glass request, checked against the rule in force', function () {
  const refusals: { name: string; config?: ReturnType<typeof config>; ask: Partial<RequestAsk>; maxDays?: number; message: RegExp }[] = [
    {
      name: 'a rule the team does not have',
      ask: { rule: 'oncall' },
      message: /no break-glass rule "oncall".*its rules are on-call \(break-glass\/test-team\.yaml\)/,
    },
    {
      name: 'a team with no rules at all',
      config: team({ policies: { reader: policy([READ_ONLY]) } }),
      ask: {},
      message: /has no break-glass rules: write them in break-glass\/test-team\.yaml and submit the team/,
    },
    {
      name: 'a user who is no requester',
      ask: { user: 'mallory' },
      message: /mallory may not request under rule on-call \(break-glass\/test-team\.yaml:2\): its requesters are alice/,
    },
    { name: 'an environment the rule does not cover', ask: { environment: 'prod' }, message: /covers nonprod, not prod: use --env nonprod/ },
    { name: 'a policy the rule does not grant', ask: { policy: 'admin' }, message: /grants reader, not admin/ },
    {
      name: 'a duration above the rule’s longest',
      ask: { durationMs: 5 * HOUR },
      message: /asked for 5h; rule on-call \(break-glass\/test-team\.yaml:2\) allows at most 4h \(max_duration\): ask for 4h or less/,
    },
    {
      name: 'a duration above max_temporary_days under the worker’s ceiling',
      config: config(breakGlassRule({ maxDurationMs: 3 * 86_400_000 })),
      ask: { durationMs: 2 * 86_400_000 },
      maxDays: 1,
      message: /asked for 2d; temporary access may last at most 1 days \(max_temporary_days/,
    },
    { name: 'no reason', ask: { reason: '  ' }, message: /needs a reason/ },
    {
      name: 'no ticket where the rule requires one',
      config: config(breakGlassRule({ requireTicket: true })),
      ask: {},
      message: /requires a ticket: add --ticket/,
    },
    {
      name: 'no policy named where the rule grants two',
      config: config(breakGlassRule({ grants: ['reader', 'admin'] })),
      ask: {},
      message: /grants reader, admin: name one with --policy/,
    },
  ];
  for (const c of refusals) {
    it(`refuses ${c.name}, saying where and how to fix it`, () => {
      const result = checkRequest(c.config ?? config(), ask(c.ask), { ...ids, maxTemporaryDays: c.maxDays ?? 6 });
      assert.equal(result.ok, false);
      assert.match((result as { reason: string }).reason, c.message);
    });
  }

  it('fixes the terms from the rule: the requester as the rule writes them, the account, the only policy, the run and the revision', () => {
    const result = checkRequest(config(), ask({ user: 'Alice', ticket: ' INC-1 ' }), ids);
    assert.ok(result.ok);
    assert.deepEqual(result.terms, {
      requestId: ids.requestId,
      runId: 'run-1',
      team: 'test-team',
      rule: 'on-call',
      ruleDigest: ruleDigest(config().breakGlass!['on-call']!),
      revision: ids.revision,
      principal: 'alice',
      principalWritten: 'alice',
      environment: 'nonprod',
      account: '111111111111',
      policy: 'reader',
      durationMs: 2 * HOUR,
      reason: 'incident 42',
      ticket: 'INC-1',
      requestedBy: 'alice',
    });
    assert.deepEqual(result.view, {
      source: 'break-glass/test-team.yaml:2',
      approvers: ['carol'],
      approvals: 1,
      openForMs: HOUR,
      selfApproval: false,
      ratifyWithinMs: 3 * 86_400_000,
    });
  });

  it('names a rule by what it says, not where it is written', () => {
    const rule = breakGlassRule({});
    assert.equal(ruleDigest(rule), ruleDigest({ ...rule, source: { file: 'x', line: 40 } }));
    assert.notEqual(ruleDigest(rule), ruleDigest({ ...rule, approvals: 2 }));
  });

  it('tells which terms a signed statement differs in', () => {
    const { terms } = checkRequest(config(), ask(), ids) as { terms: Parameters<typeof termsMismatch>[0] };
    assert.deepEqual(termsMismatch(terms, terms), []);
    assert.deepEqual(termsMismatch({ ...terms, durationMs: 1, policy: 'admin' }, terms), ['durationMs', 'policy']);
  });
});

describe('approvals tallied into a grant', function () {
  it('needs the rule’s number of distinct approvers, and counts the grant from the latest of their signatures, to the second', () => {
    const first = { approver: 'carol', signedAt: '2026-06-01T03:00:00.700Z', self: false };
    assert.deepEqual(tally(2, HOUR, [first]), { approved: false });
    assert.deepEqual(tally(2, HOUR, [first, { ...first, approver: 'Carol' }]), { approved: false });
    assert.deepEqual(tally(2, HOUR, [first, { approver: 'dave', signedAt: '2026-06-01T03:01:00Z', self: false }]), {
      approved: true,
      approvers: ['carol', 'dave'],
      approvedAt: '2026-06-01T03:01:00Z',
      expiresAt: '2026-06-01T04:01:00Z',
    });
  });
});

describe('the entry that records an approved request', function () {
  const cfg = config();
  const { terms } = checkRequest(cfg, ask({ reason: 'incident "42": db down', ticket: 'INC-42' }), ids) as { terms: Parameters<typeof breakGlassEntry>[0] };
  const approval = { expiresAt: '2026-06-01T05:00:00Z', approvers: ['carol'] };

  it('printed and read back by the loader beside the team, expands to the break-glass grant’s id and shape', () => {
    const grant = temporaryGrantOf(cfg, breakGlassEntry(terms, approval, 2))!;
    const text = `temporary-access:\n${printedEntry(breakGlassEntry(terms, approval, 2))}`;
    const accounts = 'aws-accounts:\n  nonprod: "111111111111"\n  prod: "222222222222"\n';
    const policies =
      'aws-policies:\n  reader:\n    description: test policy\n    managed_policies: ["arn:aws:iam::aws:policy/ReadOnlyAccess"]\n    custom_statements:\n      - { effect: Allow, actions: ["s3:ListBucket"], resources: ["*"] }\n';
    const dir = '/nonexistent-config';
    const load = teamFromTexts(
      'test-team',
      {
        'aws-accounts': { file: 'aws-accounts/test-team.yaml', text: accounts },
        'aws-policies': { file: 'aws-policies/test-team.yaml', text: policies },
        'temporary-access': { file: 'temporary-access/test-team.yaml', text },
      },
      loadSettings(dir, {}),
      dir,
    );
    assert.deepEqual(load.diagnostics, []);
    const [recorded] = expandTeam(load.loaded!.config, Date.parse('2026-06-01T04:00:00Z')).grants;
    assert.equal(recorded!.id, grant.id);
    assert.equal(grantShape(recorded!), grantShape(grant));
    assert.equal(recorded!.reason, 'incident "42": db down');
    assert.equal(recorded!.ticket, 'INC-42');
  });

  it('is a temporary grant of the requester in the rule’s environment, until the approval’s expiry', () => {
    const grant = temporaryGrantOf(cfg, breakGlassEntry(terms, approval, 2))!;
    assert.equal(grant.id, 'grantflow/test-team/111111111111/user/alice/reader/until/2026-06-01T05:00:00Z');
    assert.equal(grant.kind, 'temporary');
    assert.match(grant.description, /grantflow-request\/test-team\/abcdefghij \(rule on-call\), approved by carol/);
    assert.match(grant.inlinePolicy!.document, /DateLessThan.*2026-06-01T05:00:00Z/);
  });
});

describe('whether a rule still lets a break-glass grant stand', function () {
  const grant = { principal: 'Alice', environment: 'nonprod', policy: 'reader' };
  it('yes while it names the user, environment and policy; no once any of them, or the rule, is gone', () => {
    assert.equal(ruleAdmits(breakGlassRule({}), grant), true);
    assert.equal(ruleAdmits(undefined, grant), false);
    assert.equal(ruleAdmits(breakGlassRule({ requesters: ['bob'] }), grant), false);
    assert.equal(ruleAdmits(breakGlassRule({ environments: ['prod'] }), grant), false);
    assert.equal(ruleAdmits(breakGlassRule({ grants: ['admin'] }), grant), false);
  });
});
