// Temporal's Java time-skipping test server, started by the SDK as an `existing-path` executable
// (the wrapper scripts/bootstrap.js writes); the SDK's own download needs internet access.
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { AccountClients } from '../../src/aws/accounts';
import { DEFAULT_GUARDRAILS } from '../../src/core/guardrails';
import type { NotificationSink } from '../../src/core/notification-sink';
import { testServer } from '../../src/local/tools';
import type { HolderDirectory } from '../../src/temporal/holders';
import { parsePublicKey } from '../../src/trust/keys';
import { DEFAULT_SUBMISSION_MAX_AGE_MS } from '../../src/trust/submissions';
import { workflowBundle } from '../../src/worker';
import { createActivities } from '../../activities';

/**
 * The SDK gives the server 5 s to start; a JVM on a loaded 2-core machine can take longer, so a start
 * that times out is tried again (on a new free port) before the test gives up.
 */
export async function createTimeSkippingEnv(attempts = 3): Promise<TestWorkflowEnvironment> {
  const server = await testServer();
  for (let attempt = 1; ; attempt++) {
    try {
      return await TestWorkflowEnvironment.createTimeSkipping(server ? { server: { executable: { type: 'existing-path', path: server } } } : {});
    } catch (error) {
      if (attempt >= attempts || !/did not start within/.test((error as Error).message)) throw error;
      process.stderr.write(`time-skipping server did not start in time (attempt ${attempt} of ${attempts}); trying again\n`);
    }
  }
}

/**
 * The Java test server has no visibility list API, so "who else holds this policy" cannot be asked
 * of it: the time-skipping tests give each principal one grant, so no one else does.
 */
export const noOtherHolders: HolderDirectory = { neededArns: async () => new Set() };

/** A grantflow worker on the time-skipping server: the real workflows and activities, trusting the submissions `trustedPublicLine` signs. */
export async function timeSkippingWorker(
  env: TestWorkflowEnvironment,
  options: { taskQueue: string; accounts: AccountClients; trustedPublicLine: string; sinks?: NotificationSink[] },
): Promise<Worker> {
  const trusted = parsePublicKey(options.trustedPublicLine);
  return Worker.create({
    connection: env.nativeConnection,
    taskQueue: options.taskQueue,
    workflowBundle: await workflowBundle(),
    activities: createActivities({
      accounts: options.accounts,
      holders: noOtherHolders,
      temporal: env.client,
      authority: {
        trust: { keys: [{ name: 'ci', id: trusted.id, key: trusted.key }], insecureAcceptUnsigned: false, maxAgeMs: DEFAULT_SUBMISSION_MAX_AGE_MS },
        guardrails: DEFAULT_GUARDRAILS,
      },
      ...(options.sinks ? { notifications: { sinks: options.sinks } } : {}),
    }),
  });
}
