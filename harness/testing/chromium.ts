import { existsSync } from "node:fs";
import { type Browser, chromium, type Page } from "playwright-core";
import { it } from "vitest";
import { CHROMIUM_PATH } from "../engine/ensure-engine.ts";

/** Debian's Chromium, headless, with no background traffic (the machine has no network beyond loopback). */
async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `The HTML report tests need Chromium at ${CHROMIUM_PATH}: run \`npm run setup\` (it installs Debian's chromium), or set CHROMIUM_PATH.`,
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}

export interface OfflinePage {
  page: Page;
  /** Console errors, page errors and every network request (each aborted: a report must need none). */
  errors: string[];
  /** Painted (non-transparent) pixels of each canvas, by its id (or its position when it has none). */
  inkByCanvas(): Promise<Record<string, number>>;
  close(): Promise<void>;
}

/** Opens a self-contained report in headless Chromium with the network cut off, collecting what went wrong. */
export async function openOffline(file: string, ready: () => boolean): Promise<OfflinePage> {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.route(/^https?:/, (route) => {
      errors.push(`network request: ${route.request().url()}`);
      return route.abort();
    });
    await page.goto(`file://${file}`);
    await page.waitForFunction(ready);
    const inkByCanvas = () =>
      page.evaluate(() =>
        Object.fromEntries(
          Array.from(document.querySelectorAll("canvas")).map((canvas, i) => {
            const { data } = canvas.getContext("2d")!.getImageData(0, 0, canvas.width, canvas.height);
            let painted = 0;
            for (let p = 3; p < data.length; p += 4) if (data[p]! > 0) painted++;
            return [canvas.id || String(i), painted];
          }),
        ),
      );
    return { page, errors, inkByCanvas, close: () => browser.close() };
  } catch (error) {
    await browser.close();
    throw error;
  }
}

/**
 * A test that opens a page in Chromium. With no Chromium it fails under CI=true, saying that `npm run setup` installs
 * it (a skipped test proves nothing); elsewhere it is skipped, with that reason printed.
 */
export function itInChromium(name: string, body: () => Promise<void>, timeoutMs: number): void {
  it(
    name,
    async (context) => {
      if (!existsSync(CHROMIUM_PATH) && !process.env.CI) {
        const reason = `no Chromium at ${CHROMIUM_PATH}: \`npm run setup\` installs it (under CI=true this test fails instead)`;
        process.stderr.write(`skipped "${name}": ${reason}\n`);
        context.skip(reason);
      }
      await body();
    },
    timeoutMs,
  );
}

/** Chart.js has drawn its charts (for `openOffline`'s `ready`). */
export const chartsDrawn = () => (window as unknown as { Chart?: { instances: object } }).Chart?.instances !== undefined;
