import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { OWNER_LABEL } from "../cleanup/run-context.ts";
import type { Finished } from "../core/run-command.ts";
import { dockerClient } from "../engine/docker-client.ts";
import { startCli } from "../testing/run-command.ts";
import type { DoctorReport } from "./doctor-report.ts";

/** Runs `doctor` to its end, and lists what it left on the engine: containers it owned, and its reaper. */
async function doctor(args: string[]): Promise<{ finished: Finished; report: DoctorReport; leftBehind: string[] }> {
  const { child, done } = startCli("doctor", [...args, "--json"]);
  const finished = await done;
  const docker = dockerClient();
  const [owned, reapers] = await Promise.all([
    docker.listContainers({ all: true, filters: JSON.stringify({ label: [`${OWNER_LABEL}`] }) }),
    docker.listContainers({ all: true, filters: JSON.stringify({ name: [`chaos-reaper-${child.pid}-`] }) }),
  ]);
  const mine = owned.filter((c) => c.Labels[OWNER_LABEL]?.startsWith(`${hostname()}:${child.pid}:`));
  let report: DoctorReport;
  try {
    report = JSON.parse(finished.stdout) as DoctorReport;
  } catch {
    throw new Error(`doctor printed no JSON (exit ${finished.code}):\n${finished.stdout}\n${finished.stderr}`);
  }
  return { finished, report, leftBehind: [...mine, ...reapers].flatMap((c) => c.Names) };
}

const ids = (report: DoctorReport) => report.risks.map((risk) => risk.id);

describe("doctor against real images", () => {
  // The ledger (an app other than the demo) is doctored through the installed package: harness/cli/chaos-harness.docker.test.ts.
  it("finds no risk in the demo's default config (the drop-in makes its banners print) and says the platform was not checked", async () => {
    const { finished, report, leftBehind } = await doctor(["--target", "docker/demo.target.ts"]);
    expect(finished.code, finished.stderr).toBe(0);
    expect(report.gunicorn.settings.worker_class).toMatch(/^uvicorn_worker_hooks\./);
    expect(report.declaredBanners).toEqual(["interrupt", "abort", "kill"]);
    expect(report.platform).toBeNull();
    expect(report.risks).toEqual([]);
    expect(report.notChecked.join("\n")).toMatch(/--platform/);
    expect(leftBehind).toEqual([]);
  });

  it("finds the demo's seed config promising banners stock UvicornWorker never prints, and its graceful_timeout at Kubernetes' grace", async () => {
    const { finished, report } = await doctor(["--target", "docker/demo.target.ts", "--config", "seed", "--platform", "kubernetes"]);
    expect(finished.code, finished.stderr).toBe(1);
    expect(report.gunicorn.settings).toMatchObject({ worker_class: "uvicorn.workers.UvicornWorker", graceful_timeout: 30, keepalive: 5 });
    expect(ids(report)).toEqual([
      "keepalive-not-above-idle-timeout",
      "graceful-timeout-not-below-grace",
      "interrupt-banner-never-prints",
      "abort-banner-never-prints",
    ]);
    expect(report.risks.find((r) => r.id === "interrupt-banner-never-prints")!.proof).toBe(
      "npm run scenario -- deploy --target docker/demo.target.ts --config seed",
    );
    // The team's own grace, given: graceful_timeout 30 is below 45.
    const longerGrace = await doctor([
      "--target",
      "docker/demo.target.ts",
      "--config",
      "seed",
      "--platform",
      "kubernetes",
      "--termination-grace",
      "45",
    ]);
    expect(ids(longerGrace.report)).not.toContain("graceful-timeout-not-below-grace");
    expect(longerGrace.report.platform?.sources.terminationGraceS).toBe("given");
  });

  describe("a config that sizes workers from the CPUs", () => {
    // A misbehaving app on purpose: workers = 2 × cpu_count() + 1, max_requests without jitter.
    const dir = mkdtempSync(join(tmpdir(), "doctor-cpu-sized-"));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(
      join(dir, "Dockerfile"),
      'ARG CHAOS_BASE_IMAGE=chaos-harness/base:trixie\nFROM $CHAOS_BASE_IMAGE\nCOPY . /srv/sized\nWORKDIR /srv/sized\nCMD ["gunicorn", "app:app", "--config", "gunicorn.conf.py"]\n',
    );
    writeFileSync(
      join(dir, "app.py"),
      'async def app(scope, receive, send):\n    if scope["type"] == "http":\n        await send({"type": "http.response.start", "status": 200, "headers": []})\n        await send({"type": "http.response.body", "body": b"ok"})\n',
    );
    writeFileSync(
      join(dir, "gunicorn.conf.py"),
      'import multiprocessing\n\nworkers = multiprocessing.cpu_count() * 2 + 1\nworker_class = "uvicorn.workers.UvicornWorker"\nkeepalive = 75\ngraceful_timeout = 20\nmax_requests = 1000\n',
    );
    writeFileSync(join(dir, "sized.target.json"), JSON.stringify({ name: "doctor-cpu-sized", build: { context: "." }, health: "/" }));

    it("is caught under a CPU limit: the count follows the CPUs Python is told", async () => {
      const { finished, report, leftBehind } = await doctor([
        "--target",
        join(dir, "sized.target.json"),
        "--platform",
        "kubernetes",
        "--cpus",
        "0.5",
      ]);
      expect(finished.code, finished.stderr).toBe(1);
      const hostCpus = report.cpu.hostCpus;
      expect(report.gunicorn.settings.workers).toBe(2 * hostCpus + 1);
      expect(report.cpu.probe).toEqual({ cpus: hostCpus + 1, workers: 2 * (hostCpus + 1) + 1 });
      expect(ids(report)).toEqual(["workers-from-host-cpus", "max-requests-without-jitter"]);
      expect(report.risks[0]!.proof).toBeNull();
      expect(leftBehind).toEqual([]);
    });
  });
});
