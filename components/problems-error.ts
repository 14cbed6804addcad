import * as pulumi from "@pulumi/pulumi";
import { Problem, describeProblem, errorsOf } from "../core/problems";

/**
 * Reports problems the Pulumi way: warnings through `pulumi.log.warn`, and every error at once in
 * one `pulumi.ResourceError`, so `pulumi preview` stops before anything is touched and the operator
 * sees all there is to fix, not only the first.
 */
export function failOnProblems(problems: readonly Problem[], resource?: pulumi.Resource): void {
  for (const p of problems.filter((q) => q.severity === "warning")) {
    void pulumi.log.warn(describeProblem(p), resource);
  }
  const errors = errorsOf(problems);
  if (errors.length === 0) return;
  const lines = errors.map((p) => `  - ${describeProblem(p)}`);
  const noun = errors.length === 1 ? "problem" : "problems";
  throw new pulumi.ResourceError(
    `distributed-consul found ${errors.length} configuration ${noun}:\n${lines.join("\n")}`,
    resource,
    true,
  );
}
