// `node lib/bench/test-server-start.js [runs]`: how long the SDK takes to start Temporal's Java
// time-skipping test server through our `existing-path` wrapper and connect to it. The SDK gives
// the server 5 s to answer, so this is the margin the time-skipping tests live on.
import { createTimeSkippingEnv } from '../test/harness/time-skipping';

async function main(): Promise<void> {
  const runs = Number(process.argv[2] ?? 5);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const env = await createTimeSkippingEnv();
    times.push(Math.round(performance.now() - started));
    await env.teardown();
  }
  const sorted = [...times].sort((a, b) => a - b);
  process.stdout.write(
    `test server start (SDK start + connect), ${runs} runs: ${times.join(', ')} ms; ` +
      `median ${sorted[Math.floor(sorted.length / 2)]} ms, max ${sorted[sorted.length - 1]} ms (the SDK allows 5000 ms)\n`,
  );
}

main().catch((error: Error) => {
  process.stderr.write(`test-server-start: ${error.stack}\n`);
  process.exit(1);
});
