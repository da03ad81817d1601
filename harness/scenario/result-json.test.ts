import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { RESULT_SCHEMA_FILE, resultJsonSchemaText } from "./result-json.ts";

describe("reports/result.schema.json", () => {
  it("is the JSON Schema of the code's own result.json schema (regenerate with npm run schema)", () => {
    expect(readFileSync(RESULT_SCHEMA_FILE, "utf8")).toBe(resultJsonSchemaText());
  });
});
