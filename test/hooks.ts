// mocha root hooks: quiet Temporal runtime logs, and whatever a test started is stopped when the
// run ends, pass or fail.
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { stopAll } from '../src/local/processes';

// Activity failures the tests cause on purpose are logged at WARN; ERROR keeps the output readable.
Runtime.install({ logger: new DefaultLogger(process.env.GRANTFLOW_TEST_LOG === 'debug' ? 'DEBUG' : 'ERROR') });

export const mochaHooks = {
  async afterAll(this: Mocha.Context) {
    this.timeout(60_000);
    await stopAll();
  },
};
