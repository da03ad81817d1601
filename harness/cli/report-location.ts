import { basename, relative } from "node:path";
import pc from "picocolors";

/**
 * `report: reports/<run>/report.html (result.json, junit.xml, summary.md, app.log beside it)`, from the files the
 * reporters say they wrote: the HTML page first, the others named beside it.
 */
export function whereTheReportIs(files: string[]): string {
  const main = files.find((f) => f.endsWith(".html")) ?? files[0];
  if (!main) return "";
  const beside = files.filter((f) => f !== main).map((f) => basename(f));
  return `${pc.dim("report:")} ${relative(process.cwd(), main)}${beside.length ? ` ${pc.dim(`(${beside.join(", ")} beside it)`)}` : ""}`;
}
