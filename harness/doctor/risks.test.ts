import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { PLATFORM_NAMES, platformProfile } from "./platform-profile.ts";
import { type DoctorInput, findRisks, type Risk, type RiskId } from "./risks.ts";

/** A config that is sound on Kubernetes's defaults (idle 60 s, grace 30 s). */
const SOUND: DoctorInput = {
  settings: {
    bind: ["0.0.0.0:8000"],
    workers: 5,
    timeout: 30,
    graceful_timeout: 20,
    keepalive: 65,
    max_requests: 1000,
    max_requests_jitter: 100,
    worker_class: "uvicorn_worker_hooks.HookedUvicornWorker",
  },
  platform: platformProfile("kubernetes"),
  cpu: { limitCores: 2, hostCpus: 8 },
  slowPathP99Ms: 800,
  declaredBanners: ["interrupt", "abort", "kill"],
};

function withSettings(settings: Partial<DoctorInput["settings"]>, rest: Partial<DoctorInput> = {}): DoctorInput {
  return { ...SOUND, ...rest, settings: { ...SOUND.settings, ...settings } };
}

const ids = (risks: Risk[]): RiskId[] => risks.map((risk) => risk.id);

describe("platformProfile", () => {
  it("has the documented defaults", () => {
    expect(platformProfile("kubernetes")).toMatchObject({ idleTimeoutS: 60, terminationGraceS: 30 });
    expect(platformProfile("alb")).toMatchObject({ idleTimeoutS: 60, terminationGraceS: 30 });
    expect(platformProfile("heroku")).toMatchObject({ idleTimeoutS: 90, terminationGraceS: 30 });
    expect(platformProfile("render")).toMatchObject({ idleTimeoutS: undefined, terminationGraceS: 30 });
  });

  it("takes the team's values over the defaults and says so", () => {
    const profile = platformProfile("alb", { idleTimeoutS: 350 });
    expect(profile.idleTimeoutS).toBe(350);
    expect(profile.sources.idleTimeoutS).toBe("given");
    expect(profile.terminationGraceS).toBe(30);
    expect(profile.sources.terminationGraceS).toMatch(/ECS stopTimeout/);
  });
});

describe("findRisks", () => {
  it("finds nothing in a sound config", () => {
    expect(findRisks(SOUND)).toEqual([]);
  });

  it("finds nothing on any platform once its values are given", () => {
    for (const name of PLATFORM_NAMES) {
      expect(findRisks({ ...SOUND, platform: platformProfile(name, { idleTimeoutS: 60, terminationGraceS: 30 }) })).toEqual([]);
    }
  });

  describe("keepalive against the balancer's idle timeout", () => {
    it("is a risk at or below the idle timeout, with the numbers and lb-keepalive", () => {
      const [risk, ...others] = findRisks(withSettings({ keepalive: 5 }));
      expect(others).toEqual([]);
      expect(risk).toMatchObject({ id: "keepalive-not-above-idle-timeout", severity: "risk", scenario: "lb-keepalive" });
      expect(risk!.what).toContain("keepalive = 5 s");
      expect(risk!.what).toContain("60 s");
      expect(risk!.fix).toContain("--keep-alive 65");
      expect(ids(findRisks(withSettings({ keepalive: 60 })))).toEqual(["keepalive-not-above-idle-timeout"]);
    });

    it("is none above it", () => {
      expect(findRisks(withSettings({ keepalive: 61 }))).toEqual([]);
    });

    it("follows the platform: 65 s is enough behind an ALB, not behind Heroku's router (90 s)", () => {
      expect(findRisks({ ...SOUND, platform: platformProfile("alb") })).toEqual([]);
      expect(ids(findRisks({ ...SOUND, platform: platformProfile("heroku") }))).toEqual(["keepalive-not-above-idle-timeout"]);
    });

    it("is a note when the idle timeout is unknown (Render)", () => {
      const risks = findRisks({ ...SOUND, platform: platformProfile("render") });
      expect(risks).toMatchObject([{ id: "idle-timeout-unknown", severity: "note", scenario: "lb-keepalive" }]);
    });

    it("does not apply to the sync worker, which keeps no connection alive", () => {
      expect(findRisks(withSettings({ keepalive: 2, worker_class: "sync" }, { declaredBanners: [] }))).toEqual([]);
    });
  });

  describe("graceful_timeout against the platform's termination grace", () => {
    it("is a risk at or above the grace", () => {
      const [risk] = findRisks(withSettings({ graceful_timeout: 30 }));
      expect(risk).toMatchObject({ id: "graceful-timeout-not-below-grace", severity: "risk", scenario: "deploy-graceful-timeout" });
      expect(risk!.what).toContain("graceful_timeout = 30 s");
      expect(risk!.what).toContain("30 s");
      expect(ids(findRisks(withSettings({ graceful_timeout: 45 })))).toEqual(["graceful-timeout-not-below-grace"]);
    });

    it("is none below it", () => {
      expect(findRisks(withSettings({ graceful_timeout: 29 }))).toEqual([]);
    });

    it("follows a given grace", () => {
      expect(ids(findRisks({ ...SOUND, platform: platformProfile("kubernetes", { terminationGraceS: 15 }) }))).toEqual([
        "graceful-timeout-not-below-grace",
      ]);
    });
  });

  describe("workers sized from the host's CPUs under a CPU limit", () => {
    it("is a risk at 2 × host CPUs + 1 and at host CPUs, with no scenario yet", () => {
      const [risk] = findRisks(withSettings({ workers: 17 }));
      expect(risk).toMatchObject({ id: "workers-from-host-cpus", severity: "risk", scenario: null });
      expect(risk!.what).toBe("workers = 17 (2 × 8 host CPUs + 1) under a CPU limit of 2 cores.");
      expect(risk!.fix).toContain("= 5 at most");
      expect(ids(findRisks(withSettings({ workers: 8 })))).toEqual(["workers-from-host-cpus"]);
    });

    it("is none for a count sized from the limit, or without a limit below the host's CPUs", () => {
      expect(findRisks(withSettings({ workers: 5 }))).toEqual([]);
      expect(findRisks(withSettings({ workers: 17 }, { cpu: { limitCores: 8, hostCpus: 8 } }))).toEqual([]);
      expect(findRisks(withSettings({ workers: 17 }, { cpu: { hostCpus: 8 } }))).toEqual([]);
      expect(findRisks(withSettings({ workers: 17 }, { cpu: undefined }))).toEqual([]);
    });
  });

  describe("max_requests without jitter", () => {
    it("is a risk with jitter 0 across several workers", () => {
      const [risk] = findRisks(withSettings({ max_requests: 1000, max_requests_jitter: 0 }));
      expect(risk).toMatchObject({ id: "max-requests-without-jitter", severity: "risk", scenario: "max-requests" });
      expect(risk!.what).toBe("max_requests = 1000 with max_requests_jitter = 0 across 5 workers.");
    });

    it("is none with jitter, without max_requests, or with one worker", () => {
      expect(findRisks(withSettings({ max_requests_jitter: 1 }))).toEqual([]);
      expect(findRisks(withSettings({ max_requests: 0, max_requests_jitter: 0 }))).toEqual([]);
      expect(findRisks(withSettings({ workers: 1, max_requests_jitter: 0 }))).toEqual([]);
    });
  });

  describe("timeout against the slow path's p99", () => {
    it("is a risk under the sync worker when timeout is below the p99", () => {
      const input = withSettings({ timeout: 3, worker_class: "sync" }, { slowPathP99Ms: 3001, declaredBanners: [] });
      const [risk] = findRisks(input);
      expect(risk).toMatchObject({ id: "timeout-below-slow-p99", severity: "risk", scenario: "worker-timeout" });
      expect(risk!.what).toContain("timeout = 3 s");
      expect(risk!.what).toContain("3001 ms");
    });

    it("is a note under an event-loop worker, where only a blocking slow path is aborted", () => {
      expect(findRisks(withSettings({ timeout: 3 }, { slowPathP99Ms: 3001 }))).toMatchObject([
        { id: "timeout-below-slow-p99", severity: "note" },
      ]);
    });

    it("is none at or above the p99, when not measured, or when timeout is disabled (0)", () => {
      expect(findRisks(withSettings({ timeout: 3, worker_class: "sync" }, { slowPathP99Ms: 3000, declaredBanners: [] }))).toEqual([]);
      expect(findRisks(withSettings({ timeout: 3, worker_class: "sync" }, { slowPathP99Ms: undefined, declaredBanners: [] }))).toEqual([]);
      expect(findRisks(withSettings({ timeout: 0, worker_class: "sync" }, { slowPathP99Ms: 3001, declaredBanners: [] }))).toEqual([]);
    });
  });

  describe("declared banners under a worker class that never calls the hooks", () => {
    it("is a risk for INTERRUPT (deploy) and ABORT (worker-timeout) under stock UvicornWorker", () => {
      const risks = findRisks(withSettings({ worker_class: "uvicorn.workers.UvicornWorker" }));
      expect(risks).toMatchObject([
        { id: "interrupt-banner-never-prints", severity: "risk", scenario: "deploy" },
        { id: "abort-banner-never-prints", severity: "risk", scenario: "worker-timeout" },
      ]);
      expect(risks[0]!.fix).toContain("uvicorn_worker_hooks");
    });

    it("is a risk under gunicorn's asgi worker too, and under uvicorn-worker's class", () => {
      expect(ids(findRisks(withSettings({ worker_class: "asgi" })))).toEqual([
        "interrupt-banner-never-prints",
        "abort-banner-never-prints",
      ]);
      expect(ids(findRisks(withSettings({ worker_class: "uvicorn_worker.UvicornWorker" }, { declaredBanners: ["abort"] })))).toEqual([
        "abort-banner-never-prints",
      ]);
    });

    it("is none with the drop-in's hooked classes, or when no such banner is declared", () => {
      expect(findRisks(withSettings({ worker_class: "uvicorn_worker_hooks.HookedASGIWorker" }))).toEqual([]);
      expect(findRisks(withSettings({ worker_class: "uvicorn.workers.UvicornWorker" }, { declaredBanners: ["kill"] }))).toEqual([]);
      expect(findRisks(withSettings({ worker_class: "uvicorn.workers.UvicornWorker" }, { declaredBanners: [] }))).toEqual([]);
    });
  });

  it("lists every risk of a config that has them all, each with a scenario from the catalogue or none yet", () => {
    const risks = findRisks(
      withSettings(
        {
          keepalive: 5,
          graceful_timeout: 30,
          workers: 17,
          max_requests: 1000,
          max_requests_jitter: 0,
          timeout: 3,
          worker_class: "uvicorn.workers.UvicornWorker",
        },
        { slowPathP99Ms: 4000 },
      ),
    );
    expect(ids(risks)).toEqual([
      "keepalive-not-above-idle-timeout",
      "graceful-timeout-not-below-grace",
      "workers-from-host-cpus",
      "max-requests-without-jitter",
      "timeout-below-slow-p99",
      "interrupt-banner-never-prints",
      "abort-banner-never-prints",
    ]);
    for (const risk of risks) {
      if (risk.scenario !== null)
        expect(existsSync(new URL(`../../scenarios/${risk.scenario}.ts`, import.meta.url)), risk.scenario).toBe(true);
    }
  });
});
