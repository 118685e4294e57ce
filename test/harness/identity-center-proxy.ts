// What the IAM proxy (iam-proxy.ts) does for IAM Identity Center's calls (JSON over HTTP, named by
// the X-Amz-Target header), where moto answers too kindly: it makes every account assignment at once
// and says SUCCEEDED, and it has no provisioning status at all. A test scripts here what a real
// instance may answer instead: creations and deletions that stay IN_PROGRESS for a few reads of
// their status, then succeed or fail with a reason; a ConflictException; provisioning that takes a
// while. moto also makes a second assignment when the same one is created twice (a create sent again
// after its answer was lost, two grants creating one assignment at once), where Identity Center
// keeps one: the proxy answers such a duplicate create as Identity Center does, without passing it
// on. moto also makes a second permission set of a name that exists (a create sent again after its
// answer was lost), where Identity Center keeps names unique and answers ConflictException: so does
// the proxy. It counts the assignment creations in flight at once, from a creation's request to the
// status read that ends it, and the most there ever were.
import crypto from 'node:crypto';

export interface IdentityCenterScript {
  /** Creations answer IN_PROGRESS, and their status reads say so `polls` times before the outcome: made, or FAILED with `failWith` (nothing made). */
  creations?: { polls: number; failWith?: string };
  /**
   * The first `failures` deletions, or every deletion sent before `untilMs` (epoch ms), stay IN_PROGRESS
   * for `polls` reads, then FAIL with `failWith` (nothing deleted); later ones go through.
   */
  deletions?: { polls: number; failures?: number; untilMs?: number; failWith: string };
  /** The first `conflicts` creations answer ConflictException (a request for the same assignment in progress). */
  conflicts?: number;
  /** ProvisionPermissionSet answers IN_PROGRESS, and its status reads say so `polls` times before SUCCEEDED. */
  provisioning?: { polls: number };
}

/** One answer the proxy gives itself, or a rewrite of moto's. */
export type Scripted =
  { answer: { status: number; body: unknown } } | { forward: true; rewrite?: (body: Record<string, unknown>) => unknown; after?: () => void } | undefined;

interface Pending {
  kind: 'creation' | 'deletion' | 'provisioning';
  pollsLeft: number;
  status: Record<string, unknown>;
  /** Where the outcome comes from: moto's own status (`forward`), or FAILED with a reason. */
  outcome: 'forward' | { failWith: string } | 'succeeded';
}

function assignmentKey(params: Record<string, unknown>): string {
  return [params.InstanceArn, params.TargetId, params.PermissionSetArn, params.PrincipalType, params.PrincipalId].join('|');
}

const STATUS_KEY = {
  creation: 'AccountAssignmentCreationStatus',
  deletion: 'AccountAssignmentDeletionStatus',
  provisioning: 'PermissionSetProvisioningStatus',
} as const;

export class IdentityCenterFakes {
  private script: IdentityCenterScript = {};
  private readonly pending = new Map<string, Pending>();
  private deletionFailures = 0;
  private conflicts = 0;
  private inFlight = 0;
  private maxInFlight = 0;
  /** Creations whose request arrived and whose end no answer has said yet. */
  private readonly open = new Set<string>();
  /** Assignments made through the proxy (and not deleted through it), by instance, account, permission set and principal. */
  private readonly assigned = new Set<string>();
  /** Assignments whose creation was passed on to moto and has not answered yet. */
  private readonly creating = new Set<string>();

  /** Permission sets made through the proxy, by instance and name; their ARNs, for a deletion to find them by. */
  private readonly permissionSets = new Map<string, string>();

  /**
   * A call about to be passed on to moto without looking (a fault that loses its answer): what it makes
   * or deletes is still known. False when Identity Center would make nothing (the assignment exists or
   * is being made, the permission set's name is taken) but moto would make a second one: not to be sent.
   */
  passOn(action: string, params: Record<string, unknown>): boolean {
    const assignment = assignmentKey(params);
    const name = `${String(params.InstanceArn)}|${String(params.Name)}`;
    if (action === 'CreateAccountAssignment') {
      if (this.assigned.has(assignment) || this.creating.has(assignment)) return false;
      this.assigned.add(assignment);
    }
    if (action === 'DeleteAccountAssignment') this.assigned.delete(assignment);
    if (action === 'CreatePermissionSet') {
      if (this.permissionSets.has(name)) return false;
      // Its ARN is unknown: the name stays taken until a deletion through the proxy names an ARN of it.
      this.permissionSets.set(name, '');
    }
    if (action === 'DeletePermissionSet') this.forgetPermissionSet(params);
    return true;
  }

  private forgetPermissionSet(params: Record<string, unknown>): void {
    for (const [key, arn] of this.permissionSets) if (arn === params.PermissionSetArn) this.permissionSets.delete(key);
  }

  setScript(script: IdentityCenterScript | undefined): void {
    this.script = script ?? {};
    this.deletionFailures = 0;
    this.conflicts = 0;
  }

  inFlightNow(): number {
    return this.inFlight;
  }

  /** The most assignment creations that were ever in flight at once (since the last reset). */
  maxCreationsInFlight(): number {
    return this.maxInFlight;
  }

  resetCounts(): void {
    this.maxInFlight = this.inFlight;
  }

  private begin(id: string): void {
    this.open.add(id);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
  }

  private end(id: string): void {
    if (this.open.delete(id)) this.inFlight--;
  }

  /** What to do with one call: answer it here, forward it (and maybe rewrite moto's answer), or leave it to moto. */
  handle(action: string, params: Record<string, unknown>): Scripted {
    switch (action) {
      case 'CreateAccountAssignment':
        return this.create(params);
      case 'DescribeAccountAssignmentCreationStatus':
        return this.status('creation', String(params.AccountAssignmentCreationRequestId));
      case 'DeleteAccountAssignment':
        return this.delete(params);
      case 'DescribeAccountAssignmentDeletionStatus':
        return this.status('deletion', String(params.AccountAssignmentDeletionRequestId));
      case 'ProvisionPermissionSet':
        return this.provision();
      case 'CreatePermissionSet':
        return this.createPermissionSet(params);
      case 'DeletePermissionSet':
        return { forward: true, rewrite: (body) => (this.forgetPermissionSet(params), body) };
      case 'DescribePermissionSetProvisioningStatus':
        // moto has no such call: the proxy is the whole of it.
        return (
          this.status('provisioning', String(params.ProvisionPermissionSetRequestId)) ?? {
            answer: { status: 200, body: { PermissionSetProvisioningStatus: { Status: 'SUCCEEDED' } } },
          }
        );
      default:
        return undefined;
    }
  }

  private create(params: Record<string, unknown>): Scripted {
    const marker = crypto.randomUUID();
    this.begin(marker);
    const key = assignmentKey(params);
    if (this.assigned.has(key)) {
      // Identity Center keeps one assignment: creating it again succeeds and makes nothing new.
      this.end(marker);
      const status = {
        TargetId: params.TargetId,
        TargetType: 'AWS_ACCOUNT',
        PermissionSetArn: params.PermissionSetArn,
        PrincipalType: params.PrincipalType,
        PrincipalId: params.PrincipalId,
      };
      return { answer: { status: 200, body: { AccountAssignmentCreationStatus: { ...status, RequestId: crypto.randomUUID(), Status: 'SUCCEEDED' } } } };
    }
    if (this.creating.has(key)) {
      // The same assignment's creation is still under way (another grant's): Identity Center says so.
      this.end(marker);
      return { answer: { status: 400, body: { __type: 'ConflictException', message: 'a request for this assignment is in progress' } } };
    }
    if (this.conflicts < (this.script.conflicts ?? 0)) {
      this.conflicts++;
      this.end(marker);
      return { answer: { status: 400, body: { __type: 'ConflictException', message: 'an operation on this assignment is in progress' } } };
    }
    const creations = this.script.creations;
    if (creations?.failWith !== undefined) {
      const RequestId = crypto.randomUUID();
      const status = { ...params, RequestId, Status: 'IN_PROGRESS' };
      delete (status as Record<string, unknown>).InstanceArn;
      this.open.delete(marker);
      this.open.add(RequestId);
      this.pending.set(RequestId, { kind: 'creation', pollsLeft: creations.polls, status, outcome: { failWith: creations.failWith } });
      return { answer: { status: 200, body: { AccountAssignmentCreationStatus: status } } };
    }
    this.creating.add(key);
    return {
      forward: true,
      rewrite: (body) => {
        const status = body.AccountAssignmentCreationStatus as Record<string, unknown>;
        const RequestId = String(status.RequestId);
        this.assigned.add(key);
        this.open.delete(marker);
        if (!creations) {
          this.inFlight--;
          return body;
        }
        this.open.add(RequestId);
        this.pending.set(RequestId, { kind: 'creation', pollsLeft: creations.polls, status, outcome: 'forward' });
        return { AccountAssignmentCreationStatus: { ...status, Status: 'IN_PROGRESS' } };
      },
      after: () => {
        this.creating.delete(key);
        this.end(marker);
      },
    };
  }

  private createPermissionSet(params: Record<string, unknown>): Scripted {
    const key = `${String(params.InstanceArn)}|${String(params.Name)}`;
    if (this.permissionSets.has(key)) {
      return { answer: { status: 400, body: { __type: 'ConflictException', message: `PermissionSet with name ${String(params.Name)} already exists` } } };
    }
    this.permissionSets.set(key, '');
    return {
      forward: true,
      rewrite: (body) => {
        const arn = (body.PermissionSet as Record<string, unknown> | undefined)?.PermissionSetArn;
        this.permissionSets.set(key, String(arn ?? ''));
        return body;
      },
      after: () => {
        if (this.permissionSets.get(key) === '') this.permissionSets.delete(key);
      },
    };
  }

  private delete(params: Record<string, unknown>): Scripted {
    const deletions = this.script.deletions;
    const failing = deletions && (this.deletionFailures < (deletions.failures ?? 0) || Date.now() < (deletions.untilMs ?? 0));
    if (deletions && failing) {
      this.deletionFailures++;
      const RequestId = crypto.randomUUID();
      const status = {
        TargetId: params.TargetId,
        PermissionSetArn: params.PermissionSetArn,
        PrincipalId: params.PrincipalId,
        RequestId,
        Status: 'IN_PROGRESS',
      };
      this.pending.set(RequestId, { kind: 'deletion', pollsLeft: deletions.polls, status, outcome: { failWith: deletions.failWith } });
      return { answer: { status: 200, body: { AccountAssignmentDeletionStatus: status } } };
    }
    const key = assignmentKey(params);
    return {
      forward: true,
      rewrite: (body) => {
        this.assigned.delete(key);
        return body;
      },
    };
  }

  private provision(): Scripted {
    const provisioning = this.script.provisioning;
    if (!provisioning) return undefined;
    return {
      forward: true,
      rewrite: (body) => {
        const status = body.PermissionSetProvisioningStatus as Record<string, unknown>;
        this.pending.set(String(status.RequestId), { kind: 'provisioning', pollsLeft: provisioning.polls, status, outcome: 'succeeded' });
        return { PermissionSetProvisioningStatus: { ...status, Status: 'IN_PROGRESS' } };
      },
    };
  }

  /** A status read of a request the script holds: IN_PROGRESS while polls are left, then its outcome. */
  private status(kind: Pending['kind'], requestId: string): Scripted {
    const pending = this.pending.get(requestId);
    if (!pending || pending.kind !== kind) return undefined;
    const key = STATUS_KEY[kind];
    if (pending.pollsLeft > 0) {
      pending.pollsLeft--;
      return { answer: { status: 200, body: { [key]: { ...pending.status, Status: 'IN_PROGRESS' } } } };
    }
    this.pending.delete(requestId);
    if (kind === 'creation') this.end(requestId);
    if (pending.outcome === 'forward') return { forward: true };
    if (pending.outcome === 'succeeded') return { answer: { status: 200, body: { [key]: { ...pending.status, Status: 'SUCCEEDED' } } } };
    return { answer: { status: 200, body: { [key]: { ...pending.status, Status: 'FAILED', FailureReason: pending.outcome.failWith } } } };
  }
}
