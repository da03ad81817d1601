import { describe, expect, it } from "vitest";
import { UsageError } from "../core/errors.ts";
import { loadTarget } from "../target/load-target.ts";
import { appEnvironment, checkWorkerClass, stackOptionsSchema } from "./stack-options.ts";

const demo = await loadTarget();
const ports = { app: 8000, db: 5432, proxy: 5433 };

describe("the worker class (--worker)", () => {
  it("reaches the app through the target's workerClass setting: UvicornWorker by default, gunicorn's asgi on request", () => {
    expect(appEnvironment(demo, stackOptionsSchema.parse({}), ports).GUNICORN_WORKER_CLASS).toBe("uvicorn.workers.UvicornWorker");
    expect(appEnvironment(demo, stackOptionsSchema.parse({ suite: "sid", worker: "asgi" }), ports).GUNICORN_WORKER_CLASS).toBe("asgi");
  });

  it("is refused where the suite's gunicorn lacks it, or the target cannot be told it, naming the fix", () => {
    expect(() => checkWorkerClass(demo, { suite: "sid", worker: "asgi" })).not.toThrow();
    expect(() => checkWorkerClass(demo, { suite: "bookworm", worker: "asgi" })).toThrow(
      /not in bookworm's gunicorn.*--suite sid --worker asgi/,
    );
    const silent = { ...demo, settings: {} };
    expect(() => checkWorkerClass(silent, { suite: "sid", worker: "asgi" })).toThrow(UsageError);
    expect(() => checkWorkerClass(silent, { suite: "sid", worker: "uvicorn" })).not.toThrow();
  });
});
