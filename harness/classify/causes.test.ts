import { describe, expect, it } from "vitest";
import { CAUSE_NAMES, isByStopSignal, meaningOf, SEVERITIES, severityOf, summaryOf } from "./causes.ts";
import { RULES } from "./death-rules.ts";

describe("the causes and their rules", () => {
  it("lists every cause once, in the order reports and the docs use, each with a severity, a meaning and a summary", () => {
    expect(CAUSE_NAMES).toEqual([
      "shutdown",
      "reload",
      "scale-down",
      "max-requests",
      "timeout",
      "oom-kill",
      "sigkill",
      "unexpected-sigterm",
      "graceful-timeout",
      "boot-failure",
      "crash",
      "unknown",
    ]);
    for (const cause of CAUSE_NAMES) {
      expect(SEVERITIES).toContain(severityOf(cause));
      expect(meaningOf(cause).length).toBeGreaterThan(10);
      expect(summaryOf(cause).length).toBeGreaterThan(5);
    }
    expect(CAUSE_NAMES.filter(isByStopSignal)).toEqual(["shutdown", "reload", "scale-down", "unexpected-sigterm"]);
  });

  it("has a rule for every cause in the precedence list, each rule named once", () => {
    const decided = new Set(RULES.flatMap((rule) => rule.causes));
    expect(CAUSE_NAMES.filter((cause) => !decided.has(cause))).toEqual([]);
    const names = RULES.map((rule) => rule.name);
    expect(new Set(names).size).toBe(names.length);
  });
});
