import { describe, expect, it } from "vitest";
import { REPO_ROOT, runCommand, startCommand } from "./run-command.ts";

const node = (script: string) => [process.execPath, ["-e", script]] as const;

describe("runCommand", () => {
  it("resolves with the exit code and both outputs, colour codes removed, from the repository's root", async () => {
    const [command, args] = node(
      "process.stdout.write('\\u001b[32mgreen\\u001b[39m ' + process.cwd()); process.stderr.write('\\u001b[31mred\\u001b[39m'); process.exit(3)",
    );
    const finished = await runCommand(command, [...args]);
    expect(finished).toMatchObject({ code: 3, signal: null, stdout: `green ${REPO_ROOT.replace(/\/$/, "")}`, stderr: "red" });
    expect(finished.ms).toBeGreaterThan(0);
  });

  it("runs in the folder and with the environment it is given", async () => {
    const [command, args] = node("process.stdout.write(process.cwd() + ' ' + process.env.WHO)");
    const finished = await runCommand(command, [...args], { cwd: "/tmp", env: { ...process.env, WHO: "me" } });
    expect(finished.stdout).toBe("/tmp me");
  });

  it("keeps only the last megabyte of stderr", async () => {
    const [command, args] = node("process.stderr.write('a'.repeat(1024 * 1024) + 'the end')");
    const { stderr } = await runCommand(command, [...args]);
    expect(stderr).toHaveLength(1024 * 1024);
    expect(stderr.endsWith("the end")).toBe(true);
  });

  it("sends the chosen signal when aborted, and still waits for the exit", async () => {
    const [command, args] = node("process.stdout.write('up'); setInterval(() => {}, 1000)");
    const abort = new AbortController();
    const { child, done } = startCommand(command, [...args], { signal: abort.signal, abortWith: "SIGINT" });
    child.stdout!.once("data", () => abort.abort());
    expect(await done).toMatchObject({ code: null, signal: "SIGINT", stdout: "up" });
  });

  it("rejects naming the command when it cannot start", async () => {
    await expect(runCommand("no-such-command-here", ["--flag"])).rejects.toThrow(
      /^could not start no-such-command-here --flag: spawn no-such-command-here ENOENT$/,
    );
  });
});
