// The SDK's quick retries (QuickRetryStrategy): which errors it retries, and that it stops after three
// attempts in all.
import assert from 'node:assert/strict';
import { QuickRetryStrategy } from '../../../src/aws/retry-strategy';

describe("the SDK's quick retries", function () {
  const strategy = new QuickRetryStrategy(3, 1);
  const retry = async (name: string, errorType: 'TRANSIENT' | 'THROTTLING' | 'SERVER_ERROR' | 'CLIENT_ERROR', retriesSoFar = 0) => {
    let token = await strategy.acquireInitialRetryToken();
    for (let i = 0; i < retriesSoFar; i++) token = await strategy.refreshRetryTokenForRetry(token, { errorType: 'THROTTLING', error: { name: 'Throttling' } });
    return strategy.refreshRetryTokenForRetry(token, { errorType, error: { name } });
  };
  const cases: [string, 'TRANSIENT' | 'THROTTLING' | 'SERVER_ERROR' | 'CLIENT_ERROR', boolean][] = [
    ['Throttling', 'THROTTLING', true],
    ['ServiceFailure', 'SERVER_ERROR', true],
    ['TimeoutError', 'TRANSIENT', true],
    ['LimitExceededException', 'THROTTLING', false],
    ['LimitExceeded', 'CLIENT_ERROR', false],
    ['NoSuchEntityException', 'CLIENT_ERROR', false],
    ['AccessDenied', 'CLIENT_ERROR', false],
  ];
  for (const [name, type, retried] of cases) {
    it(`${retried ? 'retries' : 'does not retry'} ${name} (${type})`, async () => {
      if (retried) assert.equal((await retry(name, type)).getRetryCount(), 1);
      else await assert.rejects(retry(name, type), (e: { name?: string }) => e.name === name);
    });
  }
  it('stops after three attempts in all', async () => {
    assert.equal((await retry('Throttling', 'THROTTLING', 1)).getRetryCount(), 2);
    await assert.rejects(retry('Throttling', 'THROTTLING', 2), (e: { name?: string }) => e.name === 'Throttling');
  });
});
