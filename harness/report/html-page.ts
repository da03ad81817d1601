import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { Severity } from "../classify/causes.ts";
import { packageFile } from "../core/package-files.ts";

const require = createRequire(import.meta.url);

/**
 * A severity's colour, in the page's CSS and in its charts. The amber is #9a6700 rather than the lighter
 * #bf8700: it reads as text on white (4.9:1; #bf8700 is 3.1:1), and a chart's bar needs no more than that.
 */
export const SEVERITY_COLOURS: Record<Severity, string> = { normal: "#1a7f37", investigate: "#9a6700", critical: "#cf222e" };

/**
 * The CSS both self-contained pages (a run's report.html, the capacity report.html) share: the page, its
 * verdict header by status, sections, tables, charts. `maxWidthPx` is the main column's width.
 */
export function pageCss(maxWidthPx: number): string {
  return `body { font: 14px/1.45 system-ui, sans-serif; margin: 0; color: #1f2328; background: #f6f8fa; }
main { max-width: ${maxWidthPx}px; margin: 0 auto; padding: 0 20px 40px; }
header.verdict { padding: 18px 20px; color: #fff; font-size: 22px; font-weight: 600; }
header.passed { background: #1a7f37; } header.failed, header.error { background: #cf222e; } header.aborted, header.inconclusive { background: #9a6700; }
header small { display: block; font-size: 14px; font-weight: 400; opacity: .9; }
section { background: #fff; border: 1px solid #d0d7de; border-radius: 6px; margin: 16px 0; padding: 12px 16px; }
h2 { font-size: 16px; margin: 4px 0 10px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #eaeef2; vertical-align: top; }
.chart { position: relative; height: 300px; } .chart.tall { height: 380px; }
.muted { color: #656d76; }`;
}

/** Chart.js and its annotation plugin, inlined: the report opens with no network. */
export function chartLibraries(): string {
  const chart = join(dirname(require.resolve("chart.js")), "chart.umd.min.js");
  const annotation = join(dirname(require.resolve("chartjs-plugin-annotation")), "chartjs-plugin-annotation.min.js");
  return [chart, annotation].map((file) => inlineScript(readFileSync(file, "utf8"))).join("\n");
}

/** A page's own script from client/ (JavaScript that tsc and biome check), inlined like the libraries. */
export function clientScript(name: string): string {
  return inlineScript(readFileSync(packageFile(`harness/report/client/${name}`), "utf8"));
}

/** A script element holding `source`: nothing in it can close the element. */
const inlineScript = (source: string) => `<script>${source.replace(/<\/script/gi, "<\\/script")}</script>`;

/** JSON inside <script>: nothing in it can close the element. */
export const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, "\\u003c");
