import type Docker from "dockerode";
import type { ServerSlot } from "../balancer/haproxy-config.ts";
import type { BalancerApi } from "../balancer/runtime-api.ts";
import { removeContainer } from "../cleanup/container-registry.ts";
import type { MasterSignal } from "../control/signals.ts";
import { signalMaster } from "../control/signals.ts";
import { pollUntil } from "../core/poll-until.ts";
import type { AppLauncher, AppReplica } from "./app-launcher.ts";

interface ReplicaParts {
  docker: Docker;
  /** The app containers running now, oldest first (shared with the stack, which acts on the first). */
  replicas: AppReplica[];
  /** Every app container started, removed or not: the stack's teardown removes what is left. */
  everyReplica: AppReplica[];
  launcher: AppLauncher;
  slots: ServerSlot[];
  api: BalancerApi;
}

/** The replicas behind HAProxy, and its runtime API: what a rolling deploy drives. */
export class ReplicaSet {
  constructor(private readonly parts: ReplicaParts) {}

  get api(): BalancerApi {
    return this.parts.api;
  }

  /** The replicas running now, oldest first (`web-1`…). */
  instances(): string[] {
    return this.parts.replicas.map((r) => r.instance!);
  }

  /**
   * Boots a new replica in the next free server slot (in maintenance on the balancer until enabled) and
   * resolves with its name once its workers are ready. Fails when every slot has been used.
   */
  async launch(): Promise<string> {
    const used = new Set(this.parts.everyReplica.map((r) => r.instance));
    const slot = this.parts.slots.find((s) => !used.has(s.name));
    if (!slot) throw new Error(`no free replica slot: the balancer was configured with ${this.parts.slots.length}`);
    const replica = await this.parts.launcher.launch(slot.port, slot.name);
    this.parts.everyReplica.push(replica);
    this.parts.replicas.push(replica);
    return slot.name;
  }

  /** Sends a signal to one replica's gunicorn master (as a platform stops an instance). */
  async signal(instance: string, signal: MasterSignal): Promise<void> {
    await signalMaster(this.containerOf(instance), signal);
  }

  /** Waits until one replica's container has stopped: true, or false on timeout. */
  async waitForExit(instance: string, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    const container = this.containerOf(instance);
    const exited = await pollUntil(async () => ((await container.inspect()).State.Running ? undefined : true), {
      timeoutMs,
      intervalMs: 100,
      signal,
    });
    return exited === true;
  }

  /** Removes a stopped replica's container (its log stream has ended) and forgets it. */
  async remove(instance: string): Promise<void> {
    const replica = this.replica(instance);
    await removeContainer(replica.container.getId());
    this.parts.replicas.splice(this.parts.replicas.indexOf(replica), 1);
  }

  private replica(instance: string): AppReplica {
    const found = this.parts.replicas.find((r) => r.instance === instance);
    if (!found) throw new Error(`no running replica named ${instance} (running: ${this.instances().join(", ")})`);
    return found;
  }

  private containerOf(instance: string): Docker.Container {
    return this.parts.docker.getContainer(this.replica(instance).container.getId());
  }
}
