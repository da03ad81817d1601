import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import actionValidator from "@action-validator/core";
import { describe, expect, it } from "vitest";
import { REPO_ROOT, runCliToEnd } from "../testing/run-command.ts";

// action.yml at the repository's root, checked by action-validator (SchemaStore's schema of GitHub's action metadata),
// then against the harness: the inputs and step outputs it names exist, and so do the commands and options it calls.

const ACTION_YML = readFileSync(join(REPO_ROOT, "action.yml"), "utf8");

const errorsOf = (yml: string) => actionValidator.validateAction(yml).errors;

/** The composite steps' texts, split at each step's `- name:`. */
const steps = ACTION_YML.split(/\n {4}- name: /).slice(1);

describe("action.yml", () => {
  it("is a valid composite action", () => {
    expect(errorsOf(ACTION_YML)).toEqual([]);
    expect(ACTION_YML).toMatch(/^runs:\n {2}using: composite\n/m);
  });

  it("fails validation when broken: a run step without its shell, an unknown runner, a missing description", () => {
    const noShell = ACTION_YML.replace(/\n {6}shell: bash\n/, "\n");
    expect(noShell).not.toBe(ACTION_YML);
    expect(errorsOf(noShell)).not.toEqual([]);
    expect(errorsOf(ACTION_YML.replace("using: composite", "using: compose"))).not.toEqual([]);
    expect(errorsOf(ACTION_YML.replace(/^description: /m, "summary: "))).not.toEqual([]);
  });

  it("names only inputs it declares, and outputs of steps it has", () => {
    const inputsSection = ACTION_YML.slice(ACTION_YML.indexOf("\ninputs:\n"), ACTION_YML.indexOf("\noutputs:\n"));
    const declared = [...inputsSection.matchAll(/^ {2}([\w-]+):$/gm)].map((m) => m[1]);
    const used = new Set([...ACTION_YML.matchAll(/\binputs\.([\w-]+)/g)].map((m) => m[1]));
    expect(declared).toContain("github-token");
    expect([...used].filter((name) => !declared.includes(name))).toEqual([]);
    expect(declared.filter((name) => !used.has(name))).toEqual([]);
    const ids = [...ACTION_YML.matchAll(/^ {6}id: ([\w-]+)$/gm)].map((m) => m[1]);
    const referenced = new Set([...ACTION_YML.matchAll(/\bsteps\.([\w-]+)\.outputs\.([\w-]+)/g)].map((m) => m[1]));
    expect([...referenced].filter((id) => !ids.includes(id))).toEqual([]);
  });

  it("calls harness commands and options that exist", async () => {
    const calls = steps.flatMap((step) => {
      const commands = [...step.matchAll(/"\$CHAOS_HARNESS" ([\w:]+)(?: (plan|comment)\b)?/g)].map((m) => [m[1]!, ...(m[2] ? [m[2]] : [])]);
      const flags = [...new Set([...step.matchAll(/(?<![\w-])--[a-z][\w-]*/g)].map((m) => m[0]))].filter(
        (flag) => !["--prefix", "--no-audit", "--no-fund", "--import"].includes(flag),
      );
      return commands.length ? [{ commands, flags }] : [];
    });
    expect(calls.flatMap((c) => c.commands.map((argv) => argv.join(" ")))).toEqual([
      "setup",
      "github plan",
      "nightly",
      "capacity",
      "github comment",
    ]);
    const helpOf = async ([command, ...sub]: string[]) => {
      // The action's own copy runs harness/cli/<command>.ts (nightly:merge → nightly-merge.ts).
      expect(existsSync(join(REPO_ROOT, "harness/cli", `${command!.replace(/:/g, "-")}.ts`))).toBe(true);
      const help = await runCliToEnd(command!, [...sub, "--help"]);
      expect(help.code).toBe(0);
      return help.stdout;
    };
    const helps = await Promise.all(calls.map(({ commands }) => Promise.all(commands.map(helpOf))));
    for (const [i, { flags }] of calls.entries())
      for (const flag of flags)
        expect(
          helps[i]!.some((help) => help.includes(`${flag} `) || help.includes(`${flag},`)),
          flag,
        ).toBe(true);
  }, 60_000);
});
