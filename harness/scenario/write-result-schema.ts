// Writes reports/result.schema.json, the JSON Schema of result.json, from the code's own schema: `npm run schema`.
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { RESULT_SCHEMA_FILE, resultJsonSchemaText } from "./result-json.ts";

writeFileSync(RESULT_SCHEMA_FILE, resultJsonSchemaText());
process.stdout.write(`wrote ${fileURLToPath(RESULT_SCHEMA_FILE)}\n`);
