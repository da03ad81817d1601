import { describe, expect, it } from "vitest";
import { pollUntil, sleep } from "./poll-until.ts";

describe("pollUntil", () => {
  it("resolves with the first value that is not undefined", async () => {
    let calls = 0;
    const value = await pollUntil(() => (++calls === 3 ? "ready" : undefined), { timeoutMs: 1_000, intervalMs: 5 });
    expect(value).toBe("ready");
    expect(calls).toBe(3);
  });

  it("gives up after the timeout, with one last check at the deadline", async () => {
    const started = Date.now();
    const checks: number[] = [];
    const value = await pollUntil(() => void checks.push(Date.now() - started), { timeoutMs: 120, intervalMs: 50 });
    expect(value).toBeUndefined();
    expect(checks.at(-1)).toBeGreaterThanOrEqual(115);
    expect(Date.now() - started).toBeLessThan(400);
  });

  it("stops at once when aborted", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    const started = Date.now();
    expect(await pollUntil(() => undefined, { timeoutMs: 10_000, intervalMs: 1_000, signal: controller.signal })).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(500);
  });

  it("rejects with the check's own error", async () => {
    await expect(
      pollUntil(
        () => {
          throw new Error("the master halted");
        },
        { timeoutMs: 1_000 },
      ),
    ).rejects.toThrow("the master halted");
  });

  it("accepts async checks, and falsy values other than undefined", async () => {
    expect(await pollUntil(async () => 0, { timeoutMs: 100 })).toBe(0);
    expect(await pollUntil(async () => false, { timeoutMs: 100 })).toBe(false);
  });
});

describe("sleep", () => {
  it("ends early when aborted, without rejecting", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    const started = Date.now();
    await sleep(5_000, controller.signal);
    expect(Date.now() - started).toBeLessThan(500);
  });
});
