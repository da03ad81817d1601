import { defineConfig } from "vitest/config";

const exclude = ["**/node_modules/**", "reports/**"];

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["harness/**/*.test.ts", "scenarios/**/*.test.ts"],
          exclude: [...exclude, "**/*.docker.test.ts", "**/*.timing.test.ts"],
          sequence: { groupOrder: 1 },
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
        test: {
          name: "docker",
          include: ["harness/**/*.docker.test.ts", "scenarios/**/*.docker.test.ts"],
          exclude,
          globalSetup: ["harness/testing/docker-global-setup.ts"],
          sequence: { groupOrder: 1 },
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
