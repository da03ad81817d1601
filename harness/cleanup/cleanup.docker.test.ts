import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stripVTControlCharacters } from "node:util";
import { describe, expect, it } from "vitest";
import { dockerClient } from "../engine/docker-client.ts";
import { type ResultJson, resultSchema } from "../scenario/result-json.ts";
import { Stack } from "../stack/stack.ts";
import { startCli } from "../testing/run-command.ts";
import { newRunContext, OWNER_LABEL, RUN_LABEL } from "./run-context.ts";
import { sweepStaleContainers } from "./sweep.ts";

async function containers(filter: (labels: Record<string, string>) => boolean) {
  const all = await dockerClient().listContainers({ all: true, filters: JSON.stringify({ label: [RUN_LABEL] }) });
  return all.filter((c) => filter(c.Labels));
}

function waitForOutput(stream: NodeJS.ReadableStream | null, pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let seen = "";
    const timer = setTimeout(() => reject(new Error(`no ${pattern} within ${timeoutMs} ms; saw:\n${seen}`)), timeoutMs);
    stream?.on("data", (chunk: Buffer) => {
      seen += stripVTControlCharacters(chunk.toString());
      const match = pattern.exec(seen);
      if (match) {
        clearTimeout(timer);
        resolve(match);
      }
    });
  });
}

describe("nothing leaks", () => {
  it("sweeps the containers of a run whose process was killed, and leaves live runs alone", async () => {
    await using live = await new Stack({ workers: 1 }).start({ run: newRunContext("cleanup-live") });
    const { child, done } = startCli("../testing/hold-stack", []);
    const [, runId] = await waitForOutput(child.stdout, /READY (\S+)/, 90_000);
    child.kill("SIGKILL");
    await done;
    expect(await containers((l) => l[RUN_LABEL] === runId)).toHaveLength(2);

    const swept = await sweepStaleContainers();
    expect(swept.runs).toContain(runId);
    expect(await containers((l) => l[RUN_LABEL] === runId)).toEqual([]);
    expect(await containers((l) => l[RUN_LABEL] === live.runId)).toHaveLength(2);
  });

  it("Ctrl-C during the load tears down, leaves a readable result.json (aborted), and exits 130", async () => {
    const reports = mkdtempSync(join(tmpdir(), "interrupted-"));
    const { child, done } = startCli("scenario", ["smoke"], { CHAOS_REPORTS_DIR: reports });
    await waitForOutput(child.stderr, /▸ load:/, 90_000);
    const ownerPid = child.pid;
    child.kill("SIGINT");
    const result = await done;
    expect(result.code).toBe(130);
    expect(result.stdout).toMatch(/ABORTED smoke/);
    const json = JSON.parse(readFileSync(join(reports, "latest", "result.json"), "utf8")) as ResultJson;
    expect(resultSchema.parse(json).status).toBe("aborted");
    expect(json.error?.message).toBe("Interrupted by SIGINT");
    expect(json.events.filter((e) => e.kind === "worker-boot")).toHaveLength(4);
    expect(json.load.outcome).toMatchObject({ stoppedBy: "aborted" });
    rmSync(reports, { recursive: true, force: true });
    expect(await containers((l) => l[OWNER_LABEL]?.split(":")[1] === String(ownerPid))).toEqual([]);
  });
});
