/** What the capacity report.html's script (capacity-page.js) reads from the page's #capacity-data JSON; capacity-report-html.ts writes it. */
export interface CapacityPageData {
  /** The SLO's p99 limit, ms; null when it sets none (no limit line is drawn). */
  p99Limit: number | null;
  /** One line per configuration measured: p99 against offered rate over its constant-rate trials, and its knee. */
  lines: Array<{
    label: string;
    capacityRps: number;
    points: Array<{ x: number; p99: number; met: boolean; phase: string }>;
  }>;
}
