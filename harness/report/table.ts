import Table from "cli-table3";
import pc from "picocolors";

/** A console table that is coloured only where colour is supported (cli-table3 would colour a pipe too). */
export function consoleTable(head: string[]): InstanceType<typeof Table> {
  const style = pc.isColorSupported ? { head: ["cyan"], border: ["grey"] } : { head: [], border: [] };
  return new Table({ head, style });
}
