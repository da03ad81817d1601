import { mkdirSync, renameSync, rmSync, symlinkSync } from "node:fs";
import { join, relative } from "node:path";
import { type ResultJson, toResultJson } from "../scenario/result-json.ts";
import type { RunResult } from "../scenario/run-result.ts";
import { HtmlReporter } from "./html-reporter.ts";
import { JsonReporter } from "./json-reporter.ts";
import { JunitReporter } from "./junit-reporter.ts";
import { LogReporter } from "./log-reporter.ts";
import { MarkdownReporter } from "./markdown-reporter.ts";
import type { NightlyReport, Reporter } from "./reporter.ts";
import { markWriting, REPORTS_DIR } from "./retention.ts";

/** The reporters that write a run's folder: result.json, junit.xml, summary.md, report.html, app.log. */
export function fileReporters(): Reporter[] {
  return [new JsonReporter(), new JunitReporter(), new MarkdownReporter(), new HtmlReporter(), new LogReporter()];
}

export interface WrittenReport {
  dir: string;
  json: ResultJson;
  /** Every file the reporters wrote, in their order. */
  files: string[];
}

/**
 * Hands one finished run to every reporter; the file reporters write `<parent>/<run id>/`, and `latest`
 * (beside it) then points at it. Called for every run, passed, failed, broken or interrupted.
 */
export function writeRunReport(
  result: RunResult,
  parent = REPORTS_DIR,
  { linkLatest = true, reporters = fileReporters() }: { linkLatest?: boolean; reporters?: Reporter[] } = {},
): WrittenReport {
  const dir = join(parent, result.runId);
  const written = markWriting(dir);
  try {
    const json = toResultJson(result);
    const files = reporters.flatMap((reporter) => reporter.onRunEnd?.({ result, json, dir }) ?? []);
    if (linkLatest) pointLatestAt(parent, dir);
    return { dir, json, files };
  } finally {
    written();
  }
}

/** Hands a nightly's end to every reporter (index.html, junit.xml, summary.md, comparison.json); returns the files written. */
export function writeNightlyReport(nightly: NightlyReport, reporters = fileReporters()): string[] {
  mkdirSync(nightly.dir, { recursive: true });
  return reporters.flatMap((reporter) => reporter.onNightlyEnd?.(nightly) ?? []);
}

/** reports/latest → the newest run, swapped in atomically (a reader never sees it missing). */
export function pointLatestAt(parent: string, dir: string): void {
  const link = join(parent, "latest");
  const temporary = `${link}.${process.pid}`;
  rmSync(temporary, { force: true });
  symlinkSync(relative(parent, dir), temporary);
  renameSync(temporary, link);
}
