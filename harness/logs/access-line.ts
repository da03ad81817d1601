import type { AccessRequest } from "../events/events.ts";

/**
 * The request line with its status right after it, quoted or not: gunicorn's default access format
 * (`%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"`) and the custom ones built on `"%(r)s" %(s)s`,
 * uvicorn's `%(client_addr)s - "%(request_line)s" %(status_code)s` (`200` under gunicorn, `200 OK` on its own).
 */
const REQUEST_LINE = /(?:^|[\s"'[])([A-Z][A-Z_-]{1,19}) (\S{1,8192}) HTTP\/\d(?:\.\d)?"? {1,4}([1-5]\d\d)(?!\d)/;
/** A logfmt access line (`method=GET path=/x status=200`), as teams write them and as a JSON access record is rebuilt. */
const LOGFMT_METHOD = /(?:^|\s)(?:method|request_method)="?([A-Z][A-Z_-]{1,19})"?(?=\s|$)/;
const LOGFMT_PATH = /(?:^|\s)(?:path|uri|url|request_path|request_uri)="?([^\s"]{1,8192})"?(?=\s|$)/;
const LOGFMT_STATUS = /(?:^|\s)(?:status|status_code)="?([1-5]\d\d)"?(?=\s|$)/;
const LOGFMT_CLIENT = /(?:^|\s)(?:client|remote_addr|client_addr|remote_ip)="?([^\s"]{1,64})"?(?=\s|$)/;
/** uvicorn's level prefix (`INFO:     `), then the client before ` - ` (gunicorn's `%(h)s %(l)s`, uvicorn's `%(client_addr)s -`). */
const CLIENT_FIRST = /^(?:[A-Z]{4,8}: +)?([^\s"[\]]{1,64}) - /;
/** gunicorn's `%(p)s` atom (`<7>`), or a `pid=7` / `pid:7` a custom format writes (looked for outside the request line). */
const PID = /<(\d{1,10})>|(?:^|\s)(?:pid|process)[=:] ?"?(\d{1,10})(?!\d)/;
const ESC = String.fromCharCode(27);
/** uvicorn colours its level and status on a terminal. */
const SGR = new RegExp(`${ESC}\\[[0-9;]*m`, "g");

/**
 * The request an access line tells of, or undefined when the line is no access line. `loggedBy` (the record
 * prefix's pid) is the worker's pid when the line itself names none. Cheap on other lines: two substring tests.
 */
export function matchAccessLine(line: string, loggedBy?: number): AccessRequest | undefined {
  const hasRequestLine = line.includes(" HTTP/");
  if (!hasRequestLine && !line.includes("status")) return undefined;
  const text = line.includes(ESC) ? line.replace(SGR, "") : line;
  let request: AccessRequest | undefined;
  const found = hasRequestLine ? REQUEST_LINE.exec(text) : null;
  if (found) {
    const client = CLIENT_FIRST.exec(text)?.[1];
    request = { method: found[1]!, path: found[2]!, status: Number(found[3]), ...(client && client !== "-" && { client }) };
  } else {
    const method = LOGFMT_METHOD.exec(text)?.[1];
    const path = method && LOGFMT_PATH.exec(text)?.[1];
    const status = path && LOGFMT_STATUS.exec(text)?.[1];
    if (!method || !path || !status) return undefined;
    const client = LOGFMT_CLIENT.exec(text)?.[1];
    request = { method, path, status: Number(status), ...(client && { client }) };
  }
  const named = PID.exec(found ? text.slice(0, found.index) + text.slice(found.index + found[0].length) : text);
  const pid = named ? Number(named[1] ?? named[2]) : loggedBy;
  return pid === undefined ? request : { pid, ...request };
}

/**
 * A JSON access record's request as the logfmt line `matchAccessLine` reads (`method=GET path=/x status=200 …`): how
 * harness/logs/envelopes/json.ts rebuilds a record that has no access line of its own in its message.
 */
export function accessLineText(request: AccessRequest): string {
  const path = request.path.replace(/\s/g, (space) => encodeURIComponent(space));
  return `method=${request.method} path=${path} status=${request.status}${request.client ? ` client=${request.client}` : ""}${request.pid === undefined ? "" : ` pid=${request.pid}`}`;
}
