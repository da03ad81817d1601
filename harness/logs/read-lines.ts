import { createGunzip } from "node:zlib";

/** A line longer than this is cut there (and counted): memory stays bounded whatever the input. */
const MAX_LINE_BYTES = 1024 * 1024;
const NEWLINE = 0x0a;

export interface LineStats {
  /** Lines cut at MAX_LINE_BYTES. */
  overlong: number;
  /** The input was gzip (detected by its magic bytes, whatever the file is called). */
  gzip: boolean;
}

/**
 * The lines of a byte stream, split on \n at the byte level (so a multi-byte character is never cut),
 * decompressed on the fly when it starts with gzip's magic bytes. Reads as fast as the disk allows and
 * holds one chunk and one partial line at a time.
 */
export async function* readLines(
  input: AsyncIterable<Buffer | string>,
  stats: LineStats = { overlong: 0, gzip: false },
): AsyncGenerator<string> {
  let pending: Buffer | undefined;
  let skippingRest = false;
  for await (const chunk of gunzipIfNeeded(input, stats)) {
    let buffer = pending ? Buffer.concat([pending, chunk]) : chunk;
    pending = undefined;
    let start = 0;
    for (let end = buffer.indexOf(NEWLINE, start); end >= 0; end = buffer.indexOf(NEWLINE, start)) {
      if (skippingRest) skippingRest = false;
      else if (end - start > MAX_LINE_BYTES) {
        stats.overlong++;
        yield buffer.toString("utf8", start, start + MAX_LINE_BYTES);
      } else yield buffer.toString("utf8", start, end);
      start = end + 1;
    }
    if (start < buffer.length) {
      buffer = buffer.subarray(start);
      if (skippingRest) continue;
      if (buffer.length >= MAX_LINE_BYTES) {
        stats.overlong++;
        yield buffer.toString("utf8", 0, MAX_LINE_BYTES);
        skippingRest = true;
      } else {
        pending = Buffer.from(buffer);
      }
    }
  }
  if (pending && pending.length > 0 && !skippingRest) yield pending.toString("utf8");
}

async function* gunzipIfNeeded(input: AsyncIterable<Buffer | string>, stats: LineStats): AsyncGenerator<Buffer> {
  const iterator = input[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.done) return;
  const head = toBuffer(first.value);
  const rest = (async function* () {
    yield head;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield toBuffer(next.value);
  })();
  if (head.length < 2 || head[0] !== 0x1f || head[1] !== 0x8b) {
    yield* rest;
    return;
  }
  stats.gzip = true;
  const gunzip = createGunzip();
  const feeding = (async () => {
    try {
      for await (const chunk of rest) if (!gunzip.write(chunk)) await new Promise((r) => gunzip.once("drain", r));
      gunzip.end();
    } catch (error) {
      gunzip.destroy(error as Error);
    }
  })();
  for await (const chunk of gunzip) yield chunk as Buffer;
  await feeding;
}

function toBuffer(chunk: Buffer | string): Buffer {
  return typeof chunk === "string" ? Buffer.from(chunk) : chunk;
}
