import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { capacityReportSchema } from "../capacity/capacity-result.ts";
import { runCliToEnd } from "../testing/run-command.ts";
import { startSyntheticServer } from "../testing/synthetic-server.ts";

describe("npm run capacity --url --json", () => {
  it("prints the result on stdout, writes its reports, and exits 0", async () => {
    await using server = await startSyntheticServer(10);
    const reports = mkdtempSync(join(tmpdir(), "capacity-cli-"));
    const result = await runCliToEnd(
      "capacity",
      ["--url", `${server.url}/work`, "--json", "--budget", "30", "--trial", "2", "--confirm", "3"],
      {
        CHAOS_REPORTS_DIR: reports,
      },
    );
    expect(result.code, result.stderr).toBe(0);
    const report = capacityReportSchema.parse(JSON.parse(result.stdout));
    const [measured] = report.configurations;
    expect(report.requests).toEqual([{ path: "/work", weight: 1 }]);
    expect(measured!.capacityRps).toBeGreaterThan(80);
    expect(measured!.capacityRps).toBeLessThanOrEqual(105);
    expect(measured!.firstFailRps).toBeGreaterThan(measured!.capacityRps);
    const dir = join(reports, `capacity-${report.runId}`);
    for (const file of ["capacity.json", "junit.xml", "report.html"]) expect(existsSync(join(dir, file)), file).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, "capacity.json"), "utf8"))).toEqual(report);
    expect(result.stderr).toMatch(/confirm\s+\d+ req\/s × 3 s: met/);
  });
});
