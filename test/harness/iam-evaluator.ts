// One request put to an IAM policy evaluator (@cloud-copilot/iam-simulate, written from AWS's
// documented evaluation logic, not by us): what a principal's identity policies decide for an action
// on a resource, with the request's context (time, MFA, TLS). Tests ask it what AWS itself would
// allow of what grantflow left in IAM.
import { runSimulation } from '@cloud-copilot/iam-simulate';

export interface EvaluatedRequest {
  /** The account the principal and the resource are in. */
  account: string;
  /** `user/NAME` or `role/NAME`. */
  principal: string;
  action: string;
  resource: string;
  context: Record<string, string>;
}

/** `Allowed`, `ImplicitlyDenied` or `ExplicitlyDenied`; an evaluator that refuses the request fails the test, saying why. */
export async function decide(policies: { name: string; policy: unknown }[], request: EvaluatedRequest): Promise<string> {
  const response = await runSimulation(
    {
      identityPolicies: policies as Parameters<typeof runSimulation>[0]['identityPolicies'],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      request: {
        action: request.action,
        principal: `arn:aws:iam::${request.account}:${request.principal}`,
        resource: { accountId: request.account, resource: request.resource },
        contextVariables: request.context,
      },
    },
    {},
  );
  if (response.resultType === 'error') throw new Error(`the evaluator refused ${request.action} on ${request.resource}: ${JSON.stringify(response.errors)}`);
  return response.overallResult;
}
