/**
 * Where a JSON log record keeps each field, tried in order. A key with dots is also looked up as a path
 * into nested objects (`kubernetes.pod_name`, ECS's `log.level`), after the literal key.
 */
export interface JsonKeys {
  message: string[];
  level: string[];
  pid: string[];
  time: string[];
  logger: string[];
  instance: string[];
}

/**
 * python-json-logger's and logconfig_dict's names first (`message`, `levelname`, `process`, `asctime`,
 * `name`), then the usual alternatives. Shippers' `log` key is always tried after the message keys.
 */
export const DEFAULT_JSON_KEYS: JsonKeys = Object.freeze({
  message: ["message", "msg"],
  level: ["levelname", "level", "severity", "log.level"],
  pid: ["process", "pid", "process.pid"],
  time: ["asctime", "time", "timestamp", "@timestamp", "ts", "created", "date"],
  logger: ["name", "logger", "logger_name", "log.logger"],
  instance: ["host", "hostname", "instance", "pod", "container", "container_name", "kubernetes.pod_name", "host.hostname"],
});

const JSON_FIELDS = ["message", "level", "pid", "time", "logger", "instance"] as const;
type JsonField = (typeof JSON_FIELDS)[number];

/**
 * Reads a `--json-keys` spec, `FIELD=KEY[,FIELD=KEY...]` (e.g. `message=msg,pid=process,instance=dyno`).
 * A field named twice gets both keys, in order. The caller merges the result over the defaults
 * (`{ ...DEFAULT_JSON_KEYS, ...parseJsonKeys(spec) }`): a field given here replaces that field's defaults.
 * Throws an Error naming the bad part.
 */
export function parseJsonKeys(spec: string): Partial<JsonKeys> {
  const keys: Partial<JsonKeys> = {};
  const fields = JSON_FIELDS.join(", ");
  for (const part of spec.split(",")) {
    const item = part.trim();
    if (item === "") continue;
    const eq = item.indexOf("=");
    if (eq < 0) throw new Error(`--json-keys: "${item}" is not FIELD=KEY (fields: ${fields}; e.g. "message=msg,pid=process")`);
    const field = item.slice(0, eq).trim();
    const key = item.slice(eq + 1).trim();
    if (!(JSON_FIELDS as readonly string[]).includes(field)) {
      throw new Error(`--json-keys: unknown field "${field}" in "${item}" (fields: ${fields})`);
    }
    if (key === "" || /[\s=]/.test(key)) throw new Error(`--json-keys: "${item}" names no usable key after "="`);
    const list = keys[field as JsonField] ?? [];
    list.push(key);
    keys[field as JsonField] = list;
  }
  return keys;
}

export type Obj = Record<string, unknown>;

/** A key, and its parts when it has dots (a path into nested objects). */
export interface KeyPath {
  key: string;
  parts: string[] | undefined;
}
export type CompiledKeys = Record<JsonField, KeyPath[]>;

/** A memo, not state: the same keys object always compiles to the same paths. */
const compiledKeys = new WeakMap<JsonKeys, CompiledKeys>();

/** `keys` as paths, computed once per keys object. */
export function compile(keys: JsonKeys): CompiledKeys {
  let compiled = compiledKeys.get(keys);
  if (!compiled) {
    const partial = keys as Partial<JsonKeys>;
    compiled = {
      message: toPaths(partial.message ?? DEFAULT_JSON_KEYS.message),
      level: toPaths(partial.level ?? DEFAULT_JSON_KEYS.level),
      pid: toPaths(partial.pid ?? DEFAULT_JSON_KEYS.pid),
      time: toPaths(partial.time ?? DEFAULT_JSON_KEYS.time),
      logger: toPaths(partial.logger ?? DEFAULT_JSON_KEYS.logger),
      instance: toPaths(partial.instance ?? DEFAULT_JSON_KEYS.instance),
    };
    compiledKeys.set(keys, compiled);
  }
  return compiled;
}

export function toPaths(keys: readonly string[]): KeyPath[] {
  return keys.map((key) => ({ key, parts: key.includes(".") ? key.split(".") : undefined }));
}

/** The first value under `paths` that `convert` accepts. */
export function pick<T>(obj: Obj, paths: KeyPath[], convert: (value: unknown) => T | undefined): T | undefined {
  for (const path of paths) {
    let value: unknown;
    if (Object.hasOwn(obj, path.key)) value = obj[path.key];
    else if (path.parts) {
      value = obj;
      for (const part of path.parts) {
        if (!isObj(value) || !Object.hasOwn(value, part)) {
          value = undefined;
          break;
        }
        value = value[part];
      }
    }
    const converted = value === undefined ? undefined : convert(value);
    if (converted !== undefined) return converted;
  }
  return undefined;
}

export function isObj(value: unknown): value is Obj {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A pid: a positive integer, or a string of digits. */
export function toPid(value: unknown): number | undefined {
  const pid = typeof value === "number" ? value : typeof value === "string" && /^\d{1,10}$/.test(value) ? Number(value) : Number.NaN;
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** A name: a non-empty string, or a finite number as text. */
export function toName(value: unknown): string | undefined {
  if (typeof value === "string") return value === "" ? undefined : value;
  return typeof value === "number" && Number.isFinite(value) ? String(value) : undefined;
}
