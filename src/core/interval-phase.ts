// When a team's interval pass runs. Teams submitted together (a deploy of many teams' YAML, a fleet
// restored at once) would otherwise all pass on the same tick and spend every account's IAM budget
// together; each team instead passes at its own phase of the interval, fixed by its name, so many
// teams on one interval spread evenly over it and a team keeps its slot across restarts.
import { digest } from './digest';

/** The team's offset within the interval, in ms: the same for the same team and interval, spread evenly over teams. */
export function intervalPhaseMs(team: string, intervalMs: number): number {
  const d = digest(`interval-phase/${team}`);
  const hash = fmix32(parseInt(d.slice(0, 8), 16) ^ fmix32(parseInt(d.slice(8), 16)));
  return Math.floor((hash / 0x1_0000_0000) * intervalMs);
}

/** MurmurHash3's finaliser: FNV's high bits change little between names that differ at the end. */
function fmix32(value: number): number {
  let h = value >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * How long to wait from `nowMs` until the team's next interval pass: its next slot (phase + k ×
 * interval, on the clock), but never sooner than half an interval, so a pass that a submission has
 * just made is not followed by another within moments. Passes that keep their slot are one
 * interval apart.
 */
export function nextIntervalDelayMs(team: string, intervalMs: number, nowMs: number): number {
  if (!(intervalMs > 0)) return intervalMs;
  const phase = intervalPhaseMs(team, intervalMs);
  const untilSlot = (((phase - nowMs) % intervalMs) + intervalMs) % intervalMs;
  return untilSlot < intervalMs / 2 ? untilSlot + intervalMs : untilSlot;
}
