// Writes the committed JSON Schemas from the code's own schemas: result.json's, capacity.json's and target files' (`npm run schema`).
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { CAPACITY_SCHEMA_FILE, capacityJsonSchemaText } from "../capacity/capacity-result.ts";
import type { CommittedJsonSchema } from "../core/committed-json-schema.ts";
import { RESULT_JSON_SCHEMA } from "../scenario/result-json.ts";
import { TARGET_JSON_SCHEMA } from "../target/define-target.ts";

const CAPACITY_JSON_SCHEMA: CommittedJsonSchema = { file: CAPACITY_SCHEMA_FILE, text: capacityJsonSchemaText };

for (const { file, text } of [RESULT_JSON_SCHEMA, TARGET_JSON_SCHEMA, CAPACITY_JSON_SCHEMA]) {
  writeFileSync(file, text());
  process.stdout.write(`wrote ${fileURLToPath(file)}\n`);
}
