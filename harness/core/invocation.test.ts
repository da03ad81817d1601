import { describe, expect, it } from "vitest";
import { commandLine, invokedThrough, invokedThroughBin, programName } from "./invocation.ts";

describe("how a command is shown to the user", () => {
  it("is npm run in this repository (with -- only before options), and npx chaos-harness once the bin said so", () => {
    expect(commandLine("setup")).toBe("npm run setup");
    expect(commandLine("scenario", "slow-db")).toBe("npm run scenario slow-db");
    expect(commandLine("scenario", "rolling-deploy --profile naive")).toBe("npm run scenario -- rolling-deploy --profile naive");
    expect(programName("nightly:merge")).toBe("npm run nightly:merge --");
    expect(invokedThroughBin()).toBe(false);
    invokedThrough("chaos-harness");
    expect(invokedThroughBin()).toBe(true);
    expect(commandLine("setup")).toBe("npx chaos-harness setup");
    expect(commandLine("scenario", "rolling-deploy --profile naive")).toBe("npx chaos-harness scenario rolling-deploy --profile naive");
    expect(programName("nightly:merge")).toBe("chaos-harness nightly:merge");
  });
});
