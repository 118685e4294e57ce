// The AWS SDK's own retries: a couple of quick ones for throttling, 5xx and network errors, so a
// momentary hiccup does not fail a whole activity; Temporal's retry policy governs everything
// longer. The SDK's standard strategy also retries LimitExceededException as if it were
// throttling, which would only delay the error a quota deserves; this one never does.

type RetryErrorType = 'TRANSIENT' | 'THROTTLING' | 'SERVER_ERROR' | 'CLIENT_ERROR';

interface RetryErrorInfo {
  error?: { name?: string };
  errorType: RetryErrorType;
}

interface Token {
  getRetryCount(): number;
  getRetryDelay(): number;
}

function token(retries: number, delay: number): Token {
  return { getRetryCount: () => retries, getRetryDelay: () => delay };
}

const NEVER_RETRIED = /LimitExceeded/;

export class QuickRetryStrategy {
  readonly mode = 'standard';

  constructor(
    private readonly maxAttempts = 3,
    private readonly baseDelayMs = 100,
  ) {}

  async acquireInitialRetryToken(): Promise<Token> {
    return token(0, 0);
  }

  async refreshRetryTokenForRetry(previous: Token, errorInfo: RetryErrorInfo): Promise<Token> {
    const retries = previous.getRetryCount() + 1;
    const retryable = errorInfo.errorType !== 'CLIENT_ERROR' && !NEVER_RETRIED.test(errorInfo.error?.name ?? '');
    if (!retryable || retries >= this.maxAttempts) throw errorInfo.error ?? new Error('not retried');
    const delay = Math.min(1000, this.baseDelayMs * 2 ** (retries - 1)) * (0.5 + Math.random() / 2);
    return token(retries, delay);
  }

  recordSuccess(): void {}
}
