import { describe, expect, it } from "vitest";
import { judge, line, worker } from "../judge-stories.ts";

describe("judgeDeath: crash", () => {
  it("calls a SIGSEGV a crash", () => {
    const verdict = judge(worker({ exits: [line.terminated(7, "SIGSEGV", 5)] }));
    expect(verdict).toMatchObject({ cause: "crash", summary: "killed by SIGSEGV" });
    expect(verdict.evidence.at(-1)).toEqual({ source: "inference", text: "SIGSEGV with no WORKER TIMEOUT line: not gunicorn's doing" });
  });

  it("calls exit code 1 a crash, quoting what the app said", () => {
    const verdict = judge(worker({ exits: [line.exitCode(7, 1, 5)], appErrors: ["ZeroDivisionError: division by zero"] }));
    expect(verdict).toMatchObject({ cause: "crash", summary: "exited with code 1" });
    expect(verdict.evidence).toContainEqual({ source: "app", text: "ZeroDivisionError: division by zero" });
  });
});
