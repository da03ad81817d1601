import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../core/run-command.ts";
import { scriptNodeArgs } from "./bench-support.ts";

describe("scriptNodeArgs", () => {
  // The bench runs `classify` and `scenario` as npm would, minus npm: a change to how package.json starts
  // them (issue 12 made every script `exec node …`) must not leave the bench unable to start them.
  it.each(["classify", "scenario"])("reads node's arguments from package.json's %s script", (script) => {
    const args = scriptNodeArgs(script);
    expect(args).toContain("--import");
    const entry = args.at(-1) ?? "";
    expect(entry).toMatch(/^harness\/cli\/.+\.ts$/);
    expect(existsSync(join(REPO_ROOT, entry))).toBe(true);
  });

  it("refuses a script that does not run node", () => {
    expect(() => scriptNodeArgs("test")).toThrow(/does not start with node/);
  });
});
