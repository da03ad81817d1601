import { isDigit, type LeadingEnvelope, layer } from "./envelope.ts";

/**
 * `compose`: `docker compose logs` / `up`, v2 (`%-*s | ` padded to the longest name: `web-1  | text`) and v1
 * (`web_1  | text`). The name must end in `-N`/`_N` (the replica number compose adds), so ordinary text with a `|`
 * stays text.
 */
export const compose: LeadingEnvelope = {
  opensWith: (c) => isDigit(c) || isLetter(c),
  unwrap(s, keys, depth, inner) {
    const n = s.length;
    const limit = Math.min(n, 128);
    let i = 0;
    while (i < limit && isNameChar(s.charCodeAt(i))) i++;
    if (i < 3 || i >= n || s.charCodeAt(i) !== 32) return undefined;
    let k = i - 1;
    while (k > 0 && isDigit(s.charCodeAt(k))) k--;
    const sep = s.charCodeAt(k);
    if (k === i - 1 || k < 1 || (sep !== 45 && sep !== 95)) return undefined;
    let j = i;
    while (j < n && j < i + 256 && s.charCodeAt(j) === 32) j++;
    if (s.charCodeAt(j) !== 124) return undefined;
    j++;
    if (j < n) {
      if (s.charCodeAt(j) !== 32) return undefined;
      j++;
    }
    return layer("compose", s.slice(j), s.slice(0, i), undefined, undefined, keys, depth, inner);
  },
};

function isLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

function isNameChar(c: number): boolean {
  return isDigit(c) || isLetter(c) || c === 45 || c === 95 || c === 46;
}
