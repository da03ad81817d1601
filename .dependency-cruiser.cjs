// The harness's layers, top to bottom (docs/architecture.md). A folder may import only from layers
// below its own; folders on one layer do not import each other. Tests may import anything.
const LAYERS = [
  ["cli", "testing"],
  ["docs"],
  ["nightly", "bench", "github"],
  ["report"],
  ["baseline"],
  ["scenario", "capacity", "corpus", "doctor", "init"],
  ["faults", "classify"],
  ["stack"],
  ["target"],
  ["balancer"],
  ["control", "logs", "load", "images", "proxy"],
  ["cleanup"],
  ["engine", "events"],
  ["core"],
];

const TESTS = "\\.test\\.ts$";
const folders = (names) => `^harness/(${names.join("|")})/`;

const layerRules = LAYERS.flatMap((layer, index) =>
  layer.map((folder) => {
    const above = LAYERS.slice(0, index).flat();
    const peers = layer.filter((other) => other !== folder);
    return {
      name: `layer-${folder}`,
      comment: `harness/${folder}/ may import only from the layers below it (${LAYERS.slice(index + 1).flat().join(", ") || "none"})`,
      severity: "error",
      from: { path: `^harness/${folder}/`, pathNot: TESTS },
      to: { path: folders([...above, ...peers]) },
    };
  }),
).filter((rule) => rule.to.path !== "^harness/()/");

module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: "classify-is-pure",
      comment: "the classifier reads events and log lines; it never touches Docker, a stack or the load",
      severity: "error",
      from: { path: "^harness/classify/", pathNot: TESTS },
      to: { path: folders(["engine", "cleanup", "control", "stack", "load"]) },
    },
    {
      name: "scenarios-are-data",
      comment: "a scenario file only describes a scenario",
      severity: "error",
      from: { path: "^scenarios/", pathNot: TESTS },
      to: { path: "^harness/", pathNot: "^harness/scenario/define-scenario\\.ts$" },
    },
    {
      name: "targets-are-data",
      comment: "a target file only declares a target",
      severity: "error",
      from: { path: "\\.target\\.ts$" },
      to: { path: "^harness/", pathNot: "^harness/target/define-target\\.ts$" },
    },
    {
      name: "no-test-helpers-in-the-harness",
      severity: "error",
      from: { path: "^harness/", pathNot: `${TESTS}|^harness/testing/` },
      to: { path: "^harness/testing/" },
    },
    {
      name: "no-circular",
      severity: "error",
      from: {},
      to: { circular: true },
    },
    {
      name: "no-unresolvable",
      severity: "error",
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    includeOnly: "^(harness|scenarios|docker|examples)/",
  },
};
