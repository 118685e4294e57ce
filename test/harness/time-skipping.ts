// Temporal's Java time-skipping test server, started by the SDK as an `existing-path` executable
// (the wrapper scripts/bootstrap.js writes); the SDK's own download needs internet access.
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { toolPaths } from '../../src/local/tools';

export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const tools = await toolPaths();
  return TestWorkflowEnvironment.createTimeSkipping(
    tools.testServer ? { server: { executable: { type: 'existing-path', path: tools.testServer } } } : {},
  );
}
