// A short, stable digest for names and tag keys. Not for security: grantflow only needs distinct,
// deterministic keys (inside workflows too, where Node's crypto module is not available).

/** 64-bit FNV-1a over the UTF-16 code units, as 16 hex characters. */
export function digest(text: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0xcbf29ce4;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ c ^ (h1 >>> 7), 0x01000193) >>> 0;
  }
  return h1.toString(16).padStart(8, '0') + h2.toString(16).padStart(8, '0');
}
