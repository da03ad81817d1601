// The package's API for a team's own files: `chaos.target.ts` (defineTarget) and `chaos/scenarios/*.ts`
// (defineScenario), with the types an editor completes them from. Everything else is the `chaos-harness` command.
export { defineScenario, type ScenarioInput } from "./scenario/define-scenario.ts";
export { defineTarget, type TargetInput } from "./target/define-target.ts";
