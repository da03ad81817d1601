// Test helper: boots a stack, announces its run id, then waits to be killed (and gives up by itself after 2 minutes).
import { newRunContext } from "../cleanup/run-context.ts";
import { Stack } from "../stack/stack.ts";

const run = newRunContext("hold-stack");
const stack = await new Stack({ workers: 1 }).start({ run });
process.stdout.write(`READY ${run.runId}\n`);
setTimeout(async () => {
  await stack.stop();
  process.exit(0);
}, 120_000);
