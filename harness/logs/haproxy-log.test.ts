import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { describeTermination, isFailedLbRequest, parseLbLine, parseLbServerLine } from "./haproxy-log.ts";

/** HAProxy's stdout in real runs (rolling-deploy --profile naive, then lb-keepalive), one suite each: every line, 1 in 40 of the 200s. */
const recorded = (suite: string) =>
  readFileSync(new URL(`./fixtures/haproxy/${suite}.log`, import.meta.url), "utf8")
    .trim()
    .split("\n");

const truth = JSON.parse(readFileSync(new URL("./fixtures/haproxy/truth.json", import.meta.url), "utf8")) as Record<
  "bookworm" | "trixie",
  { failed: Record<string, number> }
>;

describe("HAProxy's request log (LB_LOG_FORMAT)", () => {
  it("reads a request line: its date in ms, server, upstream connection, status, termination state and timers", () => {
    expect(parseLbLine('lb-request 26/Nov/2026:08:38:18.015 52276 web-1 53142 503 SC-- 0/-1/-1/0 0 "GET /health HTTP/1.1"')).toEqual({
      acceptedAt: Date.UTC(2026, 10, 26, 8, 38, 18, 15),
      clientPort: 52276,
      server: "web-1",
      upstreamPort: 53142,
      status: 503,
      termination: "SC--",
      waitMs: 0,
      connectMs: -1,
      responseMs: -1,
      totalMs: 0,
      retries: 0,
      method: "GET",
      path: "/health",
    });
    expect(parseLbLine("Server replicas/web-1 is UP, reason: Layer7 check passed")).toBeUndefined();
  });

  it.each(["bookworm", "trixie"])("understands every line HAProxy printed on stdout on %s", (suite) => {
    const lines = recorded(suite);
    expect(lines.filter((l) => !parseLbLine(l) && !parseLbServerLine(l) && l !== "backend replicas has no server available!")).toEqual([]);
  });

  it("counts what users lost on each suite as HAProxy logged it", () => {
    const outcomes = (suite: string) => {
      const counts: Record<string, number> = {};
      for (const line of recorded(suite)) {
        const request = parseLbLine(line);
        if (request && isFailedLbRequest(request)) {
          const outcome = `${request.status} ${request.termination}`;
          counts[outcome] = (counts[outcome] ?? 0) + 1;
        }
      }
      return counts;
    };
    // bookworm (HAProxy 2.6): the naive deploy's refused connections, and the keep-alive race as 502 SH--.
    // trixie (HAProxy 3.0): the keep-alive race leaves no log line (the client's connection is closed); only the deploy's 503s.
    expect(outcomes("bookworm")).toEqual(truth.bookworm.failed);
    expect(outcomes("trixie")).toEqual(truth.trixie.failed);
  });
});

describe("HAProxy's word on a replica's state", () => {
  it.each([
    [
      'Server replicas/web-1 is DOWN, reason: Layer4 connection problem, info: "Connection refused", check duration: 0ms. 2 active',
      "DOWN",
      'Layer4 connection problem, info: "Connection refused"',
    ],
    ["Server replicas/web-2 is UP, reason: Layer7 check passed, code: 200, check duration: 1ms.", "UP", "Layer7 check passed"],
    ["Server replicas/web-4 is UP/READY (leaving forced maintenance).", "UP", undefined],
    ["Server replicas/web-1 enters drain state. 3 active and 0 backup servers left.", "DRAIN", undefined],
    ["Server replicas/web-1 was DOWN and now enters maintenance.", "MAINT", undefined],
  ])("%s", (line, state, reason) => {
    expect(parseLbServerLine(line)).toEqual({ server: expect.stringMatching(/^web-\d$/), state, ...(reason ? { reason } : {}) });
  });
});

describe("termination states in words", () => {
  it.each([
    ["SC--", "the server aborted or refused while connecting"],
    ["SH--", "the server aborted or refused before the response headers"],
    ["CD--", "the client aborted during the response body"],
    ["----", "a normal end"],
  ])("%s: %s", (state, words) => expect(describeTermination(state)).toBe(words));
});
