import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { type GunicornConfig, settingMismatches } from "./gunicorn-config.ts";
import { stackOptionsSchema } from "./stack-options.ts";

const options = stackOptionsSchema.parse({ workers: 3, timeoutS: 3, gracefulTimeoutS: 2, keepaliveS: 5, maxRequests: 2000 });
const took: GunicornConfig["settings"] = {
  bind: ["127.0.0.1:8000"],
  workers: 3,
  timeout: 3,
  graceful_timeout: 2,
  keepalive: 5,
  max_requests: 2000,
  max_requests_jitter: 0,
  worker_class: "uvicorn.workers.UvicornWorker",
};
const config = (argv: string[], settings: Partial<GunicornConfig["settings"]> = {}): GunicornConfig => ({
  argv,
  cmdArgsEnv: "--bind=127.0.0.1:8000 --workers=3",
  settings: { ...took, ...settings },
});

describe("the settings the master really has, against those the scenario passed", () => {
  it("finds nothing when every setting took", () => {
    expect(settingMismatches(config(["app:api", "-c", "conf.py"]), options, 8000)).toEqual([]);
  });

  it("names a setting the command line pins, in each of gunicorn's spellings, and the fix", () => {
    const pinned = settingMismatches(
      config(["app:api", "--timeout", "30", "-w4", "--bind=0.0.0.0:80"], { timeout: 30, workers: 4, bind: ["0.0.0.0:80"] }),
      options,
      8000,
    );
    expect(pinned.map((m) => [m.setting, m.actual, m.wanted])).toEqual([
      ["bind", "0.0.0.0:80", "127.0.0.1:8000"],
      ["workers", "4", "3"],
      ["timeout", "30", "3"],
    ]);
    expect(pinned[2]!.why).toMatch(/^the app's command line sets it \(--timeout 30\), which wins over GUNICORN_CMD_ARGS: take it out/);
    expect(pinned[1]!.why).toMatch(/sets it \(-w4\)/);
    expect(pinned[0]!.why).toMatch(/sets it \(--bind=0\.0\.0\.0:80\)/);
  });

  it("says what the master reports when a setting did not take for another reason", () => {
    const [mismatch] = settingMismatches(config(["app:api"], { max_requests: 0 }), options, 8000);
    expect(mismatch).toMatchObject({ setting: "max_requests", actual: "0", wanted: "2000" });
    expect(mismatch!.why).toMatch(/the master reports 0 although GUNICORN_CMD_ARGS says 2000/);
  });
});

describe("resolve_gunicorn_config.py (run inside the app container)", () => {
  it("is valid Python", () => {
    const file = fileURLToPath(new URL("./resolve_gunicorn_config.py", import.meta.url));
    expect(() =>
      execFileSync("python3", ["-c", "import ast, sys; ast.parse(open(sys.argv[1]).read(), sys.argv[1])", file], { stdio: "pipe" }),
    ).not.toThrow();
  });
});
