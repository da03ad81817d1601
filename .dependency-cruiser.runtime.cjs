// What a command loads when it runs: type-only imports are left out, as the compiled JavaScript has none.
// `npm run deps` checks the main rules (.dependency-cruiser.cjs), then these.
const base = require("./.dependency-cruiser.cjs");

module.exports = {
  forbidden: [
    {
      name: "classify-cli-stays-light",
      comment:
        "npm run classify reads production logs in constant memory (<= 100 MB RSS, issue 10; npm run bench measures it): " +
        "it loads no reporter, Docker client, stack or scenario (through usage.ts's REPORTS_DIR it once loaded all of them: 104 MB)",
      severity: "error",
      from: { path: "^harness/cli/classify\\.ts$" },
      to: { path: "^harness/(report/(write-run-report|html-reporter|junit-reporter)\\.ts$|engine/|stack/|scenario/)", reachable: true },
    },
  ],
  options: { ...base.options, tsPreCompilationDeps: false },
};
