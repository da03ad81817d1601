import { describe, expect, it } from "vitest";
import { parseMemoryCgroup } from "./memory-cgroup.ts";

describe("parseMemoryCgroup", () => {
  it("reads cgroup v1 (as measured in a memory-limited container on this machine)", () => {
    const text = "version 1\noom_kill_disable 0\nunder_oom 0\noom_kill 1\nlimit 268435456\nusage 250000000\n";
    expect(parseMemoryCgroup(text)).toEqual({ version: 1, oomKills: 1, limitBytes: 268435456, usageBytes: 250000000 });
  });

  it("reads cgroup v2 and treats 'max' and v1's huge number as no limit", () => {
    expect(parseMemoryCgroup("version 2\nlow 0\nhigh 0\nmax 3\noom 2\noom_kill 2\nlimit max\nusage 1024\n")).toEqual({
      version: 2,
      oomKills: 2,
      limitBytes: null,
      usageBytes: 1024,
    });
    expect(parseMemoryCgroup("version 1\noom_kill 0\nlimit 9223372036854771712\nusage 5\n")?.limitBytes).toBeNull();
  });

  it("says so when the kernel has no oom_kill counter", () => {
    expect(parseMemoryCgroup("version 1\noom_kill_disable 0\nunder_oom 0\nlimit 100\nusage 5\n")?.oomKills).toBeNull();
    expect(parseMemoryCgroup("garbage")).toBeUndefined();
  });
});
