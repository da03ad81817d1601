import { existsSync } from "node:fs";
import { join } from "node:path";

/**
 * `<parent>/nightly-<date><suffix>`, or `nightly-<date>-<hhmmss><suffix>` when that folder exists already
 * (a second nightly the same day). The suffix names a shard: `-shard-2-of-4`.
 */
export function nightlyDir(parent: string, suffix = ""): string {
  const now = new Date().toISOString();
  const plain = join(parent, `nightly-${now.slice(0, 10)}`);
  return existsSync(`${plain}${suffix}`) ? `${plain}-${now.slice(11, 19).replace(/:/g, "")}${suffix}` : `${plain}${suffix}`;
}
