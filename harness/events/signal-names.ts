/** Linux signal numbers as gunicorn 20.1 prints them ("terminated due to signal 9"). */
const SIGNAL_NAMES: Record<number, string> = {
  1: "SIGHUP",
  2: "SIGINT",
  3: "SIGQUIT",
  4: "SIGILL",
  5: "SIGTRAP",
  6: "SIGABRT",
  7: "SIGBUS",
  8: "SIGFPE",
  9: "SIGKILL",
  10: "SIGUSR1",
  11: "SIGSEGV",
  12: "SIGUSR2",
  13: "SIGPIPE",
  14: "SIGALRM",
  15: "SIGTERM",
  17: "SIGCHLD",
  18: "SIGCONT",
  19: "SIGSTOP",
  20: "SIGTSTP",
  21: "SIGTTIN",
  22: "SIGTTOU",
  24: "SIGXCPU",
  25: "SIGXFSZ",
  28: "SIGWINCH",
};

export function signalName(signalNumber: number): string {
  return SIGNAL_NAMES[signalNumber] ?? `SIG${signalNumber}`;
}

/** "term", "SIGTERM", "TERM" → "SIGTERM". */
export function normalizeSignal(name: string): string {
  const upper = name.trim().toUpperCase();
  return upper.startsWith("SIG") ? upper : `SIG${upper}`;
}
