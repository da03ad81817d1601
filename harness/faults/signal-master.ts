import type { MasterSignal } from "../control/signals.ts";
import type { StartedStack } from "../stack/started-stack.ts";
import type { Fault } from "./fault.ts";

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

  async inject(stack: StartedStack): Promise<void> {
    await stack.signalMaster(this.signal);
  }
}
