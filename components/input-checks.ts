import * as pulumi from "@pulumi/pulumi";
import { Problem, describeProblem } from "../core/problems";
import { failOnProblems } from "./problems-error";

/**
 * A plain argument's value, or `undefined` when it is not known yet (an Output or a promise, or
 * a list holding one): what a component can check before it registers anything.
 */
export function known<T>(value: pulumi.Input<T> | undefined): T | undefined {
  if (value === undefined || pulumi.Output.isInstance(value) || value instanceof Promise) {
    return undefined;
  }
  if (
    Array.isArray(value) &&
    value.some((v) => pulumi.Output.isInstance(v) || v instanceof Promise)
  ) {
    return undefined;
  }
  return value;
}

/**
 * Checks a component's arguments the way pulumi-eks does: the plain values at once, before the
 * component registers anything (a failure names every problem and nothing is touched), and all
 * values again when those that are Outputs resolve, with the same check and so the same words.
 * A problem already reported at once (a warning) is not reported again.
 */
export class ArgumentCheck {
  private readonly reported: ReadonlySet<string>;

  /** Runs the check on what is known now; throws a `ResourceError` listing every error. */
  constructor(problemsNow: readonly Problem[]) {
    failOnProblems(problemsNow);
    this.reported = new Set(problemsNow.map(describeProblem));
  }

  /** Reports the problems of the resolved values that were not reported at once. */
  onResolve(problems: readonly Problem[], resource: pulumi.Resource): void {
    failOnProblems(
      problems.filter((p) => !this.reported.has(describeProblem(p))),
      resource,
    );
  }
}
