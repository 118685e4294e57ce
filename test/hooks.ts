// mocha root hooks: quiet Temporal runtime logs, and whatever a test started is stopped when the
// run ends, pass or fail.
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { stopAll } from '../src/local/processes';

// Activity failures and server outages the tests cause on purpose are logged at WARN (by the SDK and
// by its native core); ERROR keeps the output readable. GRANTFLOW_TEST_LOG=debug shows everything.
const level = process.env.GRANTFLOW_TEST_LOG === 'debug' ? 'DEBUG' : 'ERROR';
Runtime.install({
  logger: new DefaultLogger(level),
  telemetryOptions: { logging: { filter: { core: level, other: level }, forward: {} } },
});

export const mochaHooks = {
  async afterAll(this: Mocha.Context) {
    this.timeout(60_000);
    await stopAll();
  },
};
