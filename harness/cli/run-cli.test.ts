import { describe, expect, it } from "vitest";
import { EnvironmentError, ExitCode, InconclusiveError, InterruptedError, UsageError } from "../core/errors.ts";
import { exitCodeOf, INTERNAL_ERROR_EXIT } from "./run-cli.ts";

describe("exit codes", () => {
  it("are distinct: inconclusive (5) is neither an environment error (3) nor the harness's own bug (4)", () => {
    const codes = [...Object.values(ExitCode), INTERNAL_ERROR_EXIT];
    expect(new Set(codes).size).toBe(codes.length);
    expect(ExitCode.inconclusive).toBe(5);
  });

  it.each([
    [new UsageError("BAD_OPTION", "x"), 2],
    [new EnvironmentError("DOCKER_UNREACHABLE", "x"), 3],
    [new InconclusiveError("LOAD_GENERATOR_LAGGED", "x"), 5],
    [new InterruptedError("SIGINT"), 130],
    [new InterruptedError("SIGTERM"), 143],
    [new Error("a bug"), 4],
  ])("%s ends the command with %i", (error, code) => {
    expect(exitCodeOf(error)).toBe(code);
  });
});
