// What every part of a pass works with. `PassDeps` is the worker's: its clients, its authority over
// what it applies, the namespace's retention, the activity's heartbeat. `PassContext` is one pass's:
// those, who asked, the config it applies, the ledger it read, and the report it fills. Each act
// (act/) is a function of a context; nothing is set up twice.
import type { Client } from '@temporalio/client';
import type { AccountClients } from '../aws/accounts';
import type { HolderLookup } from '../aws/grant-iam';
import type { IdentityCenter } from '../aws/identity-center';
import type { Deployer, GrantSpec } from '../core/grant';
import { deployerFor } from '../core/grant-derived';
import type { LedgerEntry } from '../core/ledger';
import type { Revision } from '../core/revision';
import type { TeamConfig } from '../core/team-config';
import type { PassCaller, SubmissionRef } from '../../workflows/messages';
import type { ConfigAuthority } from './authority';
import type { NamespaceRetention } from './read/retention';
import type { Report } from './report';

export interface PassDeps {
  temporal: Client;
  accounts: AccountClients;
  holders: HolderLookup;
  /** The worker's IAM Identity Center instance, if its configuration names one. */
  identityCenter?: IdentityCenter | undefined;
  authority: ConfigAuthority;
  /** The namespace's retention, read (and kept for a while) by an object the worker owns. */
  retention: Pick<NamespaceRetention, 'current'>;
  /** Says the activity is alive; throws once its workflow no longer waits for it. */
  heartbeat: (detail: unknown) => void;
}

export interface PassContext {
  deps: PassDeps;
  caller: PassCaller;
  /** The revision the reconcile workflow asked with: grants the pass starts keep it in their memo. */
  revision?: Revision;
  /** Who the pass acts for, in the revoke requests and records it writes. */
  by: string;
  config?: TeamConfig;
  /** Where the config came from: grants started or re-applied by this pass derive their spec from it. */
  source?: SubmissionRef;
  deployer?: Deployer;
  /** The grants the config wants, by id. */
  desired: ReadonlyMap<string, GrantSpec>;
  ledger: ReadonlyMap<string, LedgerEntry>;
  report: Report;
  /** When this pass's starts were decided; each grant it starts keeps it in its memo. */
  decidedAt: string;
}

/** A pass's context, from what it read. */
export function passContext(
  deps: PassDeps,
  asked: PassCaller & { revision?: Revision; by?: string },
  read: { config?: TeamConfig; source?: SubmissionRef; desired: readonly GrantSpec[]; ledger: ReadonlyMap<string, LedgerEntry>; decidedAt: string },
  report: Report,
): PassContext {
  const { team, reconcileWorkflowId, runId, taskQueue } = asked;
  return {
    deps,
    caller: { team, reconcileWorkflowId, runId, taskQueue },
    ...(asked.revision ? { revision: asked.revision } : {}),
    by: asked.by ?? asked.revision?.submittedBy ?? 'grantflow reconcile',
    ...(read.config ? { config: read.config, deployer: deployerFor(read.config.settings) } : {}),
    ...(read.source ? { source: read.source } : {}),
    desired: new Map(read.desired.map((g) => [g.id, g])),
    ledger: read.ledger,
    report,
    decidedAt: read.decidedAt,
  };
}
