import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { contextFiles, DOCKER_DIR, inputsHash } from "./image-inputs.ts";

const SEED_BACKEND = fileURLToPath(new URL("../../examples/seed-backend/", import.meta.url));

describe("a build context's files and hash", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it("the demo's and the seed backend's contexts both hold the one copy of the seed hooks and of the drop-in", () => {
    expect(contextFiles(DOCKER_DIR)).toEqual(expect.arrayContaining(["seed-hooks/seed_hooks.py", "dropin/uvicorn_worker_hooks.py"]));
    // examples/seed-backend/seed-hooks and dropin are symlinks to docker/'s folders: followed, their files are the context's.
    expect(contextFiles(SEED_BACKEND)).toEqual(expect.arrayContaining(["seed-hooks/seed_hooks.py", "dropin/uvicorn_worker_hooks.py"]));
  });

  it("changes when a file shared through a symlinked folder changes", () => {
    const root = mkdtempSync(join(tmpdir(), "image-inputs-"));
    dirs.push(root);
    mkdirSync(join(root, "shared"));
    mkdirSync(join(root, "app"));
    writeFileSync(join(root, "shared", "hooks.py"), "def worker_int(worker):\n    pass\n");
    writeFileSync(join(root, "app", "Dockerfile"), "FROM base\n");
    symlinkSync("../shared", join(root, "app", "shared"));
    const context = join(root, "app");
    const hash = () => inputsHash(["base"], { dir: context, files: contextFiles(context) });
    const before = hash();
    expect(contextFiles(context)).toEqual(["Dockerfile", "shared/hooks.py"]);
    writeFileSync(join(root, "shared", "hooks.py"), "def worker_int(worker):\n    print('banner')\n");
    expect(hash()).not.toBe(before);
  });
});
