import type { Fault, FaultContext } from "./fault.ts";

/** One request that causes the fault from inside the app (/block, /alloc, /slow, /db/sync), sent to a known worker. */
export class RequestFault implements Fault {
  constructor(
    private readonly path: string,
    private readonly timeoutS: number,
  ) {}

  get description(): string {
    return `GET ${this.path} on one worker`;
  }

  async inject({ stack, record }: FaultContext): Promise<void> {
    const { pid } = await stack.sendPinnedRequest(this.path, this.timeoutS * 1000);
    record({ action: "request", target: "worker", pid, path: this.path });
  }
}
