#!/usr/bin/env node
// The package's one command: `chaos-harness <command> [options]`. Each command is its own module, imported only
// when named, so a command starts with nothing loaded but itself (`chaos-harness scenario --list` in well under
// 0.3 s over node's own start). In this repository the same modules run as `npm run <command>`.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { invokedThrough } from "../core/invocation.ts";
import { PACKAGE_NAME, packageFile } from "../core/package-files.ts";

const COMMANDS: Record<string, { summary: string; load: () => Promise<unknown> }> = {
  init: { summary: "read this repository and write chaos.target.ts", load: () => import("./init.ts") },
  doctor: { summary: "list the risks in the target's gunicorn config for your platform", load: () => import("./doctor.ts") },
  setup: { summary: "install and start Docker, build the images", load: () => import("./setup.ts") },
  scenario: { summary: "run a scenario against the target and print a verdict", load: () => import("./scenario.ts") },
  capacity: { summary: "find the highest rate each configuration holds within the SLO", load: () => import("./capacity.ts") },
  nightly: { summary: "run the catalogue (or a shard of it) and compare with the baseline", load: () => import("./nightly.ts") },
  "nightly:merge": { summary: "merge the nightly's shard folders into one report", load: () => import("./nightly-merge.ts") },
  classify: { summary: "explain each worker death in a gunicorn log", load: () => import("./classify.ts") },
  github: {
    summary: "the GitHub Action's steps: scenarios within a budget (plan), job summary and PR comment (comment)",
    load: () => import("./github.ts"),
  },
};

const [command, ...rest] = process.argv.slice(2);
const chosen = command !== undefined && Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
if (!chosen) {
  const version = (JSON.parse(readFileSync(packageFile("package.json"), "utf8")) as { version: string }).version;
  if (command === "--version" || command === "-V") {
    process.stdout.write(`${version}\n`);
    process.exit(0);
  }
  const known = command === undefined || command === "--help" || command === "-h" || command === "help";
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  const usage = [
    `Usage: ${PACKAGE_NAME} <command> [options]   (${PACKAGE_NAME} ${version})`,
    "",
    "Chaos and load tests for FastAPI under gunicorn: real kills, real logs, asserted outcomes.",
    "The target is chaos.target.ts (or .json) in this folder or above; --target overrides.",
    "",
    "Commands:",
    ...Object.entries(COMMANDS).map(([name, { summary }]) => `  ${name.padEnd(width)}  ${summary}`),
    "",
    `Run \`${PACKAGE_NAME} <command> --help\` for a command's options and exit codes.`,
  ].join("\n");
  if (known) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  process.stderr.write(`error: unknown command "${command}"\n\n${usage}\n`);
  process.exit(2);
}

invokedThrough(PACKAGE_NAME);
// Reports go to the team's repository, not into node_modules.
process.env.CHAOS_REPORTS_DIR ??= resolve("chaos-reports");
process.argv = [process.argv[0]!, process.argv[1]!, ...rest];
await chosen.load();
