import { z } from "zod";
import { sleep } from "../core/poll-until.ts";
import { defineFault, type Fault, faultSchema } from "./define-fault.ts";
import { DEPLOY_PROFILE_NAMES, type DeployProfile, deployProfile } from "./deploy-profiles.ts";

/**
 * A deploy as platforms run it: each old replica in turn is replaced by a new one behind the balancer.
 * A round starts the new replica, waits for its workers and its health check on the balancer, then stops
 * the old one as the profile says (routing change and SIGTERM in the profile's order, SIGKILL after its
 * grace period), and removes it. Every step is recorded as it starts, so users' errors can be traced to it.
 */
export const rollingDeploy = defineFault({
  schema: faultSchema("rolling-deploy", {
    /** How the platform replaces each replica (harness/faults/deploy-profiles.ts). */
    profile: z.enum(DEPLOY_PROFILE_NAMES).default("render"),
    /** Kubernetes' preStop sleep, seconds. */
    preStopS: z.number().min(0).max(300).optional(),
    /** How long the routing change takes to reach the balancer (kubernetes, naive), seconds. */
    routingLagS: z.number().min(0).max(60).optional(),
    /** Seconds between SIGTERM and SIGKILL. */
    graceS: z.number().positive().max(600).optional(),
  }),
  needs: "replicas",
  create: (spec) => deployFault(deployProfile(spec.profile, spec)),
});

function deployFault(profile: DeployProfile): Fault {
  return {
    description: `rolling deploy (${profile.name}): ${profile.steps.join(", ")}`,
    async inject({ sut, signal, record, step }) {
      const replicas = sut.replicaSet;
      if (!replicas) throw new Error("rolling-deploy needs replicas behind the balancer: give the scenario stack.replicas (or --replicas)");
      const { api } = replicas;
      for (const [index, old] of replicas.instances().entries()) {
        const round = index + 1;
        signal.throwIfAborted();
        step({ round, action: "start", instance: old, detail: `start a new replica to replace ${old}` });
        const fresh = await replicas.launch();
        step({
          round,
          action: "enable",
          instance: fresh,
          detail: `${fresh} ready; enable it on the balancer, routed once its health check passes`,
        });
        await api.setServer(fresh, "ready");
        if (!(await api.waitUntilUp(fresh, 10_000, signal)))
          throw new Error(`the balancer never saw ${fresh} pass its health check within 10 s`);
        step({ round, action: "healthy", instance: fresh, detail: `${fresh} passed its health check and takes traffic` });

        const routing = async () => {
          if (profile.routing.kind === "lag") {
            await sleep(profile.routing.lagS * 1000, signal);
            step({
              round,
              action: "unready",
              instance: old,
              detail: `the routing change reaches the balancer: ${old} gets no new request`,
            });
          } else {
            step({ round, action: "drain", instance: old, detail: `drain ${old}: no new request, those in progress finish` });
          }
          await api.setServer(old, "drain");
        };
        const stopping = async () => {
          if (profile.sigtermAfterS > 0) {
            step({ round, action: "pre-stop", instance: old, detail: `preStop: sleep ${profile.sigtermAfterS} s before SIGTERM` });
            await sleep(profile.sigtermAfterS * 1000, signal);
          }
          signal.throwIfAborted();
          const routed = profile.routing.kind === "before-sigterm" ? "" : " (the router still sends it requests)";
          step({ round, action: "sigterm", instance: old, detail: `SIGTERM to ${old}'s master${routed}` });
          record({ action: "signal-master", target: "master", signal: "SIGTERM", instance: old, detail: "SIGTERM" });
          await replicas.signal(old, "TERM");
          const exited = await replicas.waitForExit(old, profile.graceS * 1000, signal);
          if (!exited && !signal.aborted) {
            step({ round, action: "sigkill", instance: old, detail: `${old} outlived the ${profile.graceS} s grace period: SIGKILL` });
            record({ action: "signal-master", target: "master", signal: "SIGKILL", instance: old, detail: "SIGKILL" });
            await replicas.signal(old, "KILL");
            await replicas.waitForExit(old, 10_000, signal);
          }
        };
        if (profile.routing.kind === "before-sigterm") {
          await routing();
          await stopping();
        } else {
          await Promise.all([routing(), stopping()]);
        }
        signal.throwIfAborted();
        step({ round, action: "exited", instance: old, detail: `${old} has exited; taken out of the balancer and removed` });
        await api.setServer(old, "maint");
        await replicas.remove(old);
      }
    },
  };
}
