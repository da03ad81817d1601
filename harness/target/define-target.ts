import { z } from "zod";
import { committedJsonSchema } from "../core/committed-json-schema.ts";
import { UsageError } from "../core/errors.ts";
import { packageFile } from "../core/package-files.ts";
import { type BannerPatterns, STANDARD_BANNER_PATTERNS } from "./banner-patterns.ts";

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "an environment variable name, e.g. PORT");
const urlPath = z.string().startsWith("/", "a path starts with /, e.g. /health");

/** A regular expression with exactly one capture group: the pid. */
const pidPattern = z.string().refine(
  (text) => {
    try {
      return new RegExp(`${text}|`).exec("")!.length === 2;
    } catch {
      return false;
    }
  },
  { message: "a regular expression with exactly one capture group for the pid, e.g. 'WORKER ABORTED - PID (\\\\d+)'" },
);

/**
 * The banners an app's hooks print, each a pattern or `true` for the standard text (the seed's INTERRUPT and ABORT,
 * the drop-in's SIGKILL). Only what is declared is owed; `false` or nothing: the app promises no banner.
 */
const bannersSchema = z.union(
  [
    z.literal(false),
    z
      .object({
        interrupt: z.union([z.literal(true), pidPattern]).optional(),
        abort: z.union([z.literal(true), pidPattern]).optional(),
        kill: z.union([z.literal(true), pidPattern]).optional(),
      })
      .strict(),
  ],
  {
    error:
      'false (no banner) or an object {interrupt?, abort?, kill?}, each a regular expression with one capture group for the pid or true for the standard text, e.g. {"interrupt": true}',
  },
);

/** Scenario settings a target can take, each through an environment variable of its own. */
export const SETTING_NAMES = [
  "maxRequests",
  "maxRequestsJitter",
  "dbPoolSize",
  "dbMaxOverflow",
  "dbPoolTimeoutS",
  "dbConnectTimeoutS",
  "startupStepTimeoutS",
  "startupTotalTimeoutS",
  "keepaliveS",
  /** gunicorn's worker_class: `uvicorn.workers.UvicornWorker`, or `asgi` (gunicorn's own, 24+) with --worker asgi. */
  "workerClass",
] as const;
export type SettingName = (typeof SETTING_NAMES)[number];

/** What `database:` accepts, in words: a union's own error would only say "Invalid input". */
const DATABASE_EXPECTED =
  'an object {urlEnv?, url?, env?, password?, init?, lockTable?} (the harness\'s Postgres, e.g. {"urlEnv": "DATABASE_URL"}) or false (no database)';

/** The placeholders a database template may use: the harness fills them with its Postgres (through its proxy). */
export const DATABASE_PLACEHOLDERS = ["user", "password", "host", "port", "database"] as const;

const databaseTemplate = z
  .string()
  .refine((text) => [...text.matchAll(/\{([^}]*)\}/g)].every(([, name]) => (DATABASE_PLACEHOLDERS as readonly string[]).includes(name!)), {
    message: `a template whose only placeholders are ${DATABASE_PLACEHOLDERS.map((p) => `{${p}}`).join(", ")}, e.g. "postgresql+asyncpg://{user}@{host}:{port}/{database}"`,
  });

const databaseSchema = z
  .object({
    /** The variable that gets the URL. */
    urlEnv: envName.optional(),
    /** The URL's form (default `postgresql://{user}@{host}:{port}/{database}`, with `:{password}` when there is one). */
    url: databaseTemplate.optional(),
    /** Variables for apps that read the parts (`{"PGHOST": "{host}", "PGPORT": "{port}"}`). */
    env: z.record(envName, databaseTemplate).default({}),
    /** A password the harness's Postgres then requires of user `app` over TCP. */
    password: z
      .string()
      .regex(/^[A-Za-z0-9._~-]{1,64}$/, "letters, digits and . _ ~ - (it goes into a URL as it is), e.g. s3cret")
      .optional(),
    init: z.string().min(1).optional(),
    lockTable: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_.]*$/, "a table name")
      .optional(),
  })
  .strict()
  .refine((database) => database.urlEnv !== undefined || Object.keys(database.env).length > 0, {
    message: 'say where the app reads the database: urlEnv (e.g. "DATABASE_URL"), env ({"PGHOST": "{host}", ...}), or both',
  })
  .refine((database) => database.url === undefined || database.urlEnv !== undefined, {
    message: 'url is the form of the URL put in urlEnv: add urlEnv (e.g. "DATABASE_URL")',
    path: ["urlEnv"],
  });

export type TargetDatabase = z.output<typeof databaseSchema>;

const targetConfigSchema = z
  .object({
    /** Replaces the image's CMD (and the target's `command`). */
    command: z.array(z.string()).min(1).optional(),
    env: z.record(envName, z.string()).default({}),
    /** What this config's hooks print, replacing the target's `banners` (the seed's config: interrupt and abort; the drop-in: all three). */
    banners: bannersSchema.optional(),
  })
  .strict();

/**
 * The system under test, declared: a FastAPI + gunicorn service the harness builds (or takes as an
 * image), boots on a loopback port it picks, and drives through environment variables and paths by role.
 */
export const targetSchema = z
  .object({
    /** The JSON Schema an editor checks a .json target against (harness/target/target.schema.json); ignored by the harness. */
    $schema: z.string().optional(),
    /** Shown in reports. */
    name: z
      .string()
      .regex(/^[a-z0-9]+(?:[._-][a-z0-9]+)*$/i, "letters and digits, separated by single dots, dashes or underscores, e.g. my-service"),
    /** Build the image from your Dockerfile (paths relative to the target file); rebuilt only when the context changes. */
    build: z
      .object({
        context: z.string().min(1),
        dockerfile: z.string().min(1).optional(),
        args: z.record(z.string(), z.string()).default({}),
      })
      .strict()
      .optional(),
    /** Or use an image that already exists on the engine. */
    image: z.string().min(1).optional(),
    /** The command to run; default: the image's CMD. */
    command: z.array(z.string()).min(1).optional(),
    env: z.record(envName, z.string()).default({}),
    /** The harness binds gunicorn itself (GUNICORN_CMD_ARGS); for an app that also computes from its port, the variable that gets it. */
    port: z.object({ env: envName }).strict().optional(),
    /** Likewise the worker count (gunicorn's own comes through GUNICORN_CMD_ARGS). */
    workers: z.object({ env: envName }).strict().optional(),
    /** Likewise gunicorn's timeout and graceful_timeout. */
    timeouts: z
      .object({ env: z.object({ timeout: envName.optional(), gracefulTimeout: envName.optional() }).strict() })
      .strict()
      .optional(),
    /** Readiness: answers 2xx once the app is up. */
    health: urlPath.default("/health"),
    /** The app's own paths by role (`db` reads the database, `slow` is legitimately slow, `cpu`, any other): scenarios name roles. */
    paths: z.record(z.string().regex(/^[a-z][a-z0-9-]*$/, "a role name, e.g. db"), urlPath).default({}),
    /** The harness's Postgres, behind its proxy: the URL in `urlEnv` (its form in `url`), or its parts in `env`; `init` runs before the app boots; `lockTable` is what slow-db locks. */
    database: z.union([z.literal(false), databaseSchema], { error: DATABASE_EXPECTED }).default(false),
    /** What your hooks print (one capture group for the pid, or true for the standard text); only declared banners are owed. */
    banners: bannersSchema.optional(),
    memoryLimitMb: z.number().int().min(64).optional(),
    /** How long the app may take to be ready (every worker started, health answering); default: the scenario's (60 s). */
    readyTimeoutS: z.number().positive().max(600).optional(),
    /** Scenario settings the app reads, by environment variable (e.g. `{maxRequests: "GUNICORN_MAX_REQUESTS"}`). */
    settings: z.partialRecord(z.enum(SETTING_NAMES), envName).default({}),
    /** Named configs (`--config NAME`); `default` is the target as declared. */
    configs: z.record(z.string().regex(/^[a-z0-9][a-z0-9-]*$/), targetConfigSchema).default({}),
  })
  .strict()
  .refine((target) => Boolean(target.build) !== Boolean(target.image), {
    message: "give exactly one of build (your Dockerfile) or image (an image on the engine)",
    path: ["build"],
  });

export type TargetInput = z.input<typeof targetSchema>;
export type TargetConfig = z.output<typeof targetConfigSchema>;

/** A validated target, its paths made absolute. */
export type Target = z.output<typeof targetSchema> & {
  /** The file it was declared in. */
  file: string;
};

/** Identity at run time; gives a target file type checking and completion. */
export function defineTarget(target: TargetInput): TargetInput {
  return target;
}

/** The config `--config NAME` picks from the target's `configs:`; `default` is the target as declared. */
export function targetConfig(target: Target, name: string): TargetConfig {
  if (name === "default") return target.configs.default ?? { env: {} };
  const config = target.configs[name];
  if (!config) {
    const known = ["default", ...Object.keys(target.configs).filter((c) => c !== "default")];
    throw new UsageError(
      "UNKNOWN_CONFIG",
      `Target ${target.name} has no config "${name}". Its configs: ${known.join(", ")} (declared in configs: of ${target.file}).`,
    );
  }
  return config;
}

/** The path a role names on the target: "health" is its health path, any other role one of its `paths`; undefined when unmapped. */
export function pathOfRole(target: Pick<Target, "health" | "paths">, role: string): string | undefined {
  return role === "health" ? target.health : target.paths[role];
}

/** The banners a run owes under `--config NAME`: the config's own declaration, else the target's; none when neither declares any. */
export function bannersOf(target: Target, config: string): BannerPatterns {
  const declared = (config === "default" ? target.configs.default?.banners : target.configs[config]?.banners) ?? target.banners;
  if (!declared) return {};
  return Object.fromEntries(
    (Object.entries(declared) as Array<[keyof BannerPatterns, string | true | undefined]>).flatMap(([kind, pattern]) =>
      pattern === undefined ? [] : [[kind, pattern === true ? STANDARD_BANNER_PATTERNS[kind] : pattern]],
    ),
  );
}

/** The committed JSON Schema of target files, for editors (`"$schema"` in a .json target); `npm run schema` writes it. */
export const TARGET_JSON_SCHEMA = committedJsonSchema(
  packageFile("harness/target/target.schema.json"),
  targetSchema,
  { title: "chaos-harness target", description: "The system under test: a FastAPI + gunicorn service (docs/targets.md)." },
  { io: "input", unrepresentable: "any" },
);
