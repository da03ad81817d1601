// Rewrites the tables in docs/ that the code generates (`npm run docs`): the layers, the scenario catalogue, the causes, the banner matrix.
import { fileURLToPath } from "node:url";
import { readSection, writeSection } from "../core/generated-section.ts";
import { DOCS_TABLES } from "../docs/docs-tables.ts";

let missing = 0;
for (const { section, render } of DOCS_TABLES) {
  const file = fileURLToPath(section.file);
  const table = await render();
  if (readSection(section) === table) process.stdout.write(`unchanged ${file} (${section.name})\n`);
  else if (writeSection(section, table)) process.stdout.write(`wrote ${file} (${section.name})\n`);
  else {
    process.stderr.write(`${file} has no ${section.name} markers: put them back where the table goes (see docs-tables.ts)\n`);
    missing++;
  }
}
process.exitCode = missing ? 1 : 0;
