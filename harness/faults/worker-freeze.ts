import { defineFault, type Fault, faultSchema, whichWorker } from "./define-fault.ts";

/**
 * SIGSTOP to one worker: it stops notifying the master, as a worker whose event loop is blocked does,
 * so the master's timeout takes it, with no help from the app. SIGCONT at teardown, whatever happens.
 */
export const workerFreeze = defineFault({
  schema: faultSchema("worker-freeze", { worker: whichWorker }),
  create: ({ worker }): Fault => {
    let frozen: number | undefined;
    return {
      description: `SIGSTOP to the ${worker} worker: frozen, it stops notifying the master`,
      async inject({ sut, record }) {
        const pid = await sut.app.pickWorker(worker);
        record({ action: "worker-freeze", target: "worker", pid, signal: "SIGSTOP", detail: "SIGSTOP: frozen until teardown" });
        frozen = pid;
        await sut.app.signalWorker(pid, "STOP");
      },
      /** SIGCONT, in case it still lives (the master usually killed it long before). */
      async revert({ sut }) {
        if (frozen !== undefined) await sut.app.signalWorker(frozen, "CONT").catch(() => undefined);
      },
    };
  },
});
