import { spawnSync } from "node:child_process";
import { hostname } from "node:os";
import { describe, expect, it } from "vitest";
import { currentOwner, newRunContext, ownerIsAlive, RUN_LABEL } from "./run-context.ts";

describe("run context", () => {
  it("names a run by UTC time, scenario and a random suffix, and labels it", () => {
    const run = newRunContext("slow-db");
    expect(run.runId).toMatch(/^\d{8}T\d{6}Z-slow-db-[0-9a-f]{4}$/);
    expect(run.labels[RUN_LABEL]).toBe(run.runId);
    expect(newRunContext("slow-db").runId).not.toBe(run.runId);
  });

  it("knows this process is alive", () => {
    expect(ownerIsAlive(currentOwner())).toBe(true);
  });

  it("knows a finished process is dead, and a reused pid is not the owner", () => {
    const child = spawnSync(process.execPath, ["-e", "0"]);
    expect(ownerIsAlive(`${hostname()}:${child.pid}:1`)).toBe(false);
    const [host, pid] = currentOwner().split(":");
    expect(ownerIsAlive(`${host}:${pid}:12345`)).toBe(false);
    expect(ownerIsAlive(undefined)).toBe(false);
  });

  it("leaves another machine's runs alone", () => {
    expect(ownerIsAlive("some-other-host:1:1")).toBe(true);
  });
});
