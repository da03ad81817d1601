import { removeAllContainers } from "./container-registry.ts";
import { stopReaper } from "./reaper.ts";

/**
 * A command's last step, whatever its exit code: removes the containers this process still has, then its reaper,
 * and returns once the engine lists neither (a CI step that looks for leftovers right after finds none).
 * Returns what could not be removed.
 */
export async function removeEverythingBeforeExit(): Promise<Error[]> {
  const errors = await removeAllContainers();
  await stopReaper().catch((error: Error) => errors.push(error));
  return errors;
}
