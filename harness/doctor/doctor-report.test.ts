import { stripVTControlCharacters } from "node:util";
import { describe, expect, it } from "vitest";
import { type DoctorReport, diagnose, doctorExitCode, type Findings, formatDoctor, proofCommand } from "./doctor-report.ts";
import { platformProfile } from "./platform-profile.ts";

/** gunicorn's defaults for keepalive (2 s) and graceful_timeout (30 s), a count of 5 on a 2-CPU machine, stock UvicornWorker. */
const READ: Findings = {
  settings: {
    bind: ["127.0.0.1:8000"],
    workers: 5,
    timeout: 30,
    graceful_timeout: 30,
    keepalive: 2,
    max_requests: 0,
    max_requests_jitter: 0,
    worker_class: "uvicorn.workers.UvicornWorker",
  },
  cpu: { hostCpus: 2 },
  declaredBanners: ["interrupt"],
};

const ids = (findings: Findings) => diagnose(findings).risks.map((risk) => risk.id);

describe("diagnose", () => {
  it("without a platform leaves out the platform's rules and says what they need", () => {
    const { risks, notChecked } = diagnose(READ);
    expect(risks.map((r) => r.id)).toEqual(["interrupt-banner-never-prints"]);
    expect(notChecked.join("\n")).toMatch(/--platform kubernetes\|render\|heroku\|alb/);
  });

  it("with a platform compares keepalive and graceful_timeout with it", () => {
    expect(ids({ ...READ, platform: platformProfile("alb") })).toEqual([
      "keepalive-not-above-idle-timeout",
      "graceful-timeout-not-below-grace",
      "interrupt-banner-never-prints",
    ]);
    expect(ids({ ...READ, platform: platformProfile("alb", { idleTimeoutS: 1, terminationGraceS: 45 }) })).toEqual([
      "interrupt-banner-never-prints",
    ]);
    const { notChecked } = diagnose({ ...READ, platform: platformProfile("alb") });
    expect(notChecked.join("\n")).not.toMatch(/--platform/);
  });

  it("calls the workers sized from the host only when the count followed the CPUs Python was told", () => {
    const limited = { ...READ, cpu: { limitCores: 1, hostCpus: 2 } };
    expect(ids({ ...limited, cpu: { ...limited.cpu, probe: { cpus: 3, workers: 7 } } })).toContain("workers-from-host-cpus");
    // A fixed 5 that happens to be 2 × 2 + 1 here.
    const fixed = diagnose({ ...limited, cpu: { ...limited.cpu, probe: { cpus: 3, workers: 5 } } });
    expect(fixed.risks.map((r) => r.id)).not.toContain("workers-from-host-cpus");
    expect(fixed.notChecked.join("\n")).not.toMatch(/CPU/);
  });

  it("says why the CPU rule was not checked: no limit, a limit not below this machine's CPUs, or no probe", () => {
    expect(diagnose(READ).notChecked.join("\n")).toMatch(/--cpus <cores>/);
    expect(diagnose({ ...READ, cpu: { limitCores: 4, hostCpus: 2 } }).notChecked.join("\n")).toMatch(/this machine has 2 CPUs/);
    const unprobed = diagnose({ ...READ, cpu: { limitCores: 1, hostCpus: 2 } });
    expect(unprobed.notChecked.join("\n")).toMatch(/Python 3\.13\+/);
    expect(unprobed.risks.map((r) => r.id)).not.toContain("workers-from-host-cpus");
  });

  it("checks timeout only against a p99 it was given", () => {
    expect(diagnose(READ).notChecked.join("\n")).toMatch(/--slow-p99-ms/);
    const slow = diagnose({ ...READ, slowPathP99Ms: 45_000 });
    expect(slow.risks.find((r) => r.id === "timeout-below-slow-p99")?.severity).toBe("note");
    expect(slow.notChecked.join("\n")).not.toMatch(/--slow-p99-ms/);
  });
});

describe("doctorExitCode", () => {
  it("is 1 for any risk, 0 for none or notes only", () => {
    expect(doctorExitCode([])).toBe(0);
    expect(doctorExitCode([{ severity: "note" }])).toBe(0);
    expect(doctorExitCode([{ severity: "note" }, { severity: "risk" }])).toBe(1);
  });
});

describe("proofCommand", () => {
  it("runs the scenario on the same target and config", () => {
    expect(proofCommand("lb-keepalive", { config: "default" })).toBe("npm run scenario lb-keepalive");
    expect(proofCommand("deploy", { targetArg: "chaos.target.ts", config: "seed" })).toBe(
      "npm run scenario -- deploy --target chaos.target.ts --config seed",
    );
    expect(proofCommand(null, { config: "default" })).toBeNull();
  });
});

function report(findings: Findings): DoctorReport {
  const { risks, notChecked } = diagnose(findings);
  return {
    target: {
      name: "ledger",
      file: "/repo/ledger.target.json",
      config: "default",
      suite: "trixie",
      image: "chaos-harness/target-ledger:x",
    },
    gunicorn: { argv: ["app:app"], cmdArgsEnv: "", settings: findings.settings },
    versions: { gunicorn: "23.0.0", uvicorn: "0.32.0", python: "3.13.5" },
    platform: findings.platform ?? null,
    cpu: findings.cpu,
    declaredBanners: findings.declaredBanners,
    risks: risks.map((risk) => ({ ...risk, proof: proofCommand(risk.scenario, { targetArg: "ledger.target.json", config: "default" }) })),
    notChecked,
  };
}

describe("formatDoctor", () => {
  it("shows what was read, each risk with its evidence, fix and proof, what was not checked, and the count", () => {
    const text = stripVTControlCharacters(formatDoctor(report({ ...READ, platform: platformProfile("alb") })));
    expect(text).toContain("gunicorn 23.0.0 · uvicorn 0.32.0 · python 3.13.5");
    expect(text).toContain("uvicorn.workers.UvicornWorker × 5");
    expect(text).toMatch(/platform: {2}alb: idle timeout 60 s \(AWS ALB/);
    expect(text).toContain("✗ risk keepalive-not-above-idle-timeout");
    expect(text).toContain("keepalive = 2 s is not above alb's idle timeout of 60 s");
    expect(text).toContain("fix:   Set keepalive above the balancer's idle timeout (e.g. --keep-alive 65)");
    expect(text).toContain("proof: npm run scenario -- lb-keepalive --target ledger.target.json");
    expect(text).toContain("proof: npm run scenario -- deploy --target ledger.target.json");
    expect(text).toMatch(/not checked:\n {2}- workers sized from the host's CPUs/);
    expect(text.trimEnd().split("\n").at(-1)).toBe("3 risks (exit 1)");
  });

  it("ends with no risk found, saying it covers only what was checked", () => {
    const sound: Findings = { ...READ, settings: { ...READ.settings, worker_class: "uvicorn_worker_hooks.HookedUvicornWorker" } };
    const text = stripVTControlCharacters(formatDoctor(report(sound)));
    expect(text).not.toContain("✗");
    expect(text).toContain("platform:  not given (--platform)");
    expect(text.trimEnd().split("\n").at(-1)).toBe("no risk found in what was checked");
  });

  it("shows the CPU probe's evidence", () => {
    const text = stripVTControlCharacters(
      formatDoctor(report({ ...READ, cpu: { limitCores: 1, hostCpus: 2, probe: { cpus: 3, workers: 7 } } })),
    );
    expect(text).toContain("cpus:      limit 1 on a machine of 2; told 3 CPUs, gunicorn resolved 7 workers (the count follows the CPUs)");
    expect(text).toContain("✗ risk workers-from-host-cpus");
    expect(text).toContain("proof: no scenario in the catalogue shows it yet");
  });
});
