import { z } from "zod";
import { UsageError } from "../core/errors.ts";

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
  'an object {urlEnv, init?, lockTable?} (the harness\'s Postgres, e.g. {"urlEnv": "DATABASE_URL"}) or false (no database)';

const configVariant = z
  .object({
    /** Replaces the image's CMD (and the target's `command`). */
    command: z.array(z.string()).min(1).optional(),
    env: z.record(envName, z.string()).default({}),
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
    port: z
      .object({ env: envName.default("PORT") })
      .strict()
      .prefault({}),
    workers: z
      .object({ env: envName.default("WEB_CONCURRENCY") })
      .strict()
      .prefault({}),
    timeouts: z
      .object({
        env: z
          .object({ timeout: envName.default("GUNICORN_TIMEOUT"), gracefulTimeout: envName.default("GUNICORN_GRACEFUL_TIMEOUT") })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    /** Readiness: answers 2xx once the app is up. */
    health: urlPath.default("/health"),
    /** The app's own paths by role (`db` reads the database, `slow` is legitimately slow, `cpu`, any other): scenarios name roles. */
    paths: z.record(z.string().regex(/^[a-z][a-z0-9-]*$/, "a role name, e.g. db"), urlPath).default({}),
    /** The harness's Postgres, its URL passed in `urlEnv`; `init` runs before the app boots; `lockTable` is what slow-db locks. */
    database: z
      .union(
        [
          z.literal(false),
          z
            .object({
              urlEnv: envName,
              init: z.string().min(1).optional(),
              lockTable: z
                .string()
                .regex(/^[A-Za-z_][A-Za-z0-9_.]*$/, "a table name")
                .optional(),
            })
            .strict(),
        ],
        { error: DATABASE_EXPECTED },
      )
      .default(false),
    /** What your hooks print, one capture group for the pid; defaults are the seed's texts. */
    banners: z
      .object({
        interrupt: pidPattern.default("WORKER INTERRUPT SIGNAL RECEIVED - PID (\\d+)"),
        abort: pidPattern.default("WORKER ABORTED - PID (\\d+)"),
        kill: pidPattern.default("WORKER KILLED BY SIGKILL - PID (\\d+)"),
      })
      .strict()
      .prefault({}),
    memoryLimitMb: z.number().int().min(64).optional(),
    /** How long the app may take to be ready (every worker started, health answering); default: the scenario's (60 s). */
    readyTimeoutS: z.number().positive().max(600).optional(),
    /** Scenario settings the app reads, by environment variable (e.g. `{maxRequests: "GUNICORN_MAX_REQUESTS"}`). */
    settings: z.partialRecord(z.enum(SETTING_NAMES), envName).default({}),
    /** Named variants (`--config NAME`); `default` is the target as declared. */
    configs: z.record(z.string().regex(/^[a-z0-9][a-z0-9-]*$/), configVariant).default({}),
  })
  .strict()
  .refine((target) => Boolean(target.build) !== Boolean(target.image), {
    message: "give exactly one of build (your Dockerfile) or image (an image on the engine)",
    path: ["build"],
  });

export type TargetInput = z.input<typeof targetSchema>;
export type ConfigVariant = z.output<typeof configVariant>;

/** A validated target, its paths made absolute. */
export type Target = z.output<typeof targetSchema> & {
  /** The file it was declared in. */
  file: string;
};

/** Identity at run time; gives a target file type checking and completion. */
export function defineTarget(target: TargetInput): TargetInput {
  return target;
}

/** The config variant `--config NAME` picks; `default` is the target as declared. */
export function variantOf(target: Target, config: string): ConfigVariant {
  if (config === "default") return target.configs.default ?? { env: {} };
  const variant = target.configs[config];
  if (!variant) {
    const known = ["default", ...Object.keys(target.configs).filter((c) => c !== "default")];
    throw new UsageError(
      "UNKNOWN_CONFIG",
      `Target ${target.name} has no config "${config}". Its configs: ${known.join(", ")} (declared in configs: of ${target.file}).`,
    );
  }
  return variant;
}

/** The committed JSON Schema of target files, for editors (`"$schema"` in a .json target); `npm run schema` writes it. */
export const TARGET_SCHEMA_FILE = new URL("./target.schema.json", import.meta.url);

export function targetJsonSchemaText(): string {
  const schema = z.toJSONSchema(targetSchema, { target: "draft-2020-12", io: "input", unrepresentable: "any" });
  const described = {
    ...schema,
    title: "chaos-harness target",
    description: "The system under test: a FastAPI + gunicorn service (README: Test your own app).",
  };
  return `${JSON.stringify(described, null, 2)}\n`;
}
