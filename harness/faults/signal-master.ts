import type { MasterSignal } from "../control/signals.ts";
import type { Fault, FaultContext } from "./fault.ts";

const MEANING: Partial<Record<MasterSignal, string>> = {
  TERM: "a deploy: graceful shutdown",
  HUP: "a reload: new workers, old ones stopped",
  TTOU: "scale down by one worker",
  TTIN: "scale up by one worker",
  INT: "quick shutdown",
  QUIT: "quick shutdown",
};

/** A signal to the gunicorn master, as a platform sends it on deploy, reload or scaling. */
export class SignalMasterFault implements Fault {
  constructor(private readonly signal: MasterSignal) {}

  get description(): string {
    return `SIG${this.signal} to the master${MEANING[this.signal] ? ` (${MEANING[this.signal]})` : ""}`;
  }

  async inject({ stack, record }: FaultContext): Promise<void> {
    record({ action: "signal-master", target: "master", signal: `SIG${this.signal}` });
    await stack.signalMaster(this.signal);
  }
}
