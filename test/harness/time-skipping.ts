// Temporal's Java time-skipping test server, started by the SDK as an `existing-path` executable
// (the wrapper scripts/bootstrap.js writes); the SDK's own download needs internet access.
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { testServer } from '../../src/local/tools';

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
