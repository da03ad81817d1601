import pc from "picocolors";

/**
 * Progress on stderr (stdout stays for results): one line per step, with its duration; on a terminal a
 * live status line that rewrites itself, elsewhere (CI logs) the status is printed at most every 5 s.
 */
export class Progress {
  private statusShown = false;
  private lastPlainStatus = 0;

  constructor(
    private readonly out: NodeJS.WriteStream = process.stderr,
    private readonly quiet = false,
  ) {}

  private get live(): boolean {
    return Boolean(this.out.isTTY) && !process.env.CI;
  }

  info(message: string): void {
    if (this.quiet) return;
    this.clearStatus();
    this.out.write(`${message}\n`);
  }

  warn(message: string): void {
    this.clearStatus();
    this.out.write(`${pc.yellow("!")} ${message}\n`);
  }

  status(text: string): void {
    if (this.quiet) return;
    if (this.live) {
      this.out.write(`\r\x1b[2K${pc.dim(text)}`);
      this.statusShown = true;
    } else if (Date.now() - this.lastPlainStatus >= 5_000) {
      this.lastPlainStatus = Date.now();
      this.out.write(`  … ${text}\n`);
    }
  }

  clearStatus(): void {
    if (this.statusShown) {
      this.out.write("\r\x1b[2K");
      this.statusShown = false;
    }
  }

  async step<T>(title: string, work: () => Promise<T>): Promise<T> {
    const started = Date.now();
    this.info(`${pc.cyan("▸")} ${title}`);
    const ticker = setInterval(() => this.status(`${title} (${seconds(Date.now() - started)})`), 1_000);
    try {
      const result = await work();
      clearInterval(ticker);
      this.info(`${pc.green("✓")} ${title} ${pc.dim(`(${seconds(Date.now() - started)})`)}`);
      return result;
    } catch (error) {
      clearInterval(ticker);
      this.clearStatus();
      if (!this.quiet) this.out.write(`${pc.red("✗")} ${title} ${pc.dim(`(${seconds(Date.now() - started)})`)}\n`);
      throw error;
    }
  }
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
