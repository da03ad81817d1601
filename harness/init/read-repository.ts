import { readdir, readFile, stat } from "node:fs/promises";
import { basename, join, relative, sep } from "node:path";
import { STANDARD_BANNER_PATTERNS } from "../target/banner-patterns.ts";

/** A team's repository as init reads it: relative path (with /) → text. Tests pass a literal; the CLI reads the disk. */
export type RepositoryFiles = Record<string, string>;

/** A value read from the repository, and where (`file:line`). */
export interface Found<T> {
  value: T;
  from: string;
}

type BannerKind = "interrupt" | "abort" | "kill";

/** A gunicorn config's settings that a target declares, each through the variable the config reads. */
export interface GunicornConfigFacts {
  path: string;
  portEnv?: Found<string>;
  workersEnv?: Found<string>;
  timeoutEnv?: Found<string>;
  gracefulTimeoutEnv?: Found<string>;
  /** Scenario settings (define-target's SETTING_NAMES) by the variable the config reads. */
  settings: Array<Found<{ name: "maxRequests" | "maxRequestsJitter" | "keepaliveS" | "workerClass"; env: string }>>;
  workerClass?: Found<string>;
  /** What worker_int / worker_abort print (`true`: the standard text), and the drop-in's banners. */
  banners: Partial<Record<BannerKind, Found<string | true>>>;
  /** The drop-in (uvicorn_worker_hooks.install) makes the hooks run under UvicornWorker. */
  dropIn?: Found<true>;
}

export interface DockerfileFacts {
  path: string;
  /** The last CMD (exec form as its array; shell form as one string). */
  cmd?: Found<string[] | string>;
  entrypoint?: Found<string[] | string>;
  /** Variables named by ENV or ARG. */
  env: Array<Found<string>>;
  expose: Array<Found<string>>;
  /** The path its HEALTHCHECK asks (`curl -f http://localhost:8000/health`). */
  healthcheck?: Found<string>;
}

/** What gunicorn's command line says (`--config`, `--bind`, `--workers`, `-k`). */
export interface GunicornCommand {
  config?: string;
  bindEnv?: string;
  workersEnv?: string;
  workerClass?: string;
}

interface ComposeFacts {
  path: string;
  context?: Found<string>;
  dockerfile?: Found<string>;
  command?: Found<string[] | string>;
  /** Variables set in `environment:` (or `${NAME}` referenced), with their value when written. */
  env: Array<Found<{ name: string; value?: string }>>;
}

/** Everything init reads; draft-target.ts turns it into a target and its guesses. */
export interface RepositoryFacts {
  dockerfiles: DockerfileFacts[];
  compose?: ComposeFacts;
  /** Every gunicorn config found (`*gunicorn*.py`, `gunicorn.conf.py`), read with the local modules it imports. */
  gunicornConfigs: GunicornConfigFacts[];
  routes: Array<Found<string>>;
  /** Every FastAPI app (`module.path:name` from the repository's root, and its title), in path order. */
  apps: Array<Found<{ module: string; title?: string }>>;
  databaseEnv: Array<Found<string>>;
  /** The SQLAlchemy driver visible in a URL (`postgresql+asyncpg://`), unless the code rewrites plain URLs itself. */
  databaseDriver?: Found<string>;
  /** The URL a file writes for one variable (`DATABASE_ASYNC_URL=postgresql+asyncpg://…`): its driver, `null` for a plain postgresql:// URL. */
  databaseUrlDrivers: Record<string, Found<string | null>>;
  schema?: Found<{ path: string; table?: string }>;
  pythonFiles: number;
}

const MAX_PYTHON_FILES = 300;
const MAX_FILE_BYTES = 256 * 1024;
const MAX_DEPTH = 6;
const SKIPPED_DIRS = new Set([
  ".git",
  "node_modules",
  ".venv",
  "venv",
  "__pycache__",
  ".mypy_cache",
  ".pytest_cache",
  ".tox",
  "dist",
  "build",
]);

const isDockerfile = (path: string) => /^(?:Dockerfile(?:\.[\w.-]+)?|[\w.-]+\.Dockerfile)$/.test(basename(path));
const isCompose = (path: string) => /^(?:docker-)?compose(?:\.[\w-]+)?\.ya?ml$/.test(basename(path));
const isGunicornConfig = (path: string) => /gunicorn[\w.-]*\.py$/.test(basename(path));
const isEnvFile = (path: string) => /^\.env(?:\.[\w-]+)?$/.test(basename(path));

/** Reads the files init looks at from a directory: Dockerfiles, compose files, .env files, .sql files and Python (bounded). */
export async function readRepositoryFiles(root: string): Promise<RepositoryFiles> {
  const files: RepositoryFiles = {};
  let python = 0;
  const walk = async (dir: string, depth: number): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      const full = join(dir, entry.name);
      // Symbolic links are followed (a repository may link shared hooks in); MAX_DEPTH bounds a loop.
      const kind = entry.isSymbolicLink() ? await stat(full).catch(() => undefined) : entry;
      if (kind?.isDirectory()) {
        if (depth < MAX_DEPTH && !SKIPPED_DIRS.has(entry.name)) await walk(full, depth + 1);
        continue;
      }
      if (!kind?.isFile()) continue;
      const path = relative(root, full).split(sep).join("/");
      const wanted = isDockerfile(path) || isCompose(path) || isEnvFile(path) || path.endsWith(".sql") || path.endsWith(".py");
      if (!wanted || (path.endsWith(".py") && python >= MAX_PYTHON_FILES)) continue;
      if ((await stat(full)).size > MAX_FILE_BYTES) continue;
      if (path.endsWith(".py")) python += 1;
      files[path] = await readFile(full, "utf8");
    }
  };
  await walk(root, 0);
  return files;
}

/** Reads the facts init drafts a target from. */
export function readRepository(files: RepositoryFiles): RepositoryFacts {
  const paths = Object.keys(files).sort();
  const python = paths.filter((path) => path.endsWith(".py"));
  const composePath = paths.find(isCompose);
  return {
    dockerfiles: paths.filter(isDockerfile).map((path) => readDockerfile(path, files[path]!)),
    compose: composePath === undefined ? undefined : readCompose(composePath, files[composePath]!),
    gunicornConfigs: python.filter(isGunicornConfig).map((path) => readGunicornConfig(files, path)),
    routes: python.flatMap((path) => findRoutes(path, files[path]!)),
    apps: python.flatMap((path) => findApp(path, files[path]!)),
    databaseEnv: findDatabaseEnv(files, paths),
    databaseDriver: findDatabaseDriver(files, paths),
    databaseUrlDrivers: findDatabaseUrlDrivers(files, paths),
    schema: findSchema(files, paths),
    pythonFiles: python.length,
  };
}

/** Dockerfile lines with continuations joined, each with the line it starts on. */
function logicalLines(text: string): Array<{ text: string; line: number }> {
  const out: Array<{ text: string; line: number }> = [];
  let current: { text: string; line: number } | undefined;
  text.split("\n").forEach((raw, index) => {
    const line = raw.replace(/\r$/, "");
    if (current === undefined) {
      if (/^\s*(#|$)/.test(line)) return;
      current = { text: "", line: index + 1 };
    } else if (/^\s*#/.test(line)) return;
    const continued = /\\\s*$/.test(line);
    current.text += `${continued ? line.replace(/\\\s*$/, "") : line} `;
    if (!continued) {
      out.push({ text: current.text.trim(), line: current.line });
      current = undefined;
    }
  });
  if (current) out.push({ text: current.text.trim(), line: current.line });
  return out;
}

/** A CMD / ENTRYPOINT / compose command: exec form as its array, shell form as its string. */
function commandForm(text: string): string[] | string {
  if (text.startsWith("[")) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (Array.isArray(parsed) && parsed.every((item) => typeof item === "string")) return parsed;
    } catch {
      // Not JSON: Docker then runs it in the shell form.
    }
  }
  return text;
}

function readDockerfile(path: string, text: string): DockerfileFacts {
  const facts: DockerfileFacts = { path, env: [], expose: [] };
  for (const { text: instruction, line } of logicalLines(text)) {
    const match = /^(\w+)\s+(.*)$/.exec(instruction);
    if (!match) continue;
    const [, keyword, rest] = match as unknown as [string, string, string];
    const from = `${path}:${line}`;
    switch (keyword.toUpperCase()) {
      case "CMD":
        facts.cmd = { value: commandForm(rest), from };
        break;
      case "ENTRYPOINT":
        facts.entrypoint = { value: commandForm(rest), from };
        break;
      case "ARG":
        facts.env.push({ value: rest.split("=")[0]!.trim(), from });
        break;
      case "ENV": {
        const names = rest.includes("=") ? [...rest.matchAll(/([A-Za-z_]\w*)=/g)].map((m) => m[1]!) : [rest.split(/\s+/)[0]!];
        for (const name of names) facts.env.push({ value: name, from });
        break;
      }
      case "EXPOSE":
        for (const port of rest.split(/\s+/)) facts.expose.push({ value: port, from });
        break;
      case "HEALTHCHECK": {
        const path = /https?:\/\/[^/\s"']+(\/[^\s"'|;&]*)/.exec(rest)?.[1];
        if (path) facts.healthcheck = { value: path, from };
        break;
      }
    }
  }
  return facts;
}

const ENV_REFERENCE = /\$\{?([A-Za-z_]\w*)/;

/** What gunicorn's own flags say, from a command in either form (`sh -c "gunicorn …"` included). */
export function readGunicornCommand(command: string[] | string): GunicornCommand | undefined {
  const tokens = (typeof command === "string" ? [command] : command)
    .flatMap((part) => part.split(/\s+/))
    .map((token) => token.replace(/^["']|["']$/g, ""))
    .filter(Boolean);
  const start = tokens.findIndex((token) => /(?:^|\/)gunicorn$/.test(token));
  if (start < 0) return undefined;
  const flags = tokens.slice(start + 1);
  const flag = (names: string[]): string | undefined => {
    for (const [index, token] of flags.entries()) {
      for (const name of names) {
        if (token === name) return flags[index + 1];
        if (name.startsWith("--") && token.startsWith(`${name}=`)) return token.slice(name.length + 1);
      }
    }
    return undefined;
  };
  const bind = flag(["--bind", "-b"]);
  const workers = flag(["--workers", "-w"]);
  return {
    config: flag(["--config", "-c"]),
    bindEnv: bind === undefined ? undefined : ENV_REFERENCE.exec(bind)?.[1],
    workersEnv: workers === undefined ? undefined : ENV_REFERENCE.exec(workers)?.[1],
    workerClass: flag(["--worker-class", "-k"]),
  };
}

function readCompose(path: string, text: string): ComposeFacts {
  const facts: ComposeFacts = { path, env: [] };
  const lines = text.split("\n");
  lines.forEach((line, index) => {
    const from = `${path}:${index + 1}`;
    const scalar = (key: string) => new RegExp(`^\\s*${key}:\\s*["']?([^"'#\\s][^"'#]*?)["']?\\s*(?:#.*)?$`).exec(line)?.[1];
    const build = scalar("build");
    const context = scalar("context") ?? build;
    if (context !== undefined && facts.context === undefined) facts.context = { value: context, from };
    const dockerfile = scalar("dockerfile");
    if (dockerfile !== undefined && facts.dockerfile === undefined) facts.dockerfile = { value: dockerfile, from };
    const command = /^\s*command:\s*(.+)$/.exec(line)?.[1]?.trim();
    if (command !== undefined && facts.command === undefined)
      facts.command = { value: commandForm(command.replace(/^(["'])(.*)\1$/, "$2")), from };
    // `command:` with its arguments as a block list below it.
    if (/^\s*command:\s*$/.test(line) && facts.command === undefined) {
      const list: string[] = [];
      for (const next of lines.slice(index + 1)) {
        const item = /^\s*-\s+(.*?)\s*$/.exec(next)?.[1];
        if (item === undefined) break;
        list.push(item.replace(/^(["'])(.*)\1$/, "$2"));
      }
      if (list.length > 0) facts.command = { value: list, from };
    }
    const assigned = /^\s*(?:-\s*)?["']?([A-Z_][A-Z0-9_]*)(?:=|:\s)\s*["']?([^"'#]*)/.exec(line);
    if (assigned) facts.env.push({ value: { name: assigned[1]!, value: assigned[2]!.trim() || undefined }, from });
    for (const reference of line.matchAll(/\$\{([A-Z_][A-Z0-9_]*)/g)) facts.env.push({ value: { name: reference[1]! }, from });
  });
  return facts;
}

/** The file a module or a path names: exactly, or the one file whose path ends with it (a Dockerfile's COPY moves files). */
function resolveFile(files: RepositoryFiles, wanted: string): string | undefined {
  const clean = wanted.replace(/^\.\//, "");
  if (clean in files) return clean;
  const candidates = Object.keys(files)
    .filter((path) => path.endsWith(`/${clean}`))
    .sort((a, b) => a.length - b.length);
  return candidates[0];
}

/** Local modules a Python file imports: `from X import *`, `from X import a, b`, `import X`. */
function localImports(files: RepositoryFiles, text: string): Array<{ path: string; names: string[] | "*" }> {
  const out: Array<{ path: string; names: string[] | "*" }> = [];
  for (const match of text.matchAll(/^from\s+([\w.]+)\s+import\s+\(?([^)\n#]+)/gm)) {
    const path = resolveFile(files, `${match[1]!.replace(/\./g, "/")}.py`);
    const names = match[2]!.trim() === "*" ? "*" : match[2]!.split(",").map((name) => name.trim().split(/\s+/)[0]!);
    if (path) out.push({ path, names });
  }
  for (const match of text.matchAll(/^import\s+([\w.]+)/gm)) {
    const path = resolveFile(files, `${match[1]!.replace(/\./g, "/")}.py`);
    if (path) out.push({ path, names: [] });
  }
  return out;
}

const SETTING_OF: Record<string, "maxRequests" | "maxRequestsJitter" | "keepaliveS" | "workerClass"> = {
  max_requests: "maxRequests",
  max_requests_jitter: "maxRequestsJitter",
  keepalive: "keepaliveS",
  worker_class: "workerClass",
};

/** The variable a Python expression reads: its first upper-case string literal (`os.environ.get("PORT")`, `env_number("PORT", 1)`). */
const envOf = (expression: string) => /["']([A-Z][A-Z0-9_]*)["']/.exec(expression)?.[1];

function readGunicornConfig(files: RepositoryFiles, path: string): GunicornConfigFacts {
  const text = files[path]!;
  const imports = localImports(files, text);
  // Settings come from the config and the modules it star-imports; hooks from the config and the modules it takes them from.
  const settingSources = [path, ...imports.filter((i) => i.names === "*").map((i) => i.path)];
  const hookSources = [
    path,
    ...imports.filter((i) => i.names === "*" || i.names.some((n) => /^worker_(int|abort)$/.test(n))).map((i) => i.path),
  ];
  const facts: GunicornConfigFacts = { path, settings: [], banners: {} };
  for (const source of settingSources) {
    files[source]!.split("\n").forEach((line, index) => {
      const match = /^(\w+)\s*=\s*(.+)$/.exec(line);
      if (!match) return;
      const [, name, expression] = match as unknown as [string, string, string];
      const from = `${source}:${index + 1}`;
      const env = envOf(expression);
      if (name === "bind" && env) facts.portEnv ??= { value: env, from };
      if (name === "workers" && env) facts.workersEnv ??= { value: env, from };
      if (name === "timeout" && env) facts.timeoutEnv ??= { value: env, from };
      if (name === "graceful_timeout" && env) facts.gracefulTimeoutEnv ??= { value: env, from };
      if (name === "worker_class") {
        const literal = /["']([\w.]+\.[\w.]+|asgi|sync|gthread|gevent|eventlet)["']/.exec(expression)?.[1];
        if (literal) facts.workerClass ??= { value: literal, from };
      }
      const setting = SETTING_OF[name];
      if (setting && env && !facts.settings.some((s) => s.value.name === setting))
        facts.settings.push({ value: { name: setting, env }, from });
    });
  }
  for (const source of hookSources) {
    for (const [hook, kind] of [
      ["worker_int", "interrupt"],
      ["worker_abort", "abort"],
    ] as const) {
      const banner = hookBanner(source, files[source]!, hook, kind);
      if (banner && !facts.banners[kind]) facts.banners[kind] = banner;
    }
  }
  const dropIn = imports.find((i) => basename(i.path) === "uvicorn_worker_hooks.py");
  const installLine = text.split("\n").findIndex((line) => /^install\(globals\(\)\)/.test(line));
  if (dropIn && installLine >= 0) {
    const from = `${path}:${installLine + 1}`;
    facts.dropIn = { value: true, from };
    // The drop-in's master prints the standard ABORT and SIGKILL banners however the hooks are written.
    facts.banners.abort ??= { value: true, from };
    facts.banners.kill = { value: true, from };
  }
  return facts;
}

/** The banner a hook prints: its first string with the pid in it, as a pattern (or `true` for the standard text). */
function hookBanner(path: string, text: string, hook: string, kind: BannerKind): Found<string | true> | undefined {
  const lines = text.split("\n");
  const start = lines.findIndex((line) => new RegExp(`^def ${hook}\\(`).test(line));
  if (start < 0) return undefined;
  for (let index = start + 1; index < lines.length; index++) {
    const line = lines[index]!;
    if (/^\S/.test(line)) break;
    for (const literal of line.matchAll(/[fF]?(["'])(.*?)\1/g)) {
      const content = literal[2]!;
      const placeholder = /\{[^}]*\bpid\b[^}]*\}/.exec(content) ?? (/\.pid\b/.test(line) ? /%[sd]/.exec(content) : null);
      if (!placeholder) continue;
      const title = content
        .slice(0, placeholder.index)
        .replace(/\{[^}]*\}/g, "")
        .replace(/^[^A-Za-z0-9]+/, "");
      if ((title.match(/[A-Za-z]/g) ?? []).length < 4) continue;
      const from = `${path}:${index + 1}`;
      const sample = `${title}12345`;
      if (new RegExp(STANDARD_BANNER_PATTERNS[kind]).exec(sample)?.[1] === "12345") return { value: true, from };
      const pattern = `${escapeRegExp(title)}(\\d+)`;
      // "Worker {pid} interrupted" beside "Worker {pid} spawned": the text after the pid tells the banner from the others.
      const suffix = content
        .slice(placeholder.index + placeholder[0].length)
        .split(/\{|%[sd]/)[0]!
        .trimEnd();
      const ambiguous = pidLines(text).some((other) => other.literal !== content && new RegExp(pattern).test(other.printed));
      return { value: ambiguous && suffix ? `${pattern}${escapeRegExp(suffix)}` : pattern, from };
    }
  }
  return undefined;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

const PID_PLACEHOLDER = /\{[^}]*\bpid\b[^}]*\}|%[sd]/;

/** The file's string literals that may print a pid, and the line each prints (the pid as 12345). */
function pidLines(text: string): Array<{ literal: string; printed: string }> {
  return [...text.matchAll(/[fF]?(["'])(.*?)\1/g)]
    .map((match) => match[2]!)
    .filter((literal) => PID_PLACEHOLDER.test(literal))
    .map((literal) => ({ literal, printed: literal.replace(PID_PLACEHOLDER, "12345") }));
}

function findRoutes(path: string, text: string): Array<Found<string>> {
  const prefixes = new Map<string, string>();
  for (const match of text.matchAll(/^(\w+)\s*=\s*APIRouter\(([^)]*)\)/gm)) {
    const prefix = /prefix\s*=\s*["']([^"']*)["']/.exec(match[2]!)?.[1];
    if (prefix) prefixes.set(match[1]!, prefix);
  }
  const routes: Array<Found<string>> = [];
  text.split("\n").forEach((line, index) => {
    const match = /^\s*@(\w+)\.(?:get|head|api_route)\(\s*["']([^"']*)["']/.exec(line);
    if (match) routes.push({ value: `${prefixes.get(match[1]!) ?? ""}${match[2]!}` || "/", from: `${path}:${index + 1}` });
  });
  return routes;
}

function findApp(path: string, text: string): RepositoryFacts["apps"] {
  const lines = text.split("\n");
  const index = lines.findIndex((line) => /^\w+\s*=\s*FastAPI\(/.test(line));
  if (index < 0) return [];
  const line = lines[index]!;
  const module = path
    .replace(/\.py$/, "")
    .replace(/\/__init__$/, "")
    .split("/")
    .join(".");
  const title = /title\s*=\s*["']([^"']+)["']/.exec(line)?.[1];
  return [{ value: { module: `${module}:${line.split("=")[0]!.trim()}`, title }, from: `${path}:${index + 1}` }];
}

/** Names the database URL usually goes by: DATABASE_URL, LEDGER_DB_URL, POSTGRES_DSN, SQLALCHEMY_DATABASE_URI… */
const DATABASE_ENV =
  /^(?!SENTRY_)(?:[A-Z0-9]+_)*(?:(?:DATABASE|DB)_(?:[A-Z0-9]+_)?(?:URL|URI|DSN)|DSN|POSTGRES(?:QL)?_(?:URL|URI|DSN)|PG_(?:URL|DSN))$/;

function findDatabaseEnv(files: RepositoryFiles, paths: string[]): Array<Found<string>> {
  const found: Array<Found<string>> = [];
  // Python first: the variable the app reads is the one that counts; compose and .env files only confirm it.
  const ordered = [...paths.filter((p) => p.endsWith(".py")), ...paths.filter((p) => !p.endsWith(".py") && !p.endsWith(".sql"))];
  for (const path of ordered) {
    const settingsClass = path.endsWith(".py") && /BaseSettings/.test(files[path]!);
    files[path]!.split("\n").forEach((line, index) => {
      // In Python only a string names a variable (`DSN = os.environ["LEDGER_DB_URL"]`: DSN is a constant); elsewhere any name.
      const names = [...line.matchAll(path.endsWith(".py") ? /["']([A-Z][A-Z0-9_]*)["']/g : /\b([A-Z][A-Z0-9_]*)\b/g)].map((m) => m[1]!);
      // pydantic-settings reads a field from the variable of its name in upper case.
      const field = settingsClass ? /^\s+(\w+)\s*:/.exec(line)?.[1]?.toUpperCase() : undefined;
      for (const name of field ? [...names, field] : names) {
        if (DATABASE_ENV.test(name)) found.push({ value: name, from: `${path}:${index + 1}` });
      }
    });
  }
  return found;
}

function findDatabaseDriver(files: RepositoryFiles, paths: string[]): Found<string> | undefined {
  if (paths.some((path) => /\.replace\(\s*["']postgres(?:ql)?:\/\//.test(files[path]!))) return undefined;
  for (const path of paths) {
    const lines = files[path]!.split("\n");
    for (const [index, line] of lines.entries()) {
      const driver = /postgresql\+(\w+):\/\//.exec(line)?.[1];
      if (driver) return { value: driver, from: `${path}:${index + 1}` };
    }
  }
  return undefined;
}

function findDatabaseUrlDrivers(files: RepositoryFiles, paths: string[]): Record<string, Found<string | null>> {
  const drivers: Record<string, Found<string | null>> = {};
  for (const path of paths) {
    files[path]!.split("\n").forEach((line, index) => {
      const match = /\b([A-Z][A-Z0-9_]*)["']?\s*[=:]\s*["']?postgres(?:ql)?(?:\+(\w+))?:\/\//.exec(line);
      if (match && DATABASE_ENV.test(match[1]!)) drivers[match[1]!] ??= { value: match[2] ?? null, from: `${path}:${index + 1}` };
    });
  }
  return drivers;
}

function findSchema(files: RepositoryFiles, paths: string[]): RepositoryFacts["schema"] {
  const path =
    paths.filter((p) => /^(?:schema|init)\.sql$/.test(basename(p))).sort((a, b) => a.split("/").length - b.split("/").length)[0] ??
    (paths.filter((p) => p.endsWith(".sql")).length === 1 ? paths.find((p) => p.endsWith(".sql")) : undefined);
  if (path === undefined) return undefined;
  const lines = files[path]!.split("\n");
  const index = lines.findIndex((line) => /CREATE\s+TABLE/i.test(line));
  const table = index < 0 ? undefined : /CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?([A-Za-z_][\w.]*)/i.exec(lines[index]!)?.[1];
  return { value: { path, table }, from: `${path}:${index < 0 ? 1 : index + 1}` };
}
