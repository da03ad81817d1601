import { StringDecoder } from "node:string_decoder";
import { createGunzip } from "node:zlib";

/** A partial line longer than this is cut there (and counted): memory stays bounded whatever the input. */
export const MAX_LINE_CHARS = 1024 * 1024;

export interface ReadStats {
  /** Lines cut at 1 MiB. */
  overlong: number;
  /** The input was gzip (detected by its magic bytes, whatever the file is called). */
  gzip: boolean;
}

/**
 * A byte stream as text in runs of whole lines, each run ending with \n (a multi-byte character is never
 * cut), gunzipped on the fly when the input starts with gzip's magic bytes.
 * Runs, not lines, so that a caller can search a whole run at once and pass over the lines it does not need.
 * Holds one chunk and one partial line at a time; a partial line over 1 MiB is cut there.
 */
export async function* readLineRuns(input: AsyncIterable<Buffer | string>, stats: ReadStats): AsyncGenerator<string> {
  // Decoded as it comes (the decoder keeps a character split between chunks), carried as text: no buffer is
  // copied per chunk. A partial line is kept as its pieces and joined once, when its end comes: joining at
  // every chunk would copy a long line over and over.
  const decoder = new StringDecoder("utf8");
  let pieces: string[] = [];
  let pendingChars = 0;
  let skippingRest = false;
  const keep = function* (part: string): Generator<string> {
    pieces.push(part);
    pendingChars += part.length;
    if (pendingChars < MAX_LINE_CHARS) return;
    stats.overlong++;
    yield `${pieces.join("").slice(0, MAX_LINE_CHARS)}\n`;
    pieces = [];
    pendingChars = 0;
    skippingRest = true;
  };
  for await (const chunk of gunzipIfNeeded(input, stats)) {
    let text = decoder.write(chunk);
    if (skippingRest) {
      const end = text.indexOf("\n");
      if (end < 0) continue;
      skippingRest = false;
      text = text.slice(end + 1);
    }
    const last = text.lastIndexOf("\n");
    if (last < 0) {
      if (text) yield* keep(text);
      continue;
    }
    const whole = last === text.length - 1 ? text : text.slice(0, last + 1);
    if (pieces.length) {
      pieces.push(whole);
      yield pieces.join("");
      pieces = [];
      pendingChars = 0;
    } else {
      yield whole;
    }
    if (last < text.length - 1) yield* keep(text.slice(last + 1));
  }
  const tail = decoder.end();
  if (tail && !skippingRest) pieces.push(tail);
  if (pieces.length && !skippingRest) yield `${pieces.join("")}\n`;
}

async function* gunzipIfNeeded(input: AsyncIterable<Buffer | string>, stats: ReadStats): AsyncGenerator<Buffer> {
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
