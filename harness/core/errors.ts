/** Exit codes of every harness command (documented in the README); 4 is a bug in the harness (cli/run-cli.ts). */
export const ExitCode = {
  ok: 0,
  expectationFailed: 1,
  usage: 2,
  environment: 3,
  /** The run happened but judged nothing: the load generator lagged its schedule, or the timing race was not hit. */
  inconclusive: 5,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** An error the harness expects and explains: a stable code, a message that says what to do, an exit code. */
export class HarnessError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly exitCode: ExitCode,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad input from the user: unknown scenario, bad option, invalid scenario file. Exit 2. */
export class UsageError extends HarnessError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, ExitCode.usage, options);
  }
}

/** The run cannot happen: no Docker engine, an image build failed, the target's app did not start. Exit 3. */
export class EnvironmentError extends HarnessError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, ExitCode.environment, options);
  }
}

/** The run could not judge the app (the load generator lagged its schedule: it measured itself). Exit 5. */
export class InconclusiveError extends HarnessError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, ExitCode.inconclusive, options);
  }
}

/** Ctrl-C or SIGTERM: the run stopped on purpose; exit 130 or 143. */
export class InterruptedError extends Error {
  constructor(readonly signal: NodeJS.Signals) {
    super(`Interrupted by ${signal}`);
    this.name = "InterruptedError";
  }
  get exitCode(): number {
    return this.signal === "SIGINT" ? 130 : 143;
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
