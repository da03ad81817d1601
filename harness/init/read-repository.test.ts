import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readGunicornCommand, readRepository, readRepositoryFiles } from "./read-repository.ts";

const work = mkdtempSync(join(tmpdir(), "init-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("readRepositoryFiles", () => {
  it("reads Dockerfiles, compose, .env, SQL and Python; skips the rest, dependencies, and files too big", async () => {
    const root = join(work, "repo");
    for (const dir of ["app", "node_modules/x", ".venv/lib", "shared"]) mkdirSync(join(root, dir), { recursive: true });
    writeFileSync(join(root, "Dockerfile"), "FROM python\n");
    writeFileSync(join(root, "api.Dockerfile"), "FROM python\n");
    writeFileSync(join(root, "compose.yaml"), "services: {}\n");
    writeFileSync(join(root, ".env"), "DATABASE_URL=postgresql://x\n");
    writeFileSync(join(root, "schema.sql"), "CREATE TABLE t (id int);\n");
    writeFileSync(join(root, "app/main.py"), "app = 1\n");
    writeFileSync(join(root, "app/big.py"), `# ${"x".repeat(300 * 1024)}\n`);
    writeFileSync(join(root, "README.md"), "# no\n");
    writeFileSync(join(root, "node_modules/x/a.py"), "no\n");
    writeFileSync(join(root, ".venv/lib/b.py"), "no\n");
    writeFileSync(join(root, "shared/hooks.py"), "def worker_int(w): pass\n");
    symlinkSync(join(root, "shared"), join(root, "app/linked"));
    const files = await readRepositoryFiles(root);
    expect(Object.keys(files).sort()).toEqual([
      ".env",
      "Dockerfile",
      "api.Dockerfile",
      "app/linked/hooks.py",
      "app/main.py",
      "compose.yaml",
      "schema.sql",
      "shared/hooks.py",
    ]);
    expect(files["app/main.py"]).toBe("app = 1\n");
  });
});

describe("readGunicornCommand", () => {
  it("reads --config, -c, --bind with a variable, --workers and -k, in exec and shell form", () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the shell's ${PORT}, as a Dockerfile writes it
    expect(readGunicornCommand(["gunicorn", "a:app", "--config", "conf.py", "--bind", "0.0.0.0:${PORT}", "-w", "$WORKERS"])).toEqual({
      config: "conf.py",
      bindEnv: "PORT",
      workersEnv: "WORKERS",
      workerClass: undefined,
    });
    expect(readGunicornCommand("exec /venv/bin/gunicorn a:app -c deploy/g.py -k uvicorn.workers.UvicornWorker --bind=:$APP_PORT")).toEqual({
      config: "deploy/g.py",
      bindEnv: "APP_PORT",
      workersEnv: undefined,
      workerClass: "uvicorn.workers.UvicornWorker",
    });
    expect(readGunicornCommand(["sh", "-c", "gunicorn a:app --config=g.py"])?.config).toBe("g.py");
    expect(readGunicornCommand(["uvicorn", "a:app"])).toBeUndefined();
  });
});

describe("readRepository", () => {
  it("reads a Dockerfile's last CMD, ENTRYPOINT, ENV (both forms), ARG and EXPOSE, continuations joined", () => {
    const { dockerfiles } = readRepository({
      Dockerfile: [
        "FROM python AS build",
        'CMD ["python"]',
        "FROM python",
        "# the port",
        "ENV APP_PORT=8080 \\",
        "    LOG_LEVEL=info",
        "ENV LEGACY value here",
        "ARG BUILD_ID=1",
        "EXPOSE 8080 9090",
        'ENTRYPOINT ["/entrypoint.sh"]',
        "CMD gunicorn a:app \\",
        "    --config g.py",
      ].join("\n"),
    });
    expect(dockerfiles[0]).toEqual({
      path: "Dockerfile",
      cmd: { value: "gunicorn a:app      --config g.py", from: "Dockerfile:11" },
      entrypoint: { value: ["/entrypoint.sh"], from: "Dockerfile:10" },
      env: [
        { value: "APP_PORT", from: "Dockerfile:5" },
        { value: "LOG_LEVEL", from: "Dockerfile:5" },
        { value: "LEGACY", from: "Dockerfile:7" },
        { value: "BUILD_ID", from: "Dockerfile:8" },
      ],
      expose: [
        { value: "8080", from: "Dockerfile:9" },
        { value: "9090", from: "Dockerfile:9" },
      ],
    });
  });

  it("follows the config's star import for its settings, and reads worker_class as written", () => {
    const { gunicornConfigs } = readRepository({
      "deploy/gunicorn.conf.py": "from base_settings import *\n",
      "deploy/base_settings.py":
        'import os\nbind = f"0.0.0.0:{os.environ[\'HTTP_PORT\']}"\nworker_class = "uvicorn.workers.UvicornWorker"\n',
    });
    expect(gunicornConfigs[0]).toMatchObject({
      path: "deploy/gunicorn.conf.py",
      portEnv: { value: "HTTP_PORT", from: "deploy/base_settings.py:2" },
      workerClass: { value: "uvicorn.workers.UvicornWorker", from: "deploy/base_settings.py:3" },
    });
  });
});
