// Writes the committed JSON Schemas from the code's own schemas: result.json's, capacity.json's and target files' (`npm run schema`).
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { CAPACITY_JSON_SCHEMA } from "../capacity/capacity-result.ts";
import { RESULT_JSON_SCHEMA } from "../scenario/result-json.ts";
import { TARGET_JSON_SCHEMA } from "../target/define-target.ts";

for (const { file, text } of [RESULT_JSON_SCHEMA, TARGET_JSON_SCHEMA, CAPACITY_JSON_SCHEMA]) {
  writeFileSync(file, text());
  process.stdout.write(`wrote ${fileURLToPath(file)}\n`);
}
