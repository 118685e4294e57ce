// Temporal's Java time-skipping test server, started by the SDK as an `existing-path` executable
// (the wrapper scripts/bootstrap.js writes); the SDK's own download needs internet access.
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { testServer } from '../../src/local/tools';

export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const server = await testServer();
  return TestWorkflowEnvironment.createTimeSkipping(server ? { server: { executable: { type: 'existing-path', path: server } } } : {});
}
