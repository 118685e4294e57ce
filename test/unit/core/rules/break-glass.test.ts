// The break-glass rules' offline checks at their edges: a rule that can do what it says passes
// silently; one no requester could ever get approved under is a warning at that requester; the exact
// boundaries of max_duration and approvals; approvers told apart by user and by key.
import assert from 'node:assert/strict';
import { breakGlassRules } from '../../../../src/core/rules/break-glass';
import { breakGlassRule, policy, READ_ONLY, team } from '../../../harness/team';
import { ruleContext } from '../../../harness/rule-context';

const CAROL = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDyQnTZTrdhoAUjLYCyLjEIWieUMbfL/6xHnsPsElIsZ carol@laptop';
const DAVE = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICsMZo6J/EZ1VNzaFD6QbbvS4lLLpvpx1k0782qknABL dave@laptop';
const DAY = 86_400_000;

const check = (rule: Parameters<typeof breakGlassRule>[0], name = 'on-call') =>
  breakGlassRules(ruleContext(team({ policies: { reader: policy([READ_ONLY]) }, breakGlass: { [name]: breakGlassRule(rule) } })));
const summary = (rule: Parameters<typeof breakGlassRule>[0], name?: string) => check(rule, name).map((d) => `${d.severity} ${d.file}: ${d.message}`);

describe('break-glass rules, offline', function () {
  it('say nothing of a rule that can do what it says', () => {
    assert.deepEqual(
      summary({
        approvers: [
          { user: 'carol', key: CAROL },
          { user: 'dave', key: DAVE },
        ],
      }),
      [],
    );
  });

  it('allow max_duration of exactly max_temporary_days, and refuse a second more', () => {
    assert.deepEqual(summary({ approvers: [{ user: 'carol', key: CAROL }], maxDurationMs: 6 * DAY }), []);
    assert.match(
      summary({ approvers: [{ user: 'carol', key: CAROL }], maxDurationMs: 6 * DAY + 1000 })[0]!,
      /^error break-glass:break-glass\/on-call\/max_duration: max_duration/,
    );
  });

  it('allow as many approvals as approvers, and refuse one more', () => {
    const approvers = [
      { user: 'carol', key: CAROL },
      { user: 'dave', key: DAVE },
    ];
    assert.deepEqual(summary({ approvers, approvals: 2 }), []);
    assert.match(
      summary({ approvers, approvals: 3 }).join('\n'),
      /error break-glass:break-glass\/on-call\/approvals: approvals: 3 needs more approvers than the 2 listed/,
    );
  });

  it('warn at a requester who can never be approved because only they could approve (no self-approval), and not when the rule allows it', () => {
    const rule = { requesters: ['alice', 'bob'], approvers: [{ user: 'alice', key: CAROL }] };
    assert.deepEqual(summary(rule), [
      'warning break-glass:break-glass/on-call/requesters/0: alice can never be approved under rule on-call: approvals needs 1, and without self_approval only 0 other approvers can sign; add approvers or allow self_approval',
    ]);
    assert.equal(check(rule)[0]!.kind, 'never-approved');
    assert.deepEqual(summary({ ...rule, selfApproval: true }), []);
  });

  it('refuse one approver listed twice, whatever the case of the name', () => {
    assert.match(
      summary({
        approvers: [
          { user: 'carol', key: CAROL },
          { user: 'Carol', key: DAVE },
        ],
      }).join('\n'),
      /approvers\/1\/user: Carol is listed as an approver twice/,
    );
  });

  it('refuse a key two approvers share, even with different comments', () => {
    const same = CAROL.replace('carol@laptop', 'dave@desk');
    assert.match(
      summary({
        approvers: [
          { user: 'carol', key: CAROL },
          { user: 'dave', key: same },
        ],
      }).join('\n'),
      /approvers\/1\/key: dave has the same key as approver item 1/,
    );
  });

  it('refuse a truncated key, and a rule name that cannot be typed on a command line', () => {
    assert.match(summary({ approvers: [{ user: 'carol', key: CAROL.slice(0, 60) }] }).join('\n'), /the key of carol is not an OpenSSH ed25519 public key line/);
    assert.match(summary({ approvers: [{ user: 'carol', key: CAROL }] }, 'on call').join('\n'), /rule name "on call" may hold letters, digits/);
  });
});
