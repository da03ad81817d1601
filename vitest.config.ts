import { defineConfig } from "vitest/config";

const exclude = ["**/node_modules/**", "reports/**"];

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["harness/**/*.test.ts", "scenarios/**/*.test.ts"],
          exclude: [...exclude, "**/*.docker.test.ts"],
        },
      },
      {
        test: {
          name: "docker",
          include: ["harness/**/*.docker.test.ts", "scenarios/**/*.docker.test.ts"],
          exclude,
          globalSetup: ["harness/testing/docker-global-setup.ts"],
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
