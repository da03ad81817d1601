import { defineConfig } from "vitest/config";

const exclude = ["**/node_modules/**", "reports/**"];

export default defineConfig({
  test: {
    // Two workers: the unit tests, last, two files at a time (38 s instead of 65 s here). Every project that starts
    // containers or measures time says fileParallelism: false, and runs one file at a time as before.
    maxWorkers: 2,
    projects: [
      {
        test: {
          name: "unit",
          include: ["harness/**/*.test.ts", "scenarios/**/*.test.ts"],
          // The CLI tests start a node each; two files at a time on 2 cores, one can take over 5 s.
          testTimeout: 15_000,
          exclude: [...exclude, "**/*.docker.test.ts", "**/*.timing.test.ts", "**/*.soak.test.ts"],
          // Last, alone: two unit files at a time beside a scenario would slow its timing.
          sequence: { groupOrder: 3 },
        },
      },
      {
        // Measurements against a server of known capacity (the load generator, the capacity search): they run
        // first, one file at a time, on a machine not yet busy with the other tests and their containers.
        test: {
          name: "timing",
          include: ["harness/**/*.timing.test.ts"],
          exclude,
          fileParallelism: false,
          testTimeout: 120_000,
          sequence: { groupOrder: 0 },
        },
      },
      {
        // The same against real containers (the demo's capacity): next, alone, before the others load the machine.
        test: {
          name: "timing-docker",
          include: ["harness/**/*.timing.docker.test.ts"],
          exclude,
          globalSetup: ["harness/testing/docker-global-setup.ts"],
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 180_000,
          sequence: { groupOrder: 1 },
        },
      },
      {
        test: {
          name: "docker",
          include: ["harness/**/*.docker.test.ts", "scenarios/**/*.docker.test.ts"],
          exclude: [...exclude, "**/*.timing.docker.test.ts"],
          globalSetup: ["harness/testing/docker-global-setup.ts"],
          fileParallelism: false,
          sequence: { groupOrder: 2 },
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
