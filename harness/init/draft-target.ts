import { basename, dirname, posix } from "node:path";
import type { TargetInput } from "../target/define-target.ts";
import {
  type DockerfileFacts,
  type Found,
  type GunicornConfigFacts,
  type RepositoryFacts,
  type RepositoryFiles,
  readGunicornCommand,
  readRepository,
} from "./read-repository.ts";

/** One value init guessed: the target field, where it read it, and how the team checks it. */
interface Guess {
  field: string;
  value: unknown;
  /** `file:line`, or what the guess rests on when nothing was read. */
  from: string;
  howToCheck: string;
}

export interface TargetDraft {
  target: TargetInput;
  guesses: Guess[];
  /** The health path came from the app's routes or from the caller, not the default. */
  healthFound: boolean;
  /** gunicorn's worker class as the command or the config names it, when one does. */
  workerClass?: string;
  /** Where the config installs the drop-in that makes the hooks run under UvicornWorker (docs/banners.md). */
  hooksDropIn?: string;
}

export interface DraftOptions {
  /** The target's name, as the user gave it (`--name`). */
  name?: string;
  /** The repository's folder name: the target's name when the app has no title. */
  directory?: string;
  /** The health path, as the user gave it (`--health`, or answered): wins over the routes. */
  health?: { path: string; from: string };
}

/** Health paths in the order init prefers them. */
const HEALTH_PATHS = ["/health", "/healthz", "/ready", "/readyz", "/livez", "/live", "/ping", "/status"];
type BannerKind = "interrupt" | "abort" | "kill";
const SMOKE = "chaos-harness scenario smoke";

/** Drafts a target from a team's repository, each guessed value with where it came from and how to check it. */
export function draftTarget(files: RepositoryFiles, options: DraftOptions = {}): TargetDraft {
  const facts = readRepository(files);
  const guesses: Guess[] = [];
  const guess = (field: string, value: unknown, from: string, howToCheck: string) => guesses.push({ field, value, from, howToCheck });

  const dockerfile = chooseDockerfile(facts);
  const others = facts.dockerfiles.filter((d) => d !== dockerfile.chosen).map((d) => d.path);
  const composeContext = facts.compose?.context?.value.replace(/^\.\/(?=.)/, "").replace(/\/$/, "");
  const context = composeContext ?? (dockerfile.chosen ? dirname(dockerfile.chosen.path) : ".");
  // What the build context holds is what the image runs: another folder's app or routes (a copy kept for reference) are not it.
  const inContext = (from: string) => context === "." || from.startsWith(`${context}/`);
  const app = shallowestFirst(facts.apps).find((a) => inContext(a.from)) ?? facts.apps[0];

  const named = options.name ?? app?.value.title ?? options.directory;
  const name = targetName(named ?? "my-service");
  const nameFrom = options.name ? "--name" : app?.value.title ? app.from : options.directory ? "the directory's name" : "nothing found";
  guess("name", name, nameFrom, "Shown in reports: any name will do.");
  const build = dockerfile.chosen ? { context, dockerfile: dockerfile.chosen.path } : { context };
  guess(
    "build",
    build,
    dockerfile.from,
    [
      dockerfile.chosen
        ? `\`docker build -f ${dockerfile.chosen.path} ${context}\` must build the image you deploy.`
        : "No Dockerfile found: write one (the harness builds the image), or replace build with image: an image on the engine.",
      others.length > 0 ? `Also found ${others.join(", ")}: if the deployed image is built from one of them, change build.dockerfile.` : "",
    ]
      .filter(Boolean)
      .join(" "),
  );

  const target: TargetInput = { name, build };

  // The command the container runs: compose's `command:` replaces the image's CMD; ENTRYPOINT comes first either way.
  const cmd = facts.compose?.command ?? dockerfile.chosen?.cmd;
  const entrypoint = dockerfile.chosen?.entrypoint;
  const argv = (command: string[] | string | undefined) =>
    command === undefined ? [] : typeof command === "string" ? ["sh", "-c", command] : command;
  const running = [...argv(entrypoint?.value), ...argv(cmd?.value)];
  let gunicorn = running.length > 0 ? readGunicornCommand(running) : undefined;
  if (facts.compose?.command) {
    target.command = argv(facts.compose.command.value);
    guess(
      "command",
      target.command,
      facts.compose.command.from,
      `Compose runs this instead of the image's CMD. Check it is what production runs; then \`${SMOKE}\`.`,
    );
  } else if (cmd) {
    guess(
      "command",
      cmd.value,
      cmd.from,
      gunicorn
        ? "The image's CMD, kept (command is left out: the harness runs the image's CMD)."
        : `The image's CMD does not start gunicorn as far as init can tell${entrypoint ? " (with its ENTRYPOINT)" : ""}: if a script starts it, nothing to change; otherwise set command to the gunicorn command line.`,
    );
  } else if (app) {
    const config = facts.gunicornConfigs.find((c) => basename(c.path) === "gunicorn.conf.py") ?? facts.gunicornConfigs[0];
    target.command = [
      "gunicorn",
      app.value.module.startsWith(`${context.replaceAll("/", ".")}.`) ? app.value.module.slice(context.length + 1) : app.value.module,
      "-k",
      "uvicorn.workers.UvicornWorker",
      ...(config ? ["--config", config.path] : []),
    ];
    gunicorn = readGunicornCommand(target.command);
    guess(
      "command",
      target.command,
      app.from,
      "No CMD found: init wrote the gunicorn command line from the FastAPI app it found. Make it the one production runs (paths are inside the image).",
    );
  } else {
    guess(
      "command",
      undefined,
      "nothing found",
      "No CMD and no FastAPI app found: set command to the gunicorn command line production runs.",
    );
  }

  const config = chooseConfig(facts, gunicorn?.config, context);
  if (config.facts) guess("(gunicorn config)", config.facts.path, config.from, config.howToCheck);

  const portEnv =
    optionalFound(gunicorn?.bindEnv, cmd?.from) ??
    config.facts?.portEnv ??
    dockerfile.chosen?.env.find((e) => e.value === "PORT") ??
    facts.compose?.env.map((e) => ({ value: e.value.name, from: e.from })).find((e) => e.value === "PORT");
  const exposed = dockerfile.chosen?.expose.map((e) => e.value).join(", ");
  const exposeNote = exposed ? ` (EXPOSE ${exposed} does not matter: the harness picks a loopback port and binds gunicorn itself.)` : "";
  if (portEnv) {
    target.port = { env: portEnv.value };
    guess("port", target.port, portEnv.from, `The harness puts the port it picks in ${portEnv.value}; the app must bind it.${exposeNote}`);
  } else {
    guess(
      "port",
      undefined,
      "nothing found",
      `No port variable found: the harness binds gunicorn through GUNICORN_CMD_ARGS, which is enough unless the command line passes its own --bind.${exposeNote}`,
    );
  }

  const workersEnv = optionalFound(gunicorn?.workersEnv, cmd?.from) ?? config.facts?.workersEnv;
  if (workersEnv) {
    target.workers = { env: workersEnv.value };
    guess("workers", target.workers, workersEnv.from, `The harness sets the worker count in ${workersEnv.value}.`);
  }
  const timeout = config.facts?.timeoutEnv;
  const graceful = config.facts?.gracefulTimeoutEnv;
  if (timeout || graceful) {
    target.timeouts = { env: { ...(timeout && { timeout: timeout.value }), ...(graceful && { gracefulTimeout: graceful.value }) } };
    guess(
      "timeouts",
      target.timeouts,
      (timeout ?? graceful)!.from,
      "The variables the gunicorn config reads its timeout and graceful_timeout from.",
    );
  }
  const settings = config.facts?.settings ?? [];
  if (settings.length > 0) {
    target.settings = Object.fromEntries(settings.map((s) => [s.value.name, s.value.env]));
    for (const setting of settings) {
      guess(
        `settings.${setting.value.name}`,
        setting.value.env,
        setting.from,
        "A scenario setting the gunicorn config reads from this variable.",
      );
    }
  }

  const workerClass = gunicorn?.workerClass ?? config.facts?.workerClass?.value;
  const banners = bannersOf(config.facts);
  if (banners) {
    target.banners = banners.declared;
    const uvicorn = (workerClass ?? "").includes("UvicornWorker");
    const caveat =
      uvicorn && !config.facts?.dropIn
        ? " Under stock UvicornWorker gunicorn never runs these hooks: the scenarios will report the banners missing, which is the point."
        : "";
    for (const [kind, found] of banners.found) {
      guess(
        `banners.${kind}`,
        found.value,
        found.from,
        `${found.value === true ? "The standard text" : "The banner's first line, the pid captured"}: \`${SMOKE}\` shows whether it is printed.${caveat}`,
      );
    }
  } else {
    guess(
      "banners",
      undefined,
      config.facts?.path ?? "no gunicorn config found",
      "No worker_int / worker_abort printing a banner with the pid was found: the target promises none.",
    );
  }

  const otherConfigs = draftConfigs(facts, config.facts, running, gunicorn?.config, cmd);
  if (otherConfigs.length > 0) {
    target.configs = Object.fromEntries(otherConfigs.map((c) => [c.name, c.config]));
    for (const other of otherConfigs) {
      guess(`configs.${other.name}`, other.config, other.from, `Another gunicorn config: \`${SMOKE} --config ${other.name}\` runs it.`);
    }
  }

  const health = options.health;
  if (health) {
    guess("health", health.path, health.from, `It must answer 2xx once the app is up (\`curl -i localhost:PORT${health.path}\`).`);
    target.health = health.path;
  } else target.health = healthPath(facts, inContext, dockerfile.chosen?.healthcheck, guess);
  const healthFound =
    health !== undefined || facts.routes.some((r) => r.value === target.health) || dockerfile.chosen?.healthcheck?.value === target.health;

  const databaseEnv = facts.databaseEnv[0];
  if (databaseEnv) {
    // A URL written for the variable itself (.env, compose) says its driver; else one seen anywhere, for the main variable only.
    const driverOf = (variable: string): Found<string> | undefined => {
      const own = facts.databaseUrlDrivers[variable];
      if (own) return own.value === null ? undefined : { value: own.value, from: own.from };
      return variable === databaseEnv.value ? facts.databaseDriver : undefined;
    };
    const template = (driver: Found<string> | undefined) =>
      `postgresql${driver ? `+${driver.value}` : ""}://{user}@{host}:{port}/{database}`;
    const driver = driverOf(databaseEnv.value);
    const url = driver ? template(driver) : undefined;
    const schema = facts.schema;
    // The other URL variables the same file reads (a settings class with DATABASE_URL and DATABASE_ASYNC_URL): the app needs them all.
    const fileOf = (from: string) => from.replace(/:\d+$/, "");
    const names = [...new Set(facts.databaseEnv.map((e) => e.value))].filter((n) => n !== databaseEnv.value);
    const sameFile = facts.databaseEnv.filter(
      (e, i, all) =>
        e.value !== databaseEnv.value && fileOf(e.from) === fileOf(databaseEnv.from) && all.findIndex((o) => o.value === e.value) === i,
    );
    const env = Object.fromEntries(sameFile.map((e) => [e.value, template(driverOf(e.value))]));
    target.database = {
      urlEnv: databaseEnv.value,
      ...(url && { url }),
      ...(sameFile.length > 0 && { env }),
      ...(schema && { init: schema.value.path }),
      ...(schema?.value.table && { lockTable: schema.value.table }),
    };
    const alsoSeen = names.filter((n) => !(n in env));
    guess(
      "database.urlEnv",
      databaseEnv.value,
      databaseEnv.from,
      `The harness puts its Postgres's URL in ${databaseEnv.value}.${alsoSeen.length > 0 ? ` Also seen: ${alsoSeen.join(", ")}.` : ""}`,
    );
    for (const other of sameFile) {
      const otherDriver = driverOf(other.value);
      guess(
        `database.env.${other.value}`,
        env[other.value],
        other.from,
        `The same file reads this URL too: the harness's Postgres goes in it as well${otherDriver ? ` (driver from ${otherDriver.from})` : ""}.`,
      );
    }
    if (url && driver)
      guess(
        "database.url",
        url,
        driver.from,
        "The URL's form: the app's driver is in it. Add :{password} after {user} if the app needs one.",
      );
    if (schema) {
      guess("database.init", schema.value.path, schema.from, "Runs before the app boots: it must create what the app expects.");
      if (schema.value.table)
        guess("database.lockTable", schema.value.table, schema.from, "The table slow-db locks: pick one the app's database path reads.");
    }
  } else {
    guess(
      "database",
      false,
      "nothing found",
      "No database URL variable (DATABASE_URL, *_DB_URL, *_DSN…) found: the target has no database.",
    );
  }

  const hooksDropIn = config.facts?.dropIn?.from;
  return { target, guesses, healthFound, ...(workerClass && { workerClass }), ...(hooksDropIn && { hooksDropIn }) };
}

const targetName = (text: string) =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "") || "my-service";

function optionalFound(value: string | undefined, from: string | undefined): Found<string> | undefined {
  return value === undefined ? undefined : { value, from: from ?? "the command" };
}

/** Compose's Dockerfile, else the root one, else the only one that starts gunicorn, else the first. */
function chooseDockerfile(facts: RepositoryFacts): { chosen?: DockerfileFacts; from: string } {
  const { dockerfiles, compose } = facts;
  if (compose?.dockerfile) {
    const wanted = posix.join(compose.context?.value ?? ".", compose.dockerfile.value);
    const chosen = dockerfiles.find((d) => d.path === wanted);
    if (chosen) return { chosen, from: compose.dockerfile.from };
  }
  if (compose?.context) {
    const chosen = dockerfiles.find((d) => d.path === posix.join(compose.context!.value, "Dockerfile"));
    if (chosen) return { chosen, from: compose.context.from };
  }
  const root = dockerfiles.find((d) => d.path === "Dockerfile");
  if (root) return { chosen: root, from: "Dockerfile:1" };
  const starting = dockerfiles.filter((d) => [d.cmd, d.entrypoint].some((c) => c && readGunicornCommand(c.value)));
  const chosen = starting.length === 1 ? starting[0] : dockerfiles[0];
  return chosen ? { chosen, from: `${chosen.path}:1` } : { from: "nothing found" };
}

/** The config gunicorn reads: the one `--config` names, else ./gunicorn.conf.py (gunicorn's default), else the only one. */
function chooseConfig(
  facts: RepositoryFacts,
  named: string | undefined,
  context: string,
): { facts?: GunicornConfigFacts; from: string; howToCheck: string } {
  const configs = facts.gunicornConfigs;
  if (named) {
    const clean = named.replace(/^\.\//, "");
    // A relative --config is read from the image's working folder, which is most often the build context's root.
    const rank = (path: string) => (path === posix.join(context, clean) ? 0 : context === "." || path.startsWith(`${context}/`) ? 1 : 2);
    const found = configs
      .filter((c) => c.path === clean || c.path.endsWith(`/${clean}`))
      .sort((a, b) => rank(a.path) - rank(b.path) || a.path.length - b.path.length)[0];
    if (found) return { facts: found, from: found.path, howToCheck: `The command's --config ${named}.` };
  }
  const conventional = configs.find((c) => basename(c.path) === "gunicorn.conf.py");
  if (conventional)
    return {
      facts: conventional,
      from: conventional.path,
      howToCheck: "gunicorn reads gunicorn.conf.py from its working directory when no --config is given: check it is there in the image.",
    };
  if (configs.length === 1)
    return {
      facts: configs[0],
      from: configs[0]!.path,
      howToCheck: "The only gunicorn config found, but the command does not name it (--config): gunicorn reads it only if it does.",
    };
  return { from: "nothing found", howToCheck: "" };
}

function bannersOf(config: GunicornConfigFacts | undefined) {
  const found = Object.entries(config?.banners ?? {}) as Array<[BannerKind, Found<string | true>]>;
  if (found.length === 0) return undefined;
  const declared: Partial<Record<BannerKind, string | true>> = Object.fromEntries(found.map(([kind, f]) => [kind, f.value]));
  return { declared, found };
}

/** Every other `*gunicorn*conf*.py` as a named config: the same command with its --config, and its own banners. */
function draftConfigs(
  facts: RepositoryFacts,
  chosen: GunicornConfigFacts | undefined,
  running: string[],
  named: string | undefined,
  cmd: Found<string[] | string> | undefined,
) {
  if (!chosen || named === undefined || !Array.isArray(cmd?.value)) return [];
  const index = running.findIndex((token) => token === named || token === `--config=${named}`);
  if (index < 0) return [];
  return facts.gunicornConfigs
    .filter((c) => c !== chosen && /conf/.test(basename(c.path)))
    .flatMap((other) => {
      const name = targetName(basename(other.path, ".py").replace(/gunicorn|conf/g, ""));
      if (name === "my-service" || name === "default") return [];
      const path = posix.join(posix.dirname(named), basename(other.path));
      const command = running.map((token, i) => (i !== index ? token : token.startsWith("--config=") ? `--config=${path}` : path));
      return [{ name, config: { command, banners: bannersOf(other)?.declared ?? (false as const) }, from: other.path }];
    });
}

/** The app's own files before deeper copies (a vendored service kept for reference): by folder depth, stable. */
const shallowestFirst = <T extends { from: string }>(found: T[]): T[] =>
  [...found].sort((a, b) => a.from.split("/").length - b.from.split("/").length);

/** The health route: among the build context's routes when it has any, else the Dockerfile's HEALTHCHECK, else /health. */
function healthPath(
  facts: RepositoryFacts,
  inContext: (from: string) => boolean,
  healthcheck: Found<string> | undefined,
  guess: (field: string, value: unknown, from: string, howToCheck: string) => void,
): string {
  const routes = shallowestFirst(
    facts.routes.some((r) => inContext(r.from)) ? facts.routes.filter((r) => inContext(r.from)) : facts.routes,
  );
  const preferred = HEALTH_PATHS.map((path) => routes.find((r) => r.value === path)).find(Boolean);
  const found = preferred ?? routes.find((r) => /health|ready|live/i.test(r.value));
  if (found) {
    const others = [
      ...new Set(routes.filter((r) => r.value !== found.value && /health|ready|live|ping|status/i.test(r.value)).map((r) => r.value)),
    ];
    guess(
      "health",
      found.value,
      found.from,
      `It must answer 2xx once the app is up (\`curl -i localhost:PORT${found.value}\`).${others.length > 0 ? ` Also seen: ${others.join(", ")}.` : ""} Routers included with a prefix are not followed.`,
    );
    return found.value;
  }
  if (healthcheck) {
    guess(
      "health",
      healthcheck.value,
      healthcheck.from,
      `The Dockerfile's HEALTHCHECK asks it; no route found in the app's code (routers included with a prefix are not followed). It must answer 2xx once the app is up.`,
    );
    return healthcheck.value;
  }
  guess(
    "health",
    "/health",
    `no route found (${facts.routes.length} GET routes in ${facts.pythonFiles} Python files)`,
    "No health route found: write the path that answers 2xx once the app is up (ask the team), or add one.",
  );
  return "/health";
}

/** An object literal in TypeScript's usual style: identifier keys unquoted. */
function literal(value: unknown, indent: string): string {
  if (Array.isArray(value)) return `[${value.map((item) => literal(item, indent)).join(", ")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value);
    if (entries.length === 0) return "{}";
    const inner = `${indent}  `;
    const key = (k: string) => (/^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k));
    return `{\n${entries.map(([k, v]) => `${inner}${key(k)}: ${literal(v, inner)},`).join("\n")}\n${indent}}`;
  }
  return JSON.stringify(value);
}

/** `chaos.target.ts`: the draft, each guessed field under a comment saying where it came from and how to check it. */
export function renderTarget(draft: TargetDraft): string {
  const fields = Object.entries(draft.target).map(([field, value]) => {
    const notes = draft.guesses
      .filter((g) => g.field === field || g.field.startsWith(`${field}.`))
      .map((g) => `  // ${g.field === field ? "" : `${g.field.slice(field.length + 1)}: `}from ${g.from}. ${g.howToCheck}`);
    return [...notes, `  ${field}: ${literal(value, "  ")},`].join("\n");
  });
  const unplaced = draft.guesses
    .filter((g) => !(g.field.split(".")[0]! in draft.target))
    .map(
      (g) =>
        `// ${g.field}${g.value === undefined || g.value === false ? "" : ` (${JSON.stringify(g.value)})`}: from ${g.from}. ${g.howToCheck}`,
    );
  return [
    `// Drafted by \`chaos-harness init\`: every field is a guess, with where it came from. Check them, then run \`${SMOKE}\`.`,
    ...unplaced,
    "// defineTarget changes nothing at run time: it gives this file type checking and completion. Every field: docs/targets.md.",
    'import { defineTarget } from "chaos-harness";',
    "",
    "export default defineTarget({",
    ...fields,
    "});",
    "",
  ].join("\n");
}
