import { mkdirSync, mkdtempSync, readdirSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { currentOwner } from "../cleanup/run-context.ts";
import { keepCount, markWriting, pruneReports } from "./retention.ts";

function reportsWith(names: string[]): string {
  const parent = mkdtempSync(join(tmpdir(), "retention-"));
  names.forEach((name, i) => {
    mkdirSync(join(parent, name));
    // Oldest first: the later in the list, the newer.
    const at = new Date(Date.UTC(2026, 10, 1, 0, i));
    utimesSync(join(parent, name), at, at);
  });
  return parent;
}

describe("report retention", () => {
  afterEach(() => {
    delete process.env.CHAOS_KEEP_REPORTS;
  });

  it("keeps the newest N folders the harness wrote, and nothing else is touched", () => {
    const runs = Array.from({ length: 6 }, (_, i) => `20261101T00000${i}Z-smoke-ab1${i}`);
    const parent = reportsWith([
      "nightly-2026-10-31-shard-1-of-2",
      ...runs,
      "nightly-2026-11-02",
      "capacity-20261103T000000Z-capacity-ffff",
      "test-artifacts",
      "my-notes",
    ]);
    writeFileSync(join(parent, "baseline.json"), "{}");
    const removed = pruneReports(parent, 3);
    expect(removed.sort()).toEqual([...runs.slice(0, 5), "nightly-2026-10-31-shard-1-of-2"].sort());
    expect(readdirSync(parent).sort()).toEqual(
      [
        "20261101T000005Z-smoke-ab15",
        "baseline.json",
        "capacity-20261103T000000Z-capacity-ffff",
        "my-notes",
        "nightly-2026-11-02",
        "test-artifacts",
      ].sort(),
    );
  });

  it("never removes a folder a live harness is writing, and removes one a dead one left marked", () => {
    const names = ["20261101T000000Z-smoke-0001", "20261101T000000Z-smoke-0002", "nightly-2026-11-02"];
    const parent = reportsWith([]);
    for (const name of names) mkdirSync(join(parent, name));
    const done = markWriting(join(parent, names[0]!));
    writeFileSync(join(parent, names[1]!, ".writing"), `${currentOwner().split(":")[0]}:999999999:1`);
    for (const [i, name] of names.entries())
      utimesSync(join(parent, name), new Date(Date.UTC(2026, 10, 1, 0, i)), new Date(Date.UTC(2026, 10, 1, 0, i)));
    expect(pruneReports(parent, 1)).toEqual(["20261101T000000Z-smoke-0002"]);
    done();
    const old = new Date(Date.UTC(2026, 10, 1));
    utimesSync(join(parent, names[0]!), old, old);
    expect(pruneReports(parent, 1)).toEqual(["20261101T000000Z-smoke-0001"]);
  });

  it("takes --keep, else CHAOS_KEEP_REPORTS, else 50, and refuses nonsense", () => {
    expect(keepCount(undefined)).toBe(50);
    process.env.CHAOS_KEEP_REPORTS = "7";
    expect(keepCount(undefined)).toBe(7);
    expect(keepCount(3)).toBe(3);
    process.env.CHAOS_KEEP_REPORTS = "all";
    expect(() => keepCount(undefined)).toThrow(/CHAOS_KEEP_REPORTS=all: give a whole number/);
  });
});
