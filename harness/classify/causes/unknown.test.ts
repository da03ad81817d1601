import { describe, expect, it } from "vitest";
import type { EventOfKind } from "../../events/events.ts";
import { clean, container, judge, t, texts, worker } from "../judge-stories.ts";

describe("judgeDeath: unknown", () => {
  const why = "the master exited with no line about this worker";

  it("calls the same clean exit unknown when max_requests is not set", () => {
    const verdict = judge(clean());
    expect(verdict.cause).toBe("unknown");
    expect(verdict.evidence.at(-1)).toEqual({ source: "inference", text: expect.stringMatching(/^a clean exit after "Shutting down"/) });
  });

  it("calls it unknown when the master was not stopping, citing the container's death", () => {
    const died: EventOfKind<"container"> = {
      kind: "container",
      at: t(40),
      container: "app",
      action: "die",
      attributes: { exitCode: "137" },
    };
    const verdict = judge(worker(), { at: t(40), noExitLine: why, container: container({ present: true, died }) });
    expect(verdict.cause).toBe("unknown");
    expect(texts(verdict)).toEqual([
      why,
      "the app container stopped (docker die, exit code 137)",
      "nothing in the input says how this worker ended",
    ]);
  });
});
