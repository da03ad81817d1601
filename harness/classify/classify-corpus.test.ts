import { describe, expect, it } from "vitest";
import { DeathClassifier } from "./classify-deaths.ts";
import { byTime, corpusNames, parseLines, readCorpusCase } from "./corpus/corpus-format.ts";

const records = corpusNames();

function load(name: string) {
  const { record, lines } = readCorpusCase(name);
  return { record, ...parseLines(lines) };
}

const causes = (deaths: { pid: number; cause: string }[]) => Object.fromEntries(deaths.map((d) => [String(d.pid), d.cause]));

describe("the corpus recorded from real runs", () => {
  it("covers every case on every suite, sid with both worker classes, with the drop-in and with the stock hooks", () => {
    const cases = new Set(records.map((r) => r.split(".")[0]));
    for (const name of cases) {
      for (const stack of ["trixie", "bookworm", "sid", "sid-asgi"]) {
        // gunicorn's asgi worker boots an app whose startup raised: no boot failure to record there.
        if (name === "boot-failure" && stack === "sid-asgi") continue;
        expect(records, name).toContain(`${name}.${stack}.default`);
        // No banner is due in a boot failure: its seed run would repeat the default one.
        if (name !== "boot-failure") expect(records, name).toContain(`${name}.${stack}.seed`);
      }
    }
    expect(cases.size).toBeGreaterThanOrEqual(10);
  });

  describe.each(records)("%s", (name) => {
    const { record, events, unparsed } = load(name);

    it("parses every line", () => expect(unparsed).toBe(0));

    it("classifies every death as its truth, with the harness's evidence", () => {
      const classifier = new DeathClassifier({ holdMs: Number.POSITIVE_INFINITY, maxRequests: record.maxRequests });
      for (const event of byTime([...events, ...record.harnessEvents])) classifier.push(event);
      const deaths = classifier.finish();
      expect(causes(deaths)).toEqual(record.truth);
      for (const death of deaths) expect(death.evidence.length, `evidence for ${death.pid}`).toBeGreaterThan(0);
    });

    it("classifies from the log alone as far as a log can tell", () => {
      const classifier = new DeathClassifier();
      for (const event of events) classifier.push(event);
      expect(causes(classifier.finish())).toEqual(record.truthLogOnly);
    });

    // The seed's worker_int runs under gunicorn's asgi worker on SIGINT/SIGQUIT only (its quick shutdown); otherwise never.
    const stockInterrupts = record.worker === "asgi" && record.case === "quick-shutdown";
    it(
      record.config === "seed"
        ? stockInterrupts
          ? "prints the stock INTERRUPT banner only (worker_int on SIGQUIT)"
          : "prints no banner (the seed hooks never run)"
        : "prints the banner each death calls for, for that pid",
      () => {
        const classifier = new DeathClassifier({ holdMs: Number.POSITIVE_INFINITY, maxRequests: record.maxRequests });
        for (const event of byTime([...events, ...record.harnessEvents])) classifier.push(event);
        const deaths = classifier.finish();
        const banners = events.filter((e) => e.kind === "banner");
        if (record.config === "seed" && stockInterrupts) {
          expect(banners.length).toBe(Object.keys(record.truth).length);
          for (const death of deaths) expect(death.bannersSeen).toEqual(["interrupt"]);
        } else if (record.config === "seed") {
          expect(banners).toEqual([]);
          expect(deaths.some((d) => d.bannersExpected.length > 0)).toBe(record.case !== "max-requests");
        } else {
          for (const death of deaths)
            expect([death.pid, ...death.bannersSeen.sort()]).toEqual([death.pid, ...death.bannersExpected.sort()]);
        }
      },
    );
  });
});
