import { iamUserName } from '../../core/names';
import { connectClient } from '../../temporal/connection';
import { listLiveGrants } from '../../temporal/operations';
import { defineCommand, EXIT, JSON_OPTION, write } from '../command';
import { expiry, table } from '../table';

export const statusCommand = defineCommand({
  name: 'status',
  summary: 'List live grants: principal, account, policy, kind, state and expiry.',
  arguments: [{ name: 'team' }],
  options: {
    user: { type: 'string', short: 'u', value: 'U', description: 'only grants of this user or role' },
    policy: { type: 'string', value: 'P', description: 'only grants of this policy' },
    json: { ...JSON_OPTION, description: 'print the grants as JSON on stdout' },
  },
  description: `
Reads the running grant workflows from Temporal's visibility store (the same data the Web UI
filters on: GrantTeam, GrantPrincipal, GrantPolicy, ...). An email given to --user is matched by
its IAM user name.`,
  exitCodes: 'Exit codes: 0 listed, 2 usage error, 3 Temporal unreachable.',
  async run({ values, positionals, io }) {
    const { client, connection } = await connectClient();
    try {
      const grants = await listLiveGrants(client, {
        ...(positionals[0] ? { team: positionals[0] } : {}),
        ...(values.user !== undefined ? { principal: iamUserName(values.user) } : {}),
        ...(values.policy !== undefined ? { policy: values.policy } : {}),
      });
      if (values.json) {
        write(io.stdout, JSON.stringify(grants, null, 2));
        return EXIT.ok;
      }
      const now = Date.now();
      const rows = grants.map((g) => [
        `${(g.memo.principalType as string | undefined) ?? 'user'}/${g.principal}`,
        `${g.environment} (${g.account})`,
        g.policy,
        g.kind,
        g.state,
        expiry(g.expiresAt, now),
        g.id,
      ]);
      write(io.stdout, table(['PRINCIPAL', 'ACCOUNT', 'POLICY', 'KIND', 'STATE', 'EXPIRES', 'GRANT ID'], rows));
      write(io.stdout, `\n${grants.length} live grant${grants.length === 1 ? '' : 's'}${positionals[0] ? ` of ${positionals[0]}` : ''}`);
      return EXIT.ok;
    } finally {
      await connection.close();
    }
  },
});
