import { relative } from "node:path";
import { BANNER_CALLED_FOR, BANNER_LABEL, declaredBannerKinds } from "../classify/banners.ts";
import type { Cause } from "../classify/causes.ts";
import { UsageError } from "../core/errors.ts";
import { DATABASE_FAULTS } from "../faults/fault-spec.ts";
import { bannersOf, pathOfRole, type Target } from "../target/define-target.ts";
import type { Scenario } from "./define-scenario.ts";

/**
 * The scenario as it runs on this target: every role resolved to the target's path. A scenario that
 * needs what the target does not declare (a role, the harness's database, a lockTable, a setting) is
 * refused with exit 2 and one line naming what is missing and the generic scenario to use instead
 * (`alternative`, the scenario's declared stand-in, when it runs on this target), or the fix.
 */
export function fitScenario(scenario: Scenario, target: Target, alternative?: Scenario): Scenario {
  const missing = missingFor(scenario, target);
  if (missing) {
    const alternativeLacks = alternative && missingFor(alternative, target);
    const instead =
      alternative && !alternativeLacks
        ? `Use ${alternative.name} instead: it runs on this target.`
        : `Declare it in the target to run ${scenario.name}.${alternative ? ` Its stand-in, ${alternative.name}, does not run here either: it needs ${alternativeLacks}.` : ""}`;
    throw new UsageError(
      "SCENARIO_DOES_NOT_FIT",
      `${scenario.name} needs ${missing}, which target ${target.name} does not declare (${relative(process.cwd(), target.file)}). ${instead}`,
    );
  }
  // missingFor has refused every role the target does not map.
  const pathOf = (role: string) => pathOfRole(target, role)!;
  return {
    ...scenario,
    load: { ...scenario.load, requests: scenario.load.requests.map((r) => ({ ...r, path: r.path ?? pathOf(r.role!) })) },
    faults: scenario.faults.map((f) => (f.action === "request" && !f.path ? { ...f, path: pathOf(f.role!) } : f)),
  };
}

/**
 * The scenario's description on this target and config: the target's own where the scenario has one (`targets:`), then
 * the banners its deaths owe there, from what the target declares; none said when it declares none.
 */
export function describeFor(scenario: Scenario, target: Target, config = "default"): string {
  const base = scenario.targets[target.name]?.description ?? scenario.description;
  const declared = declaredBannerKinds(bannersOf(target, config));
  const causes = Object.keys(scenario.expect.deaths?.causes ?? {}) as Cause[];
  const owed = [...new Set(causes.flatMap((cause) => BANNER_CALLED_FOR[cause] ?? []))].filter((kind) => declared.includes(kind));
  if (!owed.length) return base;
  return `${base} Each dying worker prints its ${owed.map((kind) => BANNER_LABEL[kind]).join(" or ")} banner (declared by ${target.name}).`;
}

/** The scenarios that fit the target, and one line for each that does not: what `--all` and nightly run, and what they say they left out. */
export function partitionByFit(scenarios: readonly Scenario[], target: Target): { fitting: Scenario[]; leftOut: string[] } {
  const fitting: Scenario[] = [];
  const leftOut: string[] = [];
  for (const scenario of scenarios) {
    const missing = missingFor(scenario, target);
    if (missing) leftOut.push(`not run on ${target.name}: ${scenario.name} needs ${missing}`);
    else fitting.push(scenario);
  }
  return { fitting, leftOut };
}

/** What the scenario needs and the target lacks, in words; undefined when it fits. */
export function missingFor(scenario: Scenario, target: Target): string | undefined {
  const roles = [
    ...scenario.load.requests.flatMap((r) => (r.role ? [r.role] : [])),
    ...scenario.faults.flatMap((f) => (f.action === "request" && f.role ? [f.role] : [])),
    ...(scenario.expect.recovery?.role ? [scenario.expect.recovery.role] : []),
  ];
  const unmapped = [...new Set(roles)].filter((role) => !pathOfRole(target, role));
  if (unmapped.length)
    return `the role${unmapped.length > 1 ? "s" : ""} ${unmapped.map((r) => `"${r}"`).join(", ")} (paths: in the target)`;
  const databaseFaults = scenario.faults.filter((f) => DATABASE_FAULTS.has(f.action));
  if ((databaseFaults.length || !scenario.stack.db.running) && !target.database) return "the harness's database (database: in the target)";
  if (databaseFaults.some((f) => f.action === "table-lock") && target.database && !target.database.lockTable)
    return "a table to lock (database.lockTable)";
  const settings = scenario.requires.settings.filter((setting) => !target.settings[setting]);
  if (settings.length) return `the setting${settings.length > 1 ? "s" : ""} ${settings.join(", ")} (settings: in the target)`;
  return undefined;
}
