import junitModule, { type Builder } from "junit-report-builder";

/**
 * junit-report-builder, for junit.xml (a run's, a nightly's, the capacity report's). The package's types
 * describe its `exports.default`; Node's ESM default import is `module.exports`, which is the builder itself.
 */
export const junit = junitModule as unknown as Builder;
