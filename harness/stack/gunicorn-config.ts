import { readFileSync } from "node:fs";
import type Docker from "dockerode";
import { execIn } from "../control/exec.ts";
import { packageFile } from "../core/package-files.ts";
import { gunicornCmdArgs, type StackOptions } from "./stack-options.ts";

/** What the running master really has: its arguments, the GUNICORN_CMD_ARGS it saw, and its resolved settings. */
export interface GunicornConfig {
  /** The master's own arguments (after `gunicorn`). */
  argv: string[];
  /** GUNICORN_CMD_ARGS in the master's environment. */
  cmdArgsEnv: string;
  settings: {
    bind: string[];
    workers: number;
    timeout: number;
    graceful_timeout: number;
    keepalive: number;
    max_requests: number;
    max_requests_jitter: number;
    worker_class: string;
  };
}

/** A setting the scenario needs that the master does not have, and why. */
export interface SettingMismatch {
  setting: keyof GunicornConfig["settings"];
  wanted: string;
  actual: string;
  why: string;
}

/** Read when a master is resolved, not when the module loads. */
const RESOLVE_PY = packageFile("harness/stack/resolve_gunicorn_config.py");

/**
 * Reads the running master's settings inside its container: its argv, environment and working directory from /proc,
 * resolved by gunicorn's own loader (harness/stack/resolve_gunicorn_config.py), with the master's Python. Throws with
 * what the container said when it cannot.
 */
export async function resolveGunicornConfig(docker: Docker, container: Docker.Container): Promise<GunicornConfig> {
  // The master's interpreter (a team's venv, not only Debian's python3), found from the gunicorn process itself: the process with an argument that is gunicorn's path or `-m gunicorn`'s name (this shell, $$, skipped), run with its own
  // interpreter: its argv[0] when that is a python (a venv's, whose pyvenv.cfg sits beside it), else the binary it runs.
  const findPython =
    'for p in /proc/[0-9]*; do [ "$p" = "/proc/$$" ] && continue; ' +
    'tr "\\0" "\\n" < "$p/cmdline" 2>/dev/null | grep -qE "(^|/)gunicorn$" || continue; ' +
    'first=$(tr "\\0" "\\n" < "$p/cmdline" | head -n 1); ' +
    'case "$first" in python* | */python*) [ -x "$first" ] && exec "$first" -c "$1";; esac; ' +
    'exec "$(readlink "$p/exe")" -c "$1"; done; exec python3 -c "$1"';
  const result = await execIn(docker, container, ["sh", "-c", findPython, "sh", readFileSync(RESOLVE_PY, "utf8")]);
  const last = result.stdout.trim().split("\n").at(-1) ?? "";
  let parsed: (GunicornConfig & { error?: undefined }) | { error: string };
  try {
    parsed = JSON.parse(last) as typeof parsed;
  } catch {
    throw new Error(
      `could not read gunicorn's settings in the app container (exit ${result.exitCode}): ${result.stderr.trim().split("\n").slice(-3).join(" ")}`,
    );
  }
  if (parsed.error !== undefined) throw new Error(`could not read gunicorn's settings in the app container: ${parsed.error}`);
  return parsed;
}

/** gunicorn's command-line flags per setting: one given on the master's command line wins over GUNICORN_CMD_ARGS. */
const FLAGS: Record<Exclude<keyof GunicornConfig["settings"], "worker_class">, string[]> = {
  bind: ["--bind", "-b"],
  workers: ["--workers", "-w"],
  timeout: ["--timeout", "-t"],
  graceful_timeout: ["--graceful-timeout"],
  keepalive: ["--keep-alive"],
  max_requests: ["--max-requests"],
  max_requests_jitter: ["--max-requests-jitter"],
};

/** The settings the harness passed (gunicornCmdArgs) that the master does not have, each with why. */
export function settingMismatches(config: GunicornConfig, options: StackOptions, port: number): SettingMismatch[] {
  const wanted = Object.fromEntries(
    gunicornCmdArgs(options, port).map((arg) => {
      const [flag, value] = arg.split("=") as [string, string];
      return [flag, value];
    }),
  );
  const mismatches: SettingMismatch[] = [];
  for (const [setting, flags] of Object.entries(FLAGS) as Array<[keyof typeof FLAGS, string[]]>) {
    const want = wanted[flags[0]!];
    if (want === undefined) continue; // left to the app (workers: "app")
    const raw = config.settings[setting];
    const actual = Array.isArray(raw) ? raw.join(",") : String(raw);
    if (Number.isNaN(Number(want)) ? actual === want : Number(actual) === Number(want)) continue;
    const pinned = config.argv.find((arg) => flags.some((f) => arg === f || arg.startsWith(f.length === 2 ? f : `${f}=`)));
    const why = pinned
      ? `the app's command line sets it (${flags.includes(pinned) ? `${pinned} ${config.argv[config.argv.indexOf(pinned) + 1] ?? ""}` : pinned}), ` +
        "which wins over GUNICORN_CMD_ARGS: take it out of the command (the target's command or the image's CMD) and set it in the config file"
      : `the master reports ${actual} although GUNICORN_CMD_ARGS says ${want} (GUNICORN_CMD_ARGS it saw: "${config.cmdArgsEnv}")`;
    mismatches.push({ setting, wanted: want, actual, why });
  }
  return mismatches;
}
