import { readFileSync } from "node:fs";
import type { GeneratedSection } from "../core/generated-section.ts";

/** docs/architecture.md's quote of the layers, as .dependency-cruiser.cjs enforces them. */
export const LAYERS_QUOTE: GeneratedSection = {
  name: "layers",
  file: new URL("../../docs/architecture.md", import.meta.url),
  source: ".dependency-cruiser.cjs",
};

/** The `const LAYERS = [...]` block of .dependency-cruiser.cjs, verbatim, as a code block. */
export function layersQuote(): string {
  const text = readFileSync(new URL("../../.dependency-cruiser.cjs", import.meta.url), "utf8");
  const block = /^const LAYERS = \[$[\s\S]*?^\];$/m.exec(text);
  if (!block) throw new Error(".dependency-cruiser.cjs has no `const LAYERS = [ ... ];` block to quote");
  return ["```js", block[0], "```"].join("\n");
}
