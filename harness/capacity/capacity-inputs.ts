import { existsSync } from "node:fs";
import { UsageError } from "../core/errors.ts";
import { pathOfRole, type Target } from "../target/define-target.ts";
import { loadTarget } from "../target/load-target.ts";
import type { CapacityRequest } from "./capacity-plan.ts";

/**
 * What to request: each given path (/items) as is, each role (db) as the target maps it; none given: the
 * path of a --url (`http://127.0.0.1:8000/items`), else the target's health path.
 */
export function capacityRequests(given: string[], target: Target | undefined, url?: string): CapacityRequest[] {
  if (!given.length && !target && url) {
    const path = new URL(url).pathname;
    return [{ path: path || "/", method: "GET", weight: 1 }];
  }
  const paths = given.length ? given : [target?.health ?? "/health"];
  return paths.map((p) => {
    if (p.startsWith("/")) return { path: p, method: "GET", weight: 1 };
    if (!target) throw new UsageError("BAD_PATH", `--path ${p}: a role needs a target; with --url give a path (/items).`);
    const path = pathOfRole(target, p);
    if (!path)
      throw new UsageError(
        "BAD_PATH",
        `--path ${p}: ${target.name} maps no role "${p}" (its roles: health, ${Object.keys(target.paths).join(", ")}). Give a role it maps or a path (/items).`,
      );
    return { path, method: "GET", weight: 1 };
  });
}

/** `--compare`: a target file, or an image reference run as this target (same env, paths and banners). */
export async function referenceTarget(value: string, target: Target): Promise<Target> {
  if (/\.(ts|json)$/.test(value) || existsSync(value)) return loadTarget(value);
  const { build: _build, ...rest } = target;
  return { ...rest, image: value, name: `${target.name}@${value}` };
}
