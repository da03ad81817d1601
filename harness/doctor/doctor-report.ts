import pc from "picocolors";
import type { BannerKind } from "../classify/banners.ts";
import { ExitCode } from "../core/errors.ts";
import { commandLine } from "../core/invocation.ts";
import type { GunicornConfig } from "../stack/gunicorn-config.ts";
import { type PlatformProfile, platformProfile } from "./platform-profile.ts";
import { type DoctorInput, findRisks, type Risk, type RiskId } from "./risks.ts";

/** A risk as doctor reports it: with the command that runs the scenario proving it on this target (null where none exists). */
interface ReportedRisk extends Risk {
  proof: string | null;
  /** What the target must declare before the proving scenario runs on it (a role, a setting), when it lacks it. */
  proofNeeds?: string;
}

/** Everything `doctor` read, assumed and found: what `--json` prints, and what the text output shows. */
export interface DoctorReport {
  target: { name: string; file: string; config: string; suite: string; image: string };
  gunicorn: GunicornConfig;
  versions: Record<string, string>;
  /** The platform's profile used, null without --platform (its rules were then not checked). */
  platform: PlatformProfile | null;
  cpu: CpuFindings;
  slowPathP99Ms?: number;
  declaredBanners: readonly BannerKind[];
  risks: ReportedRisk[];
  /** Each rule that could not be checked, and what would let it be. */
  notChecked: string[];
}

/** The rules that compare with the platform: without --platform nothing is known to compare with. */
const PLATFORM_RISKS: ReadonlySet<RiskId> = new Set([
  "keepalive-not-above-idle-timeout",
  "idle-timeout-unknown",
  "graceful-timeout-not-below-grace",
]);

/**
 * The CPU limit given (--cpus), the CPUs of the machine doctor ran on, and, when probed, the worker count gunicorn resolved
 * with Python told `probe.cpus` CPUs: a count that changed was computed from the CPUs.
 */
interface CpuFindings {
  limitCores?: number;
  hostCpus: number;
  probe?: { cpus: number; workers: number };
}

export interface Findings {
  settings: GunicornConfig["settings"];
  platform?: PlatformProfile;
  cpu: CpuFindings;
  slowPathP99Ms?: number;
  declaredBanners: readonly BannerKind[];
}

/** The risks in what was read, and the rules that could not be checked (with what they need). */
export function diagnose(findings: Findings): { risks: Risk[]; notChecked: string[] } {
  const { settings, platform, cpu, slowPathP99Ms, declaredBanners } = findings;
  // Without a platform its rules are left out, so the one given to findRisks only fills the field.
  const notChecked: string[] = [];
  // The rule matches the count against the host's CPUs; only a count that followed the probe's CPUs was computed from them.
  const followsCpus = cpu.probe !== undefined && cpu.probe.workers !== settings.workers;
  const input: DoctorInput = {
    settings,
    platform: platform ?? platformProfile("kubernetes"),
    ...(followsCpus && { cpu: { limitCores: cpu.limitCores, hostCpus: cpu.hostCpus } }),
    slowPathP99Ms,
    declaredBanners,
  };
  const risks = findRisks(input).filter((risk) => platform !== undefined || !PLATFORM_RISKS.has(risk.id));
  if (!platform)
    notChecked.push(
      "keepalive against the balancer's idle timeout, and graceful_timeout against the platform's termination grace: " +
        "say where it runs (--platform kubernetes|render|heroku|alb, and --idle-timeout / --termination-grace where yours differ).",
    );
  if (cpu.limitCores === undefined)
    notChecked.push("workers sized from the host's CPUs under a CPU limit: give the container's CPU limit (--cpus <cores>).");
  else if (cpu.limitCores >= cpu.hostCpus)
    notChecked.push(
      `workers sized from the host's CPUs: this machine has ${cpu.hostCpus} CPUs, not more than the limit of ${cpu.limitCores}, ` +
        "so a count computed from the host cannot be told from one computed from the limit here. Run doctor on a machine with more CPUs than the limit.",
    );
  else if (cpu.probe === undefined)
    notChecked.push(
      "workers sized from the host's CPUs: telling a computed count from a fixed one needs Python 3.13+ in the image (PYTHON_CPU_COUNT); " +
        "check your config's workers by hand.",
    );
  if (slowPathP99Ms === undefined)
    notChecked.push(
      "timeout against the slow path's p99: doctor measures no latency; give the p99 you measured (--slow-p99-ms <ms>, e.g. from a scenario report's latency).",
    );
  return { risks, notChecked };
}

/** The command that runs a risk's scenario on the target doctor read (the same --target and --config), or null. */
export function proofCommand(scenario: string | null, on: { targetArg?: string; config: string }): string | null {
  if (scenario === null) return null;
  const args = [scenario, on.targetArg && `--target ${on.targetArg}`, on.config !== "default" && `--config ${on.config}`];
  return commandLine("scenario", args.filter(Boolean).join(" "));
}

/** 1 when any finding is a risk (notes alone do not fail), else 0. */
export function doctorExitCode(risks: readonly Pick<Risk, "severity">[]): ExitCode {
  return risks.some((risk) => risk.severity === "risk") ? ExitCode.expectationFailed : ExitCode.ok;
}

function cpuWords({ limitCores, hostCpus, probe }: CpuFindings, workers: number): string {
  const measured = probe
    ? `; told ${probe.cpus} CPUs, gunicorn resolved ${probe.workers} workers (${probe.workers === workers ? "a fixed count" : "the count follows the CPUs"})`
    : "";
  return `limit ${limitCores} on a machine of ${hostCpus}${measured}`;
}

const s = (seconds: number | undefined) => (seconds === undefined ? "unknown" : `${seconds} s`);

/** The report for a terminal: what was read, each risk with its evidence, fix and proof, what was not checked, the verdict. */
export function formatDoctor(report: DoctorReport): string {
  const { target, gunicorn, versions, platform, risks, notChecked } = report;
  const settings = gunicorn.settings;
  const runs = ["gunicorn", "uvicorn", "fastapi", "python"]
    .filter((name) => versions[name])
    .map((name) => `${name} ${versions[name]}`)
    .join(" · ");
  const lines = [
    pc.bold(`doctor: ${target.name}`) + pc.dim(` (${target.file}, config ${target.config}, ${target.suite}, image ${target.image})`),
    `  runs:      ${runs || pc.dim("versions not readable")}`,
    `  worker:    ${settings.worker_class} × ${settings.workers}`,
    `  settings:  timeout ${s(settings.timeout)} · graceful_timeout ${s(settings.graceful_timeout)} · keepalive ${s(settings.keepalive)} · ` +
      `max_requests ${settings.max_requests} (jitter ${settings.max_requests_jitter})`,
    `  banners:   ${report.declaredBanners.length ? report.declaredBanners.join(", ") : "none declared"}`,
    ...(report.cpu.limitCores === undefined ? [] : [`  cpus:      ${cpuWords(report.cpu, settings.workers)}`]),
    platform
      ? `  platform:  ${platform.name}: idle timeout ${s(platform.idleTimeoutS)} (${platform.sources.idleTimeoutS}), ` +
        `termination grace ${s(platform.terminationGraceS)} (${platform.sources.terminationGraceS})`
      : `  platform:  ${pc.dim("not given (--platform)")}`,
    "",
  ];
  for (const risk of risks) {
    const mark = risk.severity === "risk" ? pc.red("✗ risk") : pc.yellow("• note");
    lines.push(
      `${mark} ${pc.bold(risk.id)}`,
      `    ${risk.what}`,
      `    ${pc.dim("why:")}   ${risk.why}`,
      `    ${pc.dim("fix:")}   ${risk.fix}`,
      `    ${pc.dim("proof:")} ${risk.proof ?? pc.dim("no scenario in the catalogue shows it yet")}`,
      ...(risk.proofNeeds ? [`    ${pc.dim(`(it runs once the target declares what it needs: ${risk.proofNeeds})`)}`] : []),
      "",
    );
  }
  if (notChecked.length) lines.push(pc.dim("not checked:"), ...notChecked.map((line) => pc.dim(`  - ${line}`)), "");
  const count = (severity: Risk["severity"]) => risks.filter((r) => r.severity === severity).length;
  const [riskCount, noteCount] = [count("risk"), count("note")];
  lines.push(
    riskCount
      ? pc.red(
          `${riskCount} risk${riskCount === 1 ? "" : "s"}${noteCount ? `, ${noteCount} note${noteCount === 1 ? "" : "s"}` : ""} (exit 1)`,
        )
      : pc.green(
          `no risk found${noteCount ? ` (${noteCount} note${noteCount === 1 ? "" : "s"})` : ""}${notChecked.length ? " in what was checked" : ""}`,
        ),
  );
  return `${lines.join("\n")}\n`;
}
