import { CAUSE_NAMES, meaningOf, severityOf } from "../classify/causes.ts";
import type { GeneratedSection } from "../core/generated-section.ts";

/** docs/classify.md's table of the classifier's causes. */
export const CAUSE_TABLE: GeneratedSection = {
  name: "cause-table",
  file: new URL("../../docs/classify.md", import.meta.url),
  source: "harness/classify/causes.ts",
};

/** Every cause the classifier gives, in its own order, with its meaning and severity. */
export function causeTable(): string {
  const rows = CAUSE_NAMES.map((cause) => `| \`${cause}\` | ${markdownCell(meaningOf(cause))} | ${severityOf(cause)} |`);
  return ["| cause | meaning | severity |", "|---|---|---|", ...rows].join("\n");
}

/** Text as one Markdown table cell: a `|` would end the cell. */
export function markdownCell(text: string): string {
  return text.replaceAll("|", "\\|");
}
