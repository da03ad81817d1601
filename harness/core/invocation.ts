/**
 * How the user runs a command, for usage lines and for the fixes error messages suggest: in this repository
 * `npm run scenario -- --list`, from the installed package `npx chaos-harness scenario --list`. The package's
 * bin (harness/cli/chaos-harness.ts) says which before it loads a command.
 */
let bin: string | undefined;

/** Called by the package's bin: from now on commands are shown as `npx <name> <command>`. */
export function invokedThrough(name: string): void {
  bin = name;
}

/** Whether the package's bin runs this command (a team's repository), not `npm run` in this one. */
export function invokedThroughBin(): boolean {
  return bin !== undefined;
}

/** The command line that runs `command` (an npm script name: scenario, nightly:merge) with `args`. */
export function commandLine(command: string, args = ""): string {
  if (bin) return [`npx ${bin}`, command, args].filter(Boolean).join(" ");
  // npm passes plain arguments on; options need `--` before them, or npm takes them for its own.
  if (!args) return `npm run ${command}`;
  return args.split(" ").some((arg) => arg.startsWith("-")) ? `npm run ${command} -- ${args}` : `npm run ${command} ${args}`;
}

/** The program name a command's --help shows: `npm run scenario --`, or `chaos-harness scenario`. */
export function programName(command: string): string {
  return bin ? `${bin} ${command}` : `npm run ${command} --`;
}
