import { createInterface } from "node:readline";
import { GunicornLogParser } from "../logs/log-parser.ts";
import { DeathClassifier } from "./classify-deaths.ts";
import type { ClassifyOptions, Death } from "./death.ts";

export interface StreamVerdict {
  deaths: Death[];
  unparsed: number;
  lines: number;
}

/**
 * Classifies an exported log, line by line: nothing but live workers and deaths stays in memory,
 * so a log of millions of lines takes no more than a short one.
 */
export async function classifyLogStream(input: NodeJS.ReadableStream, options: ClassifyOptions = {}): Promise<StreamVerdict> {
  const classifier = new DeathClassifier(options);
  const parser = new GunicornLogParser((event) => classifier.push(event));
  let lines = 0;
  for await (const text of createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY })) {
    lines++;
    parser.push({ seq: lines, source: "app", stream: "stderr", text });
  }
  parser.flush();
  return { deaths: classifier.finish(), unparsed: parser.unparsed, lines };
}
