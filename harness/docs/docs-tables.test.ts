import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { readSection, sectionMarkers } from "../core/generated-section.ts";
import { DOCS_TABLES } from "./docs-tables.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const PAGES = [
  "README.md",
  ...readdirSync(join(ROOT, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`),
];

describe("the tables in docs/ that the code generates", () => {
  for (const { section, render } of DOCS_TABLES) {
    const file = relative(ROOT, fileURLToPath(section.file));
    it(`${file}: ${section.name} is what the code gives`, async () => {
      const table = readSection(section);
      expect(table, `${file} lacks the markers ${sectionMarkers(section).start} … ${sectionMarkers(section).end}`).toBeDefined();
      expect(table, `${file}'s ${section.name} differs from the code (${section.source}): \`npm run docs\` rewrites it`).toBe(
        await render(),
      );
    });
  }
});

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to dashes; a repeated one gets -1, -2 … */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const found = new Set<string>();
  for (const line of withoutFences(markdown).split("\n")) {
    const heading = /^#{1,6}\s+(.*)$/.exec(line);
    if (!heading) continue;
    const slug = heading[1]!
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, "")
      .replace(/\s/g, "-");
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    found.add(n ? `${slug}-${n}` : slug);
  }
  return found;
}

function withoutFences(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```/gm, "");
}

/** The text outside code blocks and code spans, where a link is a link. */
function withoutCode(markdown: string): string {
  return withoutFences(markdown).replace(/`[^`\n]*`/g, "");
}

describe("the links in README.md and docs/", () => {
  it("lead to files that exist, and to headings those files have", () => {
    const broken: string[] = [];
    for (const page of PAGES) {
      const text = readFileSync(join(ROOT, page), "utf8");
      for (const [, href] of withoutCode(text).matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/i.test(href!)) continue;
        const [path, anchor] = href!.split("#") as [string, string | undefined];
        const target = path ? resolve(ROOT, dirname(page), path) : join(ROOT, page);
        if (!existsSync(target)) broken.push(`${page}: ${href} (no such file)`);
        else if (anchor && statSync(target).isFile() && target.endsWith(".md") && !anchors(readFileSync(target, "utf8")).has(anchor))
          broken.push(`${page}: ${href} (no such heading)`);
      }
    }
    expect(broken).toEqual([]);
  });
});
