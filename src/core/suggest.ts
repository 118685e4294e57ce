// "Did you mean …?" for misspelt keys, environments and policy names.

function editDistance(a: string, b: string): number {
  const previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = previous[0]!;
    previous[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = previous[j]!;
      previous[j] = Math.min(above + 1, previous[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return previous[b.length]!;
}

/** The candidate nearest to `word`, if it is near enough to be a likely typo. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance || (distance === bestDistance && best !== undefined && candidate < best)) {
      best = candidate;
      bestDistance = distance;
    }
  }
  const allowed = Math.max(2, Math.floor(word.length / 3));
  if (best !== undefined && bestDistance <= allowed) return best;
  // `production` for `prod`, `development` for `dev`: one name abbreviates the other.
  const lower = word.toLowerCase();
  return candidates.find((c) => c.length >= 3 && lower.length >= 3 && (lower.startsWith(c.toLowerCase()) || c.toLowerCase().startsWith(lower)));
}

/** `did you mean "x"?` or the list of what exists. */
export function suggestion(word: string, candidates: readonly string[], noun: string): string {
  const near = closest(word, candidates);
  if (near) return `did you mean "${near}"?`;
  if (candidates.length === 0) return `no ${noun} is defined`;
  const shown = candidates
    .slice(0, 8)
    .map((c) => `"${c}"`)
    .join(', ');
  return `defined ${noun}: ${shown}${candidates.length > 8 ? ', …' : ''}`;
}
