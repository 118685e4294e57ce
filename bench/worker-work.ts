// Where the worker's work goes, counted rather than timed: the worker's own Prometheus endpoint
// (the Temporal SDK's runtime series) read before and after a phase, so a benchmark can say how many
// workflow tasks, replays after an eviction, activity tasks, local activities and calls to the
// Temporal server each grant cost.

/** Every sample of a Prometheus text exposition, by name and labels as written (`name{a="b"}`). */
export function parseSamples(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([^\s{]+(?:\{[^}]*\})?)\s+(\S+)/.exec(line);
    if (match) samples.set(match[1]!, Number(match[2]));
  }
  return samples;
}

/** `after - before` for each sample that moved. */
export function samplesSpent(before: Map<string, number>, after: Map<string, number>): Map<string, number> {
  const spent = new Map<string, number>();
  for (const [key, value] of after) {
    const delta = value - (before.get(key) ?? 0);
    if (delta !== 0) spent.set(key, delta);
  }
  return spent;
}

function sum(spent: Map<string, number>, name: RegExp, label?: RegExp): number {
  let total = 0;
  for (const [key, value] of spent) {
    const at = key.indexOf('{');
    const bare = at < 0 ? key : key.slice(0, at);
    if (name.test(bare) && (!label || label.test(key))) total += value;
  }
  return total;
}

/** The server calls a sample counts, by operation (`operation="StartWorkflowExecution"`). */
function byOperation(spent: Map<string, number>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const [key, value] of spent) {
    if (!/^temporal_request(_total)?\{/.test(key)) continue;
    const operation = /operation="([^"]+)"/.exec(key)?.[1] ?? 'unknown';
    counts[operation] = (counts[operation] ?? 0) + value;
  }
  return counts;
}

export interface WorkerWork {
  workflow_tasks: number;
  replays: number;
  activity_tasks: number;
  local_activities: number;
  server_calls: Record<string, number>;
}

/** What a phase cost the worker, per grant (two decimals), from two readings of its metrics. */
export function workPerGrant(before: Map<string, number>, after: Map<string, number>, grants: number): WorkerWork {
  const spent = samplesSpent(before, after);
  const per = (n: number) => Math.round((n / grants) * 100) / 100;
  const calls = byOperation(spent);
  return {
    workflow_tasks: per(sum(spent, /^temporal_workflow_task_execution_latency(_seconds)?_count$/)),
    replays: per(sum(spent, /^temporal_sticky_cache_miss(_total)?$/)),
    activity_tasks: per(sum(spent, /^temporal_activity_execution_latency(_seconds)?_count$/)),
    local_activities: per(sum(spent, /^temporal_local_activity_execution_latency(_seconds)?_count$/)),
    server_calls: Object.fromEntries(
      Object.entries(calls)
        .filter(([, n]) => n > 0)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([operation, n]) => [operation, per(n)]),
    ),
  };
}

export function describeWork(work: WorkerWork): string {
  const calls = Object.entries(work.server_calls)
    .map(([operation, n]) => `${operation} ${n}`)
    .join(', ');
  return (
    `${work.workflow_tasks} workflow tasks (${work.replays} replayed after an eviction), ${work.activity_tasks} activity tasks, ` +
    `${work.local_activities} local activities; the worker's calls to the server: ${calls || 'none'}`
  );
}

/** The worker's metrics now (empty when it serves none). */
export async function readWorkerMetrics(address: string | undefined): Promise<Map<string, number>> {
  if (!address) return new Map();
  const response = await fetch(`http://${address}/metrics`);
  return parseSamples(await response.text());
}
