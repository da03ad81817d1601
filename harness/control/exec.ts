import { PassThrough } from "node:stream";
import type Docker from "dockerode";

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs a command inside a running container and collects its demultiplexed output. */
export async function execIn(docker: Docker, container: Docker.Container, command: string[]): Promise<ExecResult> {
  const exec = await container.exec({ Cmd: command, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: false });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const stdout = new PassThrough().on("data", (c: Buffer) => out.push(c));
  const stderr = new PassThrough().on("data", (c: Buffer) => err.push(c));
  docker.modem.demuxStream(stream, stdout, stderr);
  await new Promise<void>((resolve, reject) => {
    stream.on("end", resolve);
    stream.on("close", resolve);
    stream.on("error", reject);
  });
  const { ExitCode } = await exec.inspect();
  return { exitCode: ExitCode ?? -1, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
}

/** Starts a command inside a running container and returns at once (it runs on, bounded by itself). */
export async function startIn(container: Docker.Container, command: string[]): Promise<void> {
  const exec = await container.exec({ Cmd: command, AttachStdout: false, AttachStderr: false });
  await exec.start({ Detach: true });
}
