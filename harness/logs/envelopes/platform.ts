import { endOf, execAt, isDigit, layer, type TimestampEnvelope } from "./envelope.ts";

/**
 * `platform`: an RFC 3339 timestamp, then an instance id, then the app's line. One envelope per platform; the
 * dispatcher tries them in its list's order.
 */

/** Heroku (`heroku logs`): `app[web.1]: text`, also `heroku[router]: ...` and Fir's `web-123-456` dyno names. */
const HEROKU = /[a-z][\w-]{0,30}\[([^\s\]]{1,64})\]:(?: |$)/y;

export const heroku: TimestampEnvelope = {
  unwrapAfter(s, i, at, keys, depth, inner) {
    const m = isLowerCase(s.charCodeAt(i)) ? execAt(HEROKU, s, i) : null;
    return m ? layer("platform", s.slice(endOf(m)), m[1], at, undefined, keys, depth, inner) : undefined;
  },
};

/**
 * Fly.io (`fly logs`, flyctl's render.LogEntry): `app[148e1234] iad [info]text` (no space before the text
 * in flyctl's own output; one space is taken when one is there), and the older `148e1234 iad [info]`.
 */
const FLY = /(?:[a-z][\w-]{0,30}\[([^\s\]]{1,64})\]|([0-9a-f]{8,32})) [a-z]{3,4} \[[a-z]{1,10}\]/y;

export const fly: TimestampEnvelope = {
  unwrapAfter(s, i, at, keys, depth, inner) {
    const c = s.charCodeAt(i);
    const m = isLowerCase(c) || isDigit(c) ? execAt(FLY, s, i) : null;
    if (!m) return undefined;
    let j = endOf(m);
    if (s.charCodeAt(j) === 32 && j + 1 < s.length && s.charCodeAt(j + 1) !== 32) j++;
    return layer("platform", s.slice(j), m[1] ?? m[2], at, undefined, keys, depth, inner);
  },
};

/** Render (dashboard / log export): `srv-<service id>-<instance suffix> text`; cron jobs are `crn-`. */
const RENDER = /((?:srv|crn)-[a-z0-9]{4,40}(?:-[a-z0-9]{1,16})?)(?: |$)/y;

export const render: TimestampEnvelope = {
  unwrapAfter(s, i, at, keys, depth, inner) {
    const c = s.charCodeAt(i);
    const m = c === 115 || c === 99 ? execAt(RENDER, s, i) : null;
    return m ? layer("platform", s.slice(endOf(m)), m[1], at, undefined, keys, depth, inner) : undefined;
  },
};

/**
 * AWS CloudWatch (`aws logs tail`, detailed format): `<log stream> text`, for the stream names that end in
 * an id: ECS (`ecs/web/<task id>`), App Runner (`instance/<id>`), Lambda (`2026/11/25/[$LATEST]<id>`),
 * EC2 instance ids (`i-0abc...`, Elastic Beanstalk) and UUIDs. Other stream names are not recognised:
 * bare text after a timestamp (`SIGQUIT/SIGINT as UvicornWorker does`) must stay text.
 */
const AWS =
  /((?:[\w.$[\]-]{1,128}\/){1,4}(?:\[[^\]\s]{1,32}\])?[0-9a-f]{16,64}|i-[0-9a-f]{8,17}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?: |$)/y;

export const awsCloudWatch: TimestampEnvelope = {
  unwrapAfter(s, i, at, keys, depth, inner) {
    const m = execAt(AWS, s, i);
    return m ? layer("platform", s.slice(endOf(m)), m[1], at, undefined, keys, depth, inner) : undefined;
  },
};

function isLowerCase(c: number): boolean {
  return c >= 97 && c <= 122;
}
