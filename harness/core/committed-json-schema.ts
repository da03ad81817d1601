import { z } from "zod";

/** A JSON Schema the repository commits, written from one of the code's zod schemas by `npm run schema`. */
export interface CommittedJsonSchema {
  /** Where it is committed (a path or file URL). */
  file: string | URL;
  /** Its text as the code's schema gives it now: a test compares it with the committed file. */
  text(): string;
}

/**
 * The committed JSON Schema (draft 2020-12) of a zod schema, titled and described. `io: "input"` describes what a
 * user writes (defaults optional); `unrepresentable: "any"` lets a schema with functions in it through.
 */
export function committedJsonSchema(
  file: string | URL,
  schema: z.ZodType,
  about: { title: string; description: string },
  options: Pick<NonNullable<Parameters<typeof z.toJSONSchema>[1]>, "io" | "unrepresentable"> = {},
): CommittedJsonSchema {
  return {
    file,
    text: () => `${JSON.stringify({ ...z.toJSONSchema(schema, { target: "draft-2020-12", ...options }), ...about }, null, 2)}\n`,
  };
}
