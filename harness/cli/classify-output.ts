import pc from "picocolors";
import type { Severity } from "../classify/causes.ts";
import { type InstanceDeath, nameInstances, type StreamVerdict } from "../classify/classify-stream.ts";
import type { LineShape } from "../logs/line-envelope.ts";
import { describeCounts, paintSeverity } from "../report/format.ts";

/**
 * Where deaths go as they are judged. Up to LISTED of them are held, and printed sorted by time (a table, or
 * the `deaths` of the JSON object). Beyond, memory stays flat whatever the log: `--json` writes each further
 * death as it comes (held ones first), and the table stops listing them (the verdict still counts every one).
 */
export class DeathOutput {
  private readonly held: InstanceDeath[] = [];
  private readonly counts: DeathCounts = { total: 0, bySeverity: { critical: {}, investigate: {}, normal: {} } };
  private streaming = false;
  private unlisted = 0;

  constructor(private readonly json: boolean) {}

  take(death: InstanceDeath): void {
    const causes = this.counts.bySeverity[death.severity];
    causes[death.cause] = (causes[death.cause] ?? 0) + 1;
    this.counts.total++;
    if (!this.streaming && this.held.length < LISTED) {
      this.held.push(death);
      return;
    }
    if (!this.json) {
      this.unlisted++;
      return;
    }
    if (!this.streaming) {
      this.streaming = true;
      process.stdout.write(`{"deaths":[${this.held.sort(byTime).map(deathJson).join(",")}`);
      this.held.length = 0;
    }
    process.stdout.write(`,${deathJson(death)}`);
  }

  /** The read failed: a JSON object already begun is closed, with the error in it, so stdout stays one JSON object. */
  fail(message: string): void {
    if (this.streaming) process.stdout.write(`],"error":${JSON.stringify(message)}}\n`);
  }

  async end(verdict: StreamVerdict): Promise<void> {
    // Deaths already written (beyond the first 1,000, with --json) went out naming their instance as the lines did.
    nameInstances(this.held, verdict.instances);
    this.held.sort(byTime);
    const { lines, inspected, unparsed, access, shapes, unparsedByShape, overlong, gzip, instances, guessedInstance } = verdict;
    if (this.json) {
      const format = { shapes, unparsedByShape, access, overlong, gzip, instances, guessedInstance };
      const rest = JSON.stringify({ unparsed, lines, inspected, format }).slice(1);
      const listed = this.held.map(deathJson).join(",");
      process.stdout.write(this.streaming ? `],${rest}\n` : `{"deaths":[${listed}],${rest}\n`);
      return;
    }
    if (this.held.length > 0) {
      const multi = this.held.some((d) => d.instance !== null);
      const { consoleTable } = await import("../report/table.ts");
      const table = consoleTable([...(multi ? ["instance"] : []), "pid", "time", "cause", "severity", "why"]);
      for (const d of this.held)
        table.push([...(multi ? [d.instance ?? "-"] : []), d.pid, isoOrNull(d.at) ?? "?", d.cause, paintSeverity(d.severity), d.summary]);
      process.stdout.write(`${table.toString()}\n`);
    }
    if (this.unlisted)
      process.stdout.write(
        `${pc.dim(`… and ${this.unlisted} more, not listed (the first ${LISTED} are): --json lists every one, and the verdict counts them`)}\n`,
      );
    process.stdout.write(`${verdictLine(verdict, this.counts)}\n`);
  }
}

/** Deaths listed one by one (and held in memory) at most; the rest are counted, or written as they come with --json. */
const LISTED = 1_000;

interface DeathCounts {
  total: number;
  bySeverity: Record<Severity, Record<string, number>>;
}

const byTime = (a: InstanceDeath, b: InstanceDeath) => a.at - b.at;

function deathJson(d: InstanceDeath): string {
  return JSON.stringify({
    pid: d.pid,
    instance: d.instance,
    cause: d.cause,
    severity: d.severity,
    at: isoOrNull(d.at),
    evidence: d.evidence,
  });
}

function isoOrNull(at: number): string | null {
  return at > 0 ? new Date(at).toISOString() : null;
}

/** "VERDICT critical: 1 timeout · normal: 3 shutdown" — the worst severity first — and what was read, by format. */
function verdictLine(verdict: StreamVerdict, counts: DeathCounts): string {
  const formats = Object.entries(verdict.shapes)
    .map(
      ([shape, n]) =>
        `${n} ${shape}${verdict.unparsedByShape[shape as LineShape] ? ` (${verdict.unparsedByShape[shape as LineShape]} not understood)` : ""}`,
    )
    .join(", ");
  const read = pc.dim(
    `(${verdict.lines} lines read${verdict.gzip ? " from gzip" : ""}, ${verdict.inspected} inspected${formats ? `: ${formats}` : ""}; ` +
      `${verdict.unparsed} not understood${verdict.access ? `, ${verdict.access} access line(s)` : ""}${verdict.overlong ? `; ${verdict.overlong} cut at 1 MiB` : ""}` +
      `${verdict.guessedInstance ? `; ${verdict.guessedInstance} named no instance and were given to the one named last, a guess` : ""})`,
  );
  if (counts.total === 0) return `${pc.bold("VERDICT")} no worker stopped in this log ${read}`;
  const order: Severity[] = ["critical", "investigate", "normal"];
  const parts = order.flatMap((severity) => {
    const causes = counts.bySeverity[severity];
    return Object.keys(causes).length ? [`${paintSeverity(severity)}: ${describeCounts(causes)}`] : [];
  });
  const worst = order.find((s) => Object.keys(counts.bySeverity[s]).length > 0)!;
  const advice = { critical: "workers were killed: read the evidence", investigate: "look into these", normal: "nothing to worry about" }[
    worst
  ];
  const { instances } = verdict;
  const where = instances.length > 1 ? ` in ${instances.length} instances` : instances.length === 1 ? ` in ${instances[0]}` : "";
  return `${pc.bold("VERDICT")} ${counts.total} worker(s) stopped${where} — ${parts.join(" · ")} — ${advice} ${read}`;
}
