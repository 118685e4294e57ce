// One text for one JSON value: object keys sorted at every level, undefined members left out. A
// signature covers this text, and policy documents are written in it, so that maps written in any
// order give the same bytes.

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Sorted keys at every level; members whose value is undefined are dropped, as JSON.stringify drops them. */
export function sortKeys(value: unknown): Json {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    const out: { [key: string]: Json } = {};
    for (const key of Object.keys(value).sort()) {
      const inner = (value as Record<string, unknown>)[key];
      if (inner !== undefined) out[key] = sortKeys(inner);
    }
    return out;
  }
  return value as Json;
}

/** JSON with object keys sorted at every level and no whitespace. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}
