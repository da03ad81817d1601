import { EventLog } from "../events/event-log.ts";
import { RunLogs } from "../logs/run-logs.ts";

/** What a run saw: its events and every raw log line. Outlives the stack, so a failed boot is still evidence. */
export class Observations {
  readonly events = new EventLog();
  readonly logs = new RunLogs(this.events);
}
