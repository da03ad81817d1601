import { type LeadingEnvelope, layer } from "./envelope.ts";

/** `kubectl logs --prefix` prints `[pod/<name>/<container>] ` before each line (and before `--timestamps`). */
const KUBECTL = /^\[(pod\/[^\s\]/]{1,253}\/[^\s\]]{1,253})\](?: |$)/;

/** `kubectl`: `kubectl logs --prefix` (`[pod/web-7d9f-abcde/app] text`), with or without `--timestamps`. */
export const kubectl: LeadingEnvelope = {
  opensWith: (c) => c === 91,
  unwrap(s, keys, depth, inner) {
    if (s.charCodeAt(1) !== 112 || !s.startsWith("[pod/")) return undefined;
    const m = KUBECTL.exec(s);
    return m ? layer("kubectl", s.slice(m[0].length), m[1], undefined, undefined, keys, depth, inner) : undefined;
  },
};
