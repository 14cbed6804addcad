/** One thing wrong (or risky) with the requested topology, tied to the key that causes it. */
export interface Problem {
  /** `error` stops the deployment; `warning` is reported and the deployment goes on. */
  readonly severity: "error" | "warning";
  /** The config key or argument that causes it, e.g. `distributed-consul:hostAddress`. */
  readonly key: string;
  /** What is wrong and how to fix it, in one sentence or two. */
  readonly message: string;
}

/** An error {@link Problem}. */
export function error(key: string, message: string): Problem {
  return { severity: "error", key, message };
}

/** A warning {@link Problem}. */
export function warning(key: string, message: string): Problem {
  return { severity: "warning", key, message };
}

/** The text a problem is reported with: `<key>: <message>`. */
export function describeProblem(problem: Problem): string {
  return `${problem.key}: ${problem.message}`;
}

/** Only the errors of a list of problems. */
export function errorsOf(problems: readonly Problem[]): Problem[] {
  return problems.filter((p) => p.severity === "error");
}
