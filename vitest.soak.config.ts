import { defineConfig } from "vitest/config";

// npm run test:soak: the long soak, opt-in, never part of npm test (docs/testing.md).
export default defineConfig({
  test: {
    include: ["harness/**/*.soak.test.ts"],
    globalSetup: ["harness/testing/docker-global-setup.ts"],
    testTimeout: 900_000,
  },
});
