import { existsSync, readFileSync, writeFileSync } from "node:fs";

/**
 * A table the code generates inside a Markdown file, between two marker comments, so that it is never kept by hand:
 * `npm run docs` rewrites it, and a unit test fails while it differs from what the code gives.
 */
export interface GeneratedSection {
  /** The marker's name: `cause-table`. */
  name: string;
  /** The Markdown file, absolute. */
  file: URL;
  /** Where it comes from, for the marker: `harness/classify/causes.ts`. */
  source: string;
}

export function sectionMarkers(section: GeneratedSection): { start: string; end: string } {
  return {
    start: `<!-- ${section.name}:start (generated from ${section.source} by npm run docs; do not edit) -->`,
    end: `<!-- ${section.name}:end -->`,
  };
}

function split(section: GeneratedSection): { before: string; content: string; after: string } | undefined {
  const { start, end } = sectionMarkers(section);
  if (!existsSync(section.file)) return undefined;
  const text = readFileSync(section.file, "utf8");
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from) return undefined;
  return { before: text.slice(0, from + start.length), content: text.slice(from + start.length, to).trim(), after: text.slice(to) };
}

/** The section as the file has it; undefined when the file, or its markers, are missing. */
export function readSection(section: GeneratedSection): string | undefined {
  return split(section)?.content;
}

/** Writes the section's content between its markers; false when the file, or its markers, are missing (nothing is written). */
export function writeSection(section: GeneratedSection, content: string): boolean {
  const parts = split(section);
  if (!parts) return false;
  writeFileSync(section.file, `${parts.before}\n${content}\n${parts.after}`);
  return true;
}
