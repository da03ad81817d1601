import { describe, expect, it } from "vitest";
import { clean, judge, line, worker } from "../judge-stories.ts";

describe("judgeDeath: max-requests", () => {
  it("calls a clean exit after `Shutting down` a max-requests recycle when max_requests is set", () => {
    const verdict = judge(clean(), { maxRequests: 1000 });
    expect(verdict.cause).toBe("max-requests");
    expect(verdict.evidence.at(-1)).toEqual({ source: "inference", text: expect.stringMatching(/^max_requests is 1000/) });
  });

  it("takes uvicorn's own `Maximum request limit` line as a max-requests recycle", () => {
    const story = worker({ maxRequests: line.maxRequests(7, 5), exits: [line.exiting(7, 5)] });
    const verdict = judge(story);
    expect(verdict.cause).toBe("max-requests");
    expect(verdict.evidence).toContainEqual({ source: "log", line: story.maxRequests!.seq, text: story.maxRequests!.raw });
  });
});
