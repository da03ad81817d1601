// Writes the committed JSON Schemas from the code's own schemas: result.json's, capacity.json's and target files' (`npm run schema`).
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { CAPACITY_SCHEMA_FILE, capacityJsonSchemaText } from "../capacity/capacity-result.ts";
import { RESULT_SCHEMA_FILE, resultJsonSchemaText } from "../scenario/result-json.ts";
import { TARGET_SCHEMA_FILE, targetJsonSchemaText } from "../target/define-target.ts";

for (const [file, text] of [
  [RESULT_SCHEMA_FILE, resultJsonSchemaText()],
  [TARGET_SCHEMA_FILE, targetJsonSchemaText()],
  [CAPACITY_SCHEMA_FILE, capacityJsonSchemaText()],
] as const) {
  writeFileSync(file, text);
  process.stdout.write(`wrote ${fileURLToPath(file)}\n`);
}
