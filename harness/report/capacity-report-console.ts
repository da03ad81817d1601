import type { CapacityRunReport, Reporter } from "./reporter.ts";

/** The human summary of a capacity run on stdout: each configuration's capacity, each comparison's verdict, the status. Writes no file. */
export class CapacityConsoleReporter implements Reporter {
  constructor(private readonly out: NodeJS.WritableStream = process.stdout) {}

  onCapacityEnd({ report }: CapacityRunReport): undefined {
    const lines = report.configurations.map((c) => {
      const at = c.atCapacity
        ? ` — at it: p99 ${c.atCapacity.latencyMs.p99} ms, ${c.atCapacity.achievedRps}/${c.atCapacity.offeredRps} req/s answered`
        : "";
      return `${c.label.padEnd(28)} ${c.error ? `ERROR ${c.error}` : `${c.capacityRps} req/s (first failure: ${c.firstFailRps ?? "none"})${at}; limit: ${c.limiting.summary}; ${c.confidence} confidence`}\n`;
    });
    for (const c of report.comparison?.byConfiguration ?? []) lines.push(`${c.configuration}: ${c.verdict}\n`);
    lines.push(`${report.status.toUpperCase()}: ${report.summary}\n`);
    this.out.write(lines.join(""));
    return undefined;
  }
}
