import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import demo from "../../docker/demo.target.ts";
import seedBackend from "../../examples/seed-backend/seed-backend.target.ts";
import { targetSchema } from "../target/define-target.ts";
import { draftTarget, renderTarget, type TargetDraft } from "./draft-target.ts";
import { readRepositoryFiles } from "./read-repository.ts";

/** The draft, checked against the target schema as a loaded target file would be. */
function valid(draft: TargetDraft) {
  const parsed = targetSchema.safeParse(draft.target);
  expect(parsed.error?.issues ?? []).toEqual([]);
  return draft;
}

const guessOf = (draft: TargetDraft, field: string) => draft.guesses.find((g) => g.field === field);

/** The object literal a rendered chaos.target.ts passes to defineTarget, evaluated. */
function renderedObject(text: string): unknown {
  const body = text.slice(text.indexOf("defineTarget(") + "defineTarget(".length, text.lastIndexOf(");"));
  return new Function(`return (${body});`)();
}

const DOCKERFILE = 'FROM python:3.12-slim\nCOPY . /app\nWORKDIR /app\nCMD ["gunicorn", "app.main:app", "-c", "gunicorn.conf.py"]\n';
const MAIN =
  'from fastapi import FastAPI\n\napp = FastAPI(title="Orders API")\n\n\n@app.get("/healthz")\nasync def health():\n    return {}\n';

describe("draftTarget on the harness's own apps", () => {
  it("the ledger: its hand-written target's build, port, workers, timeouts, health, database and banners", async () => {
    const draft = valid(draftTarget(await readRepositoryFiles("harness/testing/apps/ledger")));
    const written = JSON.parse(readFileSync("harness/testing/apps/ledger/ledger.target.json", "utf8"));
    const { target } = draft;
    expect(target.name).toBe(written.name);
    for (const field of ["build", "port", "workers", "timeouts", "health", "banners"] as const)
      expect(target[field]).toEqual(written[field]);
    expect(target.database).toMatchObject({
      urlEnv: written.database.urlEnv,
      init: written.database.init,
      lockTable: written.database.lockTable,
    });
    // Its own form, without the password init cannot know: the template says where one would go.
    expect(target.database).toMatchObject({ url: "postgresql+asyncpg://{user}@{host}:{port}/{database}" });
    expect(target.command).toBeUndefined();
    expect(guessOf(draft, "banners.interrupt")?.from).toBe("deploy/gunicorn_conf.py:17");
    expect(guessOf(draft, "database.urlEnv")?.from).toBe("ledger_service/api.py:15");
    expect(guessOf(draft, "health")?.from).toBe("ledger_service/api.py:47");
  });

  it("the demo: its build, health, database, banners, its seed config and its settings", async () => {
    const draft = valid(draftTarget(await readRepositoryFiles("docker"), { name: "demo" }));
    const { target } = draft;
    expect(target.name).toBe("demo");
    expect(target.build).toEqual(demo.build);
    expect(target.health).toBe(demo.health);
    expect(target.banners).toEqual(demo.banners);
    expect(target.configs).toEqual(demo.configs);
    expect(target.database).toEqual({ ...(demo.database as object), init: "app/schema.sql" });
    expect(demo.settings).toMatchObject(target.settings ?? {});
    expect(Object.keys(target.settings ?? {}).sort()).toEqual(["keepaliveS", "maxRequests", "maxRequestsJitter", "workerClass"]);
    // The other Dockerfiles are named, so the team can see the choice.
    expect(guessOf(draft, "build")?.howToCheck).toContain("base.Dockerfile");
  });

  it("the seed backend: its hooks in a module the Dockerfile copies in, through a symbolic link", async () => {
    const { target } = valid(draftTarget(await readRepositoryFiles("examples/seed-backend")));
    expect(target.name).toBe(seedBackend.name);
    expect(target.banners).toEqual(seedBackend.banners);
    expect(target.database).toEqual(seedBackend.database);
    expect(target.health).toBe(seedBackend.health);
    expect(guessOf(draftTarget({ Dockerfile: DOCKERFILE, "app/main.py": MAIN }), "banners.interrupt")).toBeUndefined();
  });
});

describe("draftTarget's detections", () => {
  it("a shell-form CMD binding $PORT: the port variable, the EXPOSE note, the app's title as the name", () => {
    const draft = valid(
      draftTarget({
        Dockerfile:
          "FROM python:3.12\nENV PORT=8000 \\\n    WEB_CONCURRENCY=2\nEXPOSE 8000\nCMD gunicorn app.main:app -k uvicorn.workers.UvicornWorker --bind 0.0.0.0:$PORT\n",
        "app/main.py": MAIN,
      }),
    );
    expect(draft.target).toMatchObject({
      name: "orders-api",
      port: { env: "PORT" },
      health: "/healthz",
      build: { context: ".", dockerfile: "Dockerfile" },
    });
    expect(guessOf(draft, "port")).toMatchObject({ from: "Dockerfile:5" });
    expect(guessOf(draft, "port")?.howToCheck).toContain("EXPOSE 8000");
    expect(guessOf(draft, "command")?.value).toBe("gunicorn app.main:app -k uvicorn.workers.UvicornWorker --bind 0.0.0.0:$PORT");
  });

  it("ENV PORT alone, the config named by -c, workers from WEB_CONCURRENCY, a router's prefix", () => {
    const draft = valid(
      draftTarget({
        Dockerfile: `FROM python:3.12\nARG PORT\n${DOCKERFILE.split("\n").slice(1).join("\n")}`,
        "gunicorn.conf.py": 'import os\nworkers = int(os.getenv("WEB_CONCURRENCY", "2"))\nworker_class = "uvicorn.workers.UvicornWorker"\n',
        "app/main.py": "from fastapi import FastAPI\napp = FastAPI()\n",
        "app/routes.py":
          'from fastapi import APIRouter\nrouter = APIRouter(prefix="/ops")\n\n@router.get("/ready")\ndef ready():\n    return {}\n',
      }),
    );
    expect(draft.target).toMatchObject({
      port: { env: "PORT" },
      workers: { env: "WEB_CONCURRENCY" },
      health: "/ops/ready",
      name: "my-service",
    });
    expect(guessOf(draft, "port")?.from).toBe("Dockerfile:2");
    expect(guessOf(draft, "(gunicorn config)")?.value).toBe("gunicorn.conf.py");
  });

  it("banners: a custom title becomes a pattern with one pid group; the standard text becomes true; a logger's %s too", () => {
    const config = [
      "import logging",
      "log = logging.getLogger(__name__)",
      "def worker_int(worker):",
      '    print("=" * 80)',
      '    print(f"### PAYMENTS worker stopping (pid {worker.pid}) at {time.time()}")',
      "",
      "def worker_abort(worker):",
      '    log.critical("CRITICAL: WORKER ABORTED - PID %s", worker.pid)',
    ].join("\n");
    const draft = valid(draftTarget({ Dockerfile: DOCKERFILE, "gunicorn.conf.py": config, "app/main.py": MAIN }));
    expect(draft.target.banners).toEqual({ interrupt: "PAYMENTS worker stopping \\(pid (\\d+)", abort: true });
    const pattern = new RegExp((draft.target.banners as { interrupt: string }).interrupt);
    expect(pattern.exec("### PAYMENTS worker stopping (pid 4242) at 17.0")?.[1]).toBe("4242");
    expect(guessOf(draft, "banners.interrupt")?.from).toBe("gunicorn.conf.py:5");
    expect(guessOf(draft, "banners.interrupt")?.howToCheck).toContain("chaos-harness scenario smoke");
  });

  it("health: /health before /healthz before /status, the others named", () => {
    const routes = '@app.get("/status")\ndef s(): ...\n@app.get("/healthz")\ndef z(): ...\n@app.get("/health")\ndef h(): ...\n';
    const draft = valid(draftTarget({ Dockerfile: DOCKERFILE, "app/main.py": `app = FastAPI()\n${routes}` }));
    expect(draft.target.health).toBe("/health");
    expect(guessOf(draft, "health")).toMatchObject({ from: "app/main.py:6" });
    expect(guessOf(draft, "health")?.howToCheck).toContain("Also seen: /status, /healthz.");
  });

  it("a hook that prints no pid declares no banner", () => {
    const config = 'def worker_int(worker):\n    print("bye")\n';
    const draft = valid(draftTarget({ Dockerfile: DOCKERFILE, "gunicorn.conf.py": config, "app/main.py": MAIN }));
    expect(draft.target.banners).toBeUndefined();
    expect(guessOf(draft, "banners")?.howToCheck).toContain("promises none");
  });

  it("the database: compose's variable and URL, a pydantic settings field", () => {
    const compose = [
      "services:",
      "  api:",
      "    build:",
      "      context: ./api",
      "      dockerfile: Dockerfile",
      "    environment:",
      "      - ORDERS_DATABASE_URL=postgresql+psycopg://orders@db/orders",
      "  db:",
      "    image: postgres:16",
    ].join("\n");
    const fromCompose = valid(draftTarget({ "docker-compose.yml": compose, "api/Dockerfile": DOCKERFILE, "api/app/main.py": MAIN }));
    expect(fromCompose.target.build).toEqual({ context: "api", dockerfile: "api/Dockerfile" });
    expect(fromCompose.target.database).toEqual({
      urlEnv: "ORDERS_DATABASE_URL",
      url: "postgresql+psycopg://{user}@{host}:{port}/{database}",
    });
    expect(guessOf(fromCompose, "database.urlEnv")?.from).toBe("docker-compose.yml:7");

    const settings =
      "from pydantic_settings import BaseSettings\n\nclass Settings(BaseSettings):\n    database_url: str\n    debug: bool = False\n";
    const fromSettings = valid(draftTarget({ Dockerfile: DOCKERFILE, "app/main.py": MAIN, "app/settings.py": settings }));
    expect(fromSettings.target.database).toEqual({ urlEnv: "DATABASE_URL" });
    expect(guessOf(fromSettings, "database.urlEnv")?.from).toBe("app/settings.py:4");
  });

  it("a URL the code rewrites to its driver itself keeps the default form", () => {
    const db = 'import os\nURL = os.environ["DATABASE_URL"].replace("postgresql://", "postgresql+asyncpg://", 1)\n';
    const { target } = valid(draftTarget({ Dockerfile: DOCKERFILE, "app/main.py": MAIN, "app/db.py": db }));
    expect(target.database).toEqual({ urlEnv: "DATABASE_URL" });
  });

  it("no CMD: the gunicorn command line from the FastAPI app and the conventional config", () => {
    const draft = valid(
      draftTarget({ Dockerfile: "FROM python:3.12\n", "gunicorn.conf.py": "bind = '0.0.0.0:8000'\n", "svc/api.py": MAIN }),
    );
    expect(draft.target.command).toEqual([
      "gunicorn",
      "svc.api:app",
      "-k",
      "uvicorn.workers.UvicornWorker",
      "--config",
      "gunicorn.conf.py",
    ]);
    expect(guessOf(draft, "command")?.howToCheck).toContain("No CMD found");
  });

  it("an ambiguous repository: two Dockerfiles, no routes, no database; the guesses say so", () => {
    const draft = valid(
      draftTarget({
        "services/api/Dockerfile": DOCKERFILE,
        "services/worker/Dockerfile": 'FROM python:3.12\nCMD ["gunicorn", "worker:app"]\n',
        "services/api/app.py": "print('no routes here')\n",
      }),
    );
    expect(draft.target.build).toEqual({ context: "services/api", dockerfile: "services/api/Dockerfile" });
    expect(guessOf(draft, "build")?.howToCheck).toContain("Also found services/worker/Dockerfile");
    expect(draft.target.health).toBe("/health");
    expect(guessOf(draft, "health")).toMatchObject({ from: "no route found (0 GET routes in 1 Python files)" });
    expect(guessOf(draft, "health")?.howToCheck).toContain("No health route found");
    expect(draft.target.database).toBeUndefined();
    expect(guessOf(draft, "database")?.howToCheck).toContain("no database");
    expect(guessOf(draft, "port")?.howToCheck).toContain("No port variable found");
  });

  it("banners: a title other hooks print too ('Worker {pid} …') keeps the words after the pid", () => {
    const config = [
      "def post_fork(server, worker):",
      '    server.log.info(f"Worker {worker.pid} spawned")',
      "def worker_int(worker):",
      '    worker.log.info(f"Worker {worker.pid} got INT or QUIT, stopping")',
      "def worker_abort(worker):",
      '    worker.log.error("Worker aborted (pid: %s)", worker.pid)',
    ].join("\n");
    const { target } = valid(draftTarget({ Dockerfile: DOCKERFILE, "gunicorn.conf.py": config, "app/main.py": MAIN }));
    const banners = target.banners as { interrupt: string; abort: string };
    expect(banners).toEqual({ interrupt: "Worker (\\d+) got INT or QUIT, stopping", abort: "Worker aborted \\(pid: (\\d+)" });
    expect(new RegExp(banners.interrupt).test("Worker 42 spawned")).toBe(false);
    expect(new RegExp(banners.interrupt).exec("[INFO] Worker 42 got INT or QUIT, stopping")?.[1]).toBe("42");
  });

  it("compose's command as a block list; a settings file's second URL variable with its own driver; SENTRY_DSN is no database", () => {
    const compose = [
      "services:",
      "  app:",
      "    build:",
      "      context: .",
      "    command:",
      "      - scripts/start.sh",
      "      - --prod",
    ].join("\n");
    const settings = [
      "from pydantic_settings import BaseSettings",
      "class Settings(BaseSettings):",
      "    SENTRY_DSN: str | None = None",
      "    DATABASE_URL: str",
      "    DATABASE_ASYNC_URL: str",
    ].join("\n");
    const env = "DATABASE_URL=postgresql://app@localhost/app\nDATABASE_ASYNC_URL=postgresql+asyncpg://app@localhost/app\n";
    const draft = valid(
      draftTarget({
        "docker-compose.yml": compose,
        Dockerfile: "FROM python:3.12\n",
        "app/main.py": MAIN,
        "app/config.py": settings,
        ".env.example": env,
      }),
    );
    expect(draft.target.command).toEqual(["scripts/start.sh", "--prod"]);
    expect(guessOf(draft, "command")?.from).toBe("docker-compose.yml:5");
    expect(draft.target.database).toEqual({
      urlEnv: "DATABASE_URL",
      env: { DATABASE_ASYNC_URL: "postgresql+asyncpg://{user}@{host}:{port}/{database}" },
    });
    expect(guessOf(draft, "database.env.DATABASE_ASYNC_URL")?.howToCheck).toContain("driver from .env.example:2");
    expect(guessOf(draft, "database.urlEnv")?.howToCheck).not.toContain("SENTRY_DSN");
  });

  it("a copy of another service inside the build context: its config, app and health route lose to the shallower ones", () => {
    const draft = valid(
      draftTarget({
        "backend/Dockerfile": 'FROM python:3.12\nWORKDIR /app\nCOPY . .\nCMD ["gunicorn", "-c", "gunicorn.conf.py", "main:app"]\n',
        "backend/gunicorn.conf.py": 'workers = 2\nworker_class = "uvicorn.workers.UvicornWorker"\n',
        "backend/[REF] old-service/gunicorn.conf.py": 'import os\nworkers = int(os.getenv("OLD_WORKERS", "2"))\n',
        "backend/[REF] old-service/main.py": 'app = FastAPI(title="Old")\n@app.get("/health")\ndef h(): ...\n',
        "backend/main.py": 'app = FastAPI(title="Buddy")\n@app.get("/health")\ndef h(): ...\n',
      }),
    );
    expect(guessOf(draft, "(gunicorn config)")?.value).toBe("backend/gunicorn.conf.py");
    expect(draft.target.workers).toBeUndefined();
    expect(draft.target.name).toBe("buddy");
    expect(guessOf(draft, "health")).toMatchObject({ value: "/health", from: "backend/main.py:2" });
    expect(guessOf(draft, "health")?.howToCheck).not.toContain("Also seen");
  });

  it("health: the Dockerfile's HEALTHCHECK when no route says; --health wins; healthFound says whether init knows it", () => {
    const dockerfile = `${DOCKERFILE}HEALTHCHECK --interval=30s CMD curl -f http://localhost:8000/api/ping || exit 1\n`;
    const fromCheck = valid(draftTarget({ Dockerfile: dockerfile, "app/main.py": "app = FastAPI()\n" }));
    expect(guessOf(fromCheck, "health")).toMatchObject({ value: "/api/ping", from: "Dockerfile:5" });
    expect(fromCheck.healthFound).toBe(true);
    const none = draftTarget({ Dockerfile: DOCKERFILE, "app/main.py": "app = FastAPI()\n" });
    expect(none.healthFound).toBe(false);
    const given = valid(draftTarget({ Dockerfile: DOCKERFILE, "app/main.py": MAIN }, { health: { path: "/live", from: "--health" } }));
    expect(given.target.health).toBe("/live");
    expect(given.healthFound).toBe(true);
    expect(guessOf(given, "health")?.from).toBe("--health");
  });

  it("the name: --name, else the app's title, else the folder's name", () => {
    const files = { Dockerfile: DOCKERFILE, "app/main.py": "app = FastAPI()\n" };
    expect(guessOf(draftTarget(files, { directory: "Orders Svc" }), "name")).toMatchObject({
      value: "orders-svc",
      from: "the directory's name",
    });
    expect(guessOf(draftTarget(files, { name: "billing", directory: "x" }), "name")).toMatchObject({ value: "billing", from: "--name" });
    expect(draftTarget({ ...files, "app/main.py": MAIN }, { directory: "x" }).target.name).toBe("orders-api");
  });

  it("no Dockerfile at all: build of the root, and a guess that says to write one", () => {
    const draft = valid(draftTarget({}));
    expect(draft.target.build).toEqual({ context: "." });
    expect(guessOf(draft, "build")?.howToCheck).toContain("No Dockerfile found");
  });
});

describe("renderTarget", () => {
  it("writes chaos.target.ts: the import from chaos-harness, each guess as a comment, the same target", async () => {
    const draft = draftTarget(await readRepositoryFiles("harness/testing/apps/ledger"));
    const text = renderTarget(draft);
    expect(text).toContain('import { defineTarget } from "chaos-harness";');
    expect(text).toContain("chaos-harness scenario smoke");
    expect(text).toContain("// from ledger_service/api.py:47.");
    expect(text).toContain("// command ([");
    expect(renderedObject(text)).toEqual(draft.target);
  });

  it("quotes keys that are not identifiers", () => {
    const draft = draftTarget({ Dockerfile: DOCKERFILE, "app/main.py": MAIN });
    draft.target.paths = { "db-slow": "/db?ms=1500" };
    const text = renderTarget(draft);
    expect(text).toContain('"db-slow": "/db?ms=1500"');
    expect(renderedObject(text)).toEqual(draft.target);
  });
});
