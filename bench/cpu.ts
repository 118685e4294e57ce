// Where the time goes: CPU seconds used by each part of the stack, read from /proc (Linux), so a
// benchmark phase can say whether the Temporal server, the worker, moto or the bench itself was busy.
import fs from 'node:fs';

const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ, fixed at 100 on Linux whatever the kernel's HZ

export type CpuRoles = Record<string, (cmdline: string, pid: number) => boolean>;

export const STACK_ROLES: CpuRoles = {
  'temporal server': (cmd) => cmd.includes('server start-dev'),
  worker: (cmd) => cmd.includes('grantflow.js worker'),
  moto: (cmd) => cmd.includes('moto_server'),
  'bench + IAM proxy': (_cmd, pid) => pid === process.pid,
};

/** CPU seconds (user + system) each role's processes have used so far; empty where /proc is absent. */
export function cpuSeconds(roles: CpuRoles = STACK_ROLES): Record<string, number> {
  const totals: Record<string, number> = Object.fromEntries(Object.keys(roles).map((role) => [role, 0]));
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc').filter((entry) => /^\d+$/.test(entry));
  } catch {
    return {};
  }
  for (const entry of entries) {
    try {
      const pid = Number(entry);
      const cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
      const role = Object.keys(roles).find((name) => roles[name]!(cmdline, pid));
      if (!role) continue;
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the command name's closing parenthesis start at field 3 (state); utime and stime are 14 and 15.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      totals[role]! += (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return totals;
}

/** `after - before` per role, rounded to a tenth of a second. */
export function cpuSpent(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.keys(after).map((role) => [role, Math.round(((after[role] ?? 0) - (before[role] ?? 0)) * 10) / 10]));
}

export function describeCpu(spent: Record<string, number>): string {
  return Object.entries(spent)
    .map(([role, seconds]) => `${role} ${seconds} s`)
    .join(', ');
}
