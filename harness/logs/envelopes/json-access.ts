import type { AccessRequest } from "../../events/events.ts";
import { type Obj, pick, toName, toPaths, toPid } from "./json-keys.ts";

/**
 * Where JSON access records keep the request: gunicorn `access_log_format`s written as JSON, python-json-logger's
 * `extra`, uvicorn's access record, ECS (`http.request.method`) and Google Cloud's `httpRequest`. A record is an access
 * record when it has an HTTP status and a request line or a path; the method may come from the request line.
 */
const ACCESS_KEYS = {
  status: toPaths([
    "status",
    "status_code",
    "response_code",
    "response_status",
    "http_status",
    "http.response.status_code",
    "httpRequest.status",
  ]),
  request: toPaths(["request", "request_line", "requestLine"]),
  method: toPaths(["method", "request_method", "http_method", "http.request.method", "httpRequest.requestMethod"]),
  path: toPaths(["path", "request_path", "url", "uri", "request_uri", "url.path", "url.original", "httpRequest.requestUrl"]),
  client: toPaths([
    "remote_addr",
    "client_addr",
    "remote_ip",
    "client_ip",
    "remote_address",
    "client",
    "client.ip",
    "httpRequest.remoteIp",
  ]),
  pid: toPaths(["process_id", "worker_pid", "pid", "process"]),
};
const REQUEST_LINE = /^([A-Z][A-Z_-]{1,19}) (\S+)(?: HTTP\/\d(?:\.\d)?)?$/;
const METHOD = /^[A-Z][A-Z_-]{1,19}$/;

/** The request a JSON access record tells of; undefined for any other record (checked by its status key first: cheap). */
export function accessRecord(obj: Obj): AccessRequest | undefined {
  const status = pick(obj, ACCESS_KEYS.status, toStatus);
  if (status === undefined) return undefined;
  const line = pick(obj, ACCESS_KEYS.request, (v) => (typeof v === "string" ? (REQUEST_LINE.exec(v.trim()) ?? undefined) : undefined));
  const method = line?.[1] ?? pick(obj, ACCESS_KEYS.method, (v) => (typeof v === "string" && METHOD.test(v) ? v : undefined));
  const path = line?.[2] ?? pick(obj, ACCESS_KEYS.path, (v) => (typeof v === "string" && v !== "" && !/\s/.test(v) ? v : undefined));
  if (method === undefined || path === undefined) return undefined;
  const client = pick(obj, ACCESS_KEYS.client, toName);
  // gunicorn's `%(p)s` atom is `<7>`
  const pid = pick(obj, ACCESS_KEYS.pid, (v) => toPid(typeof v === "string" ? v.replace(/^<(\d+)>$/, "$1") : v));
  return { method, path, status, ...(client !== undefined && client !== "-" && { client }), ...(pid !== undefined && { pid }) };
}

function toStatus(value: unknown): number | undefined {
  const status = typeof value === "number" ? value : typeof value === "string" && /^\d{3}$/.test(value) ? Number(value) : Number.NaN;
  return Number.isInteger(status) && status >= 100 && status <= 599 ? status : undefined;
}
