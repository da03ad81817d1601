import { mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import type { ScenarioResult } from "../scenario/run-scenario.ts";
import { htmlReport } from "./html-report.ts";
import { junitXml } from "./junit-report.ts";
import { runSummaryMarkdown } from "./markdown-summary.ts";
import { type ResultJson, toResultJson } from "./result-json.ts";

export const REPORTS_DIR = process.env.CHAOS_REPORTS_DIR ?? fileURLToPath(new URL("../../reports/", import.meta.url));

export interface WrittenReport {
  dir: string;
  result: ResultJson;
}

/**
 * Writes one run's report folder: result.json, junit.xml, report.html, summary.md and the raw app.log;
 * `latest` (beside it) then points at it. Called for every run, passed, failed, broken or interrupted.
 */
export function writeRunReport(run: ScenarioResult, parent = REPORTS_DIR, { linkLatest = true } = {}): WrittenReport {
  const dir = join(parent, run.runId);
  mkdirSync(dir, { recursive: true });
  const result = toResultJson(run, run.stackInfo);
  writeFileSync(join(dir, "result.json"), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(join(dir, "junit.xml"), junitXml([result]));
  writeFileSync(join(dir, "summary.md"), runSummaryMarkdown(result));
  writeFileSync(join(dir, "report.html"), htmlReport(result, run.events, run.logLines));
  writeFileSync(
    join(dir, "app.log"),
    run.logLines.map((l) => `${new Date(l.at).toISOString()} ${l.source}/${l.stream} ${l.text}\n`).join(""),
  );
  if (linkLatest) pointLatestAt(parent, dir);
  return { dir, result };
}

/** reports/latest → the newest run, swapped in atomically (a reader never sees it missing). */
export function pointLatestAt(parent: string, dir: string): void {
  const link = join(parent, "latest");
  const temporary = `${link}.${process.pid}`;
  rmSync(temporary, { force: true });
  symlinkSync(relative(parent, dir), temporary);
  renameSync(temporary, link);
}
