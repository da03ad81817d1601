import { Command, InvalidArgumentError, Option } from "commander";
import { UsageError } from "../core/errors.ts";
import { programName } from "../core/invocation.ts";
import { Progress } from "../core/progress.ts";
import { type DoctorReport, diagnose, doctorExitCode, formatDoctor, proofCommand } from "../doctor/doctor-report.ts";
import { PLATFORM_NAMES, type PlatformName, platformProfile } from "../doctor/platform-profile.ts";
import type { SuiteName } from "../images/suites.ts";
import { loadScenario, teamScenarioDir } from "../scenario/catalogue.ts";
import { missingFor } from "../scenario/fit-target.ts";
import { runCli } from "./run-cli.ts";
import { chosenSuite, numberIn, usageErrorsExit2, withSuiteOption } from "./usage.ts";

interface Options {
  target?: string;
  config: string;
  suite?: SuiteName;
  stack?: SuiteName;
  platform?: PlatformName;
  idleTimeout?: number;
  terminationGrace?: number;
  cpus?: number;
  slowP99Ms?: number;
  json?: boolean;
}

const program = withSuiteOption(
  usageErrorsExit2(new Command(programName("doctor"))),
  "Debian suite whose base image the target's image is built on (default trixie)",
)
  .description(
    "Reads the target's gunicorn settings as its own image resolves them (the image is built and its app started once, " +
      "with its own config and none of a scenario's settings), compares them with the platform you run on, and lists each risk " +
      "with its evidence, the fix and the scenario that proves it.\n" +
      "Exit codes: 0 no risk found (notes do not count), 1 a risk found, 2 usage or invalid target file, " +
      "3 environment (no Docker, an image build failed, the app's gunicorn did not start).",
  )
  .option(
    "--target <file>",
    "the system under test: a target file (.ts or .json); default: chaos.target.ts (or .json) found from here upward, else the demo backend",
  )
  .option("--config <name>", "a config of the target (its configs:), read as that config runs", "default")
  .addOption(
    new Option(
      "--platform <name>",
      "where the app runs: its balancer's idle timeout and its termination grace (without it those rules are not checked)",
    ).choices(PLATFORM_NAMES),
  )
  .addOption(
    new Option("--idle-timeout <s>", "your balancer's idle timeout to the app, if not the platform's default").argParser(
      numberIn("--idle-timeout", { unit: "seconds", min: 0, max: 4000, aboveMin: true }),
    ),
  )
  .addOption(
    new Option("--termination-grace <s>", "seconds from SIGTERM to SIGKILL on your platform, if not its default").argParser(
      numberIn("--termination-grace", { unit: "seconds", min: 0, max: 3600, aboveMin: true }),
    ),
  )
  .addOption(
    new Option(
      "--cpus <cores>",
      "the container's CPU limit in production (e.g. 1 or 0.5): checks whether workers follow the host's CPUs",
    ).argParser(cores),
  )
  .addOption(
    new Option("--slow-p99-ms <ms>", "your slowest path's measured p99 in milliseconds: checks gunicorn's timeout against it").argParser(
      numberIn("--slow-p99-ms", { unit: "whole", min: 1 }),
    ),
  )
  .option("--json", "print one JSON object: the target, the settings read, the platform profile used, the risks, what was not checked")
  .showHelpAfterError();

function cores(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > 1024) throw new InvalidArgumentError(`--cpus wants a number of cores above 0, not "${value}".`);
  return n;
}

program.parse();
const options = program.opts<Options>();
let cleanup: (() => Promise<Error[]>) | undefined;

await runCli(
  async () => {
    if (!options.platform && (options.idleTimeout !== undefined || options.terminationGrace !== undefined))
      throw new UsageError(
        "BAD_OPTION",
        "--idle-timeout and --termination-grace describe a platform: name it too (--platform kubernetes|render|heroku|alb).",
      );
    // Loaded here, not at start: the target schema, Docker's client, testcontainers and the stack.
    const [{ loadTarget }, { bannersOf, targetConfig }, { declaredBannerKinds }, { stackOptionsSchema }] = await Promise.all([
      import("../target/load-target.ts"),
      import("../target/define-target.ts"),
      import("../classify/banners.ts"),
      import("../stack/stack-options.ts"),
    ]);
    const target = await loadTarget(options.target);
    targetConfig(target, options.config); // an unknown config is refused (exit 2) before any build
    const suite = chosenSuite(options) ?? stackOptionsSchema.shape.suite.parse(undefined);
    const [{ readResolvedConfig }, { newRunContext }, { removeEverythingBeforeExit }, { interruptSignal }] = await Promise.all([
      import("../doctor/read-resolved-config.ts"),
      import("../cleanup/run-context.ts"),
      import("../cleanup/before-exit.ts"),
      import("../cleanup/interrupt.ts"),
    ]);
    cleanup = removeEverythingBeforeExit;
    const progress = new Progress();
    const signal = interruptSignal((sig) => progress.warn(`${sig}: removing the containers (Ctrl-C again to force)`));
    const interrupted = new Promise<never>((_, reject) => signal.addEventListener("abort", () => reject(signal.reason)));
    const read = await Promise.race([
      readResolvedConfig(target, { config: options.config, suite, cpus: options.cpus, run: newRunContext("doctor"), progress }),
      interrupted,
    ]);
    const platform = options.platform
      ? platformProfile(options.platform, { idleTimeoutS: options.idleTimeout, terminationGraceS: options.terminationGrace })
      : undefined;
    const declaredBanners = declaredBannerKinds(bannersOf(target, options.config));
    const cpu = { ...(options.cpus !== undefined && { limitCores: options.cpus }), hostCpus: read.hostCpus, probe: read.cpuProbe };
    const { risks, notChecked } = diagnose({
      settings: read.gunicorn.settings,
      platform,
      cpu,
      slowPathP99Ms: options.slowP99Ms,
      declaredBanners,
    });
    const report: DoctorReport = {
      target: { name: target.name, file: target.file, config: options.config, suite, image: read.image },
      gunicorn: read.gunicorn,
      versions: read.versions,
      platform: platform ?? null,
      cpu,
      ...(options.slowP99Ms !== undefined && { slowPathP99Ms: options.slowP99Ms }),
      declaredBanners,
      risks: await Promise.all(
        risks.map(async (risk) => {
          const needs = risk.scenario === null ? undefined : missingFor(await loadScenario(risk.scenario, teamScenarioDir(target)), target);
          return {
            ...risk,
            proof: proofCommand(risk.scenario, { targetArg: options.target, config: options.config }),
            ...(needs && { proofNeeds: needs }),
          };
        }),
      ),
      notChecked,
    };
    process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : formatDoctor(report));
    return doctorExitCode(risks);
  },
  async () => (await cleanup?.()) ?? [],
);
