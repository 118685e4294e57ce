// Validates a generated config of 5,000 temporary and 1,000 permanent entries and prints the wall
// time and peak memory (a benchmark, not a test). Run: npm run build && node lib/bench/validate.js
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { validateTeam } from '../src/validate';
import { largeTeam } from './generate';

export async function benchValidate(temporary = 5000, permanent = 1000): Promise<{ ms: number; cpuMs: number; grants: number; peakRssMb: number }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'grantflow-bench-validate-'));
  try {
    const nowMs = Date.now();
    largeTeam(dir, 'big', temporary, permanent, nowMs);
    const started = process.hrtime.bigint();
    const cpu = process.cpuUsage();
    const result = await validateTeam({ dir, team: 'big', env: {}, nowMs });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    // CPU time says what validation costs on a machine shared with other work; wall time, what a user waits.
    const spent = process.cpuUsage(cpu);
    const cpuMs = (spent.user + spent.system) / 1000;
    if (!result.ok)
      throw new Error(
        `generated config is invalid: ${result.diagnostics
          .slice(0, 3)
          .map((d) => d.message)
          .join('; ')}`,
      );
    return { ms, cpuMs, grants: result.team.expansion.grants.length, peakRssMb: process.resourceUsage().maxRSS / 1024 };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  benchValidate().then(
    ({ ms, cpuMs, grants, peakRssMb }) => {
      process.stdout.write(
        `validate: 6,000 entries (${grants} grants) in ${ms.toFixed(0)} ms wall, ${cpuMs.toFixed(0)} ms CPU, peak RSS ${peakRssMb.toFixed(0)} MB (goal: under 1 s)\n`,
      );
    },
    (error) => {
      process.stderr.write(`${(error as Error).stack}\n`);
      process.exit(1);
    },
  );
}
