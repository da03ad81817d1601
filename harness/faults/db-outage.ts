import { defineFault, type Fault, type FaultContext, faultSchema, windowS } from "./define-fault.ts";

/** Postgres stops mid-load (the app's connections break, new ones are refused) and starts again `forS` later. */
export const dbOutage = defineFault({
  schema: faultSchema("db-outage", { forS: windowS }),
  needs: "database",
  create: ({ forS }): Fault => {
    let restart: Promise<void> | undefined;
    let timer: NodeJS.Timeout | undefined;
    let down = false;
    /** Starts Postgres again if it is still down, and waits for it either way. */
    const startAgain = ({ sut, record }: FaultContext): Promise<void> => {
      clearTimeout(timer);
      if (!down || !sut.database) return Promise.resolve();
      restart ??= sut.database.start().then(() => record({ action: "db-restored", target: "database", detail: "db-outage over" }));
      return restart;
    };
    return {
      description: `Postgres stopped for ${forS} s, then started again`,
      async inject(context) {
        const { sut, record } = context;
        if (!sut.database) throw new Error(`db-outage needs the harness's database in target ${sut.targetName}`);
        record({ action: "db-outage", target: "database", detail: `Postgres stopped for ${forS} s` });
        down = true;
        await sut.database.stop();
        timer = setTimeout(() => void startAgain(context).catch(() => undefined), forS * 1000);
      },
      revert: startAgain,
    };
  },
});
