// Which resources an `up` waited on, one after the other: from the engine's resource events (when
// each step began and ended) and the stack's state (what each resource depended on). Pure.

/** When the engine began and ended the steps of one resource, in ms since `up` was called. */
export interface ResourceSpan {
  readonly urn: string;
  /** The step operations seen, in order (`create`, `delete-replaced`, `create-replacement`, …). */
  readonly ops: readonly string[];
  /** The first step's pre event. */
  readonly start: number;
  /**
   * The last step's pre event, when there are several (a replacement). Default: `start`.
   * @default start
   */
  readonly lastStart?: number;
  /** The last step's outputs event; `undefined` if none came (a failed step). */
  readonly end?: number;
}

/** What one resource of the state waited for before its step could begin. */
export interface ResourceLinks {
  readonly urn: string;
  /** A custom resource (or provider); `false` for a component. */
  readonly custom: boolean;
  readonly parent?: string;
  /** Resources it depends on (inputs and `dependsOn`); components stand for their resources. */
  readonly dependencies: readonly string[];
  /** Its provider's URN. */
  readonly provider?: string;
}

/** One resource on the critical path. */
export interface PathStep extends ResourceSpan {
  readonly end: number;
  /** ms between the end of the resource it waited for (or the call) and its start. */
  readonly gap: number;
}

/** The URN part of a provider reference (`<urn>::<id>`). */
export function providerUrn(reference: string): string {
  return reference.slice(0, reference.lastIndexOf("::"));
}

/** `type name` of a URN, for reading. */
export function shortName(urn: string): string {
  const parts = urn.split("::");
  const type = (parts[parts.length - 2] ?? "").split("$").pop() ?? "";
  return `${type} ${parts[parts.length - 1]}`;
}

/**
 * What each resource effectively waited for: its own dependencies and provider, and those of its
 * ancestors (a child is registered only once its parent's `dependsOn` is done), with every
 * component replaced by the custom resources under it.
 */
export function effectiveDependencies(links: readonly ResourceLinks[]): Map<string, Set<string>> {
  const byUrn = new Map(links.map((l) => [l.urn, l]));
  const children = new Map<string, string[]>();
  for (const l of links) {
    if (l.parent) children.set(l.parent, [...(children.get(l.parent) ?? []), l.urn]);
  }
  const customUnder = (urn: string, seen = new Set<string>()): string[] => {
    if (seen.has(urn)) return [];
    seen.add(urn);
    const link = byUrn.get(urn);
    if (link?.custom) return [urn];
    return (children.get(urn) ?? []).flatMap((c) => customUnder(c, seen));
  };
  const result = new Map<string, Set<string>>();
  for (const l of links) {
    const direct = new Set<string>();
    for (
      let at: ResourceLinks | undefined = l;
      at;
      at = at.parent ? byUrn.get(at.parent) : undefined
    ) {
      for (const d of at.dependencies) direct.add(d);
      if (at === l && at.provider) direct.add(at.provider);
    }
    result.set(l.urn, new Set([...direct].flatMap((d) => customUnder(d))));
  }
  return result;
}

/**
 * The chain of resources that ended last: starting from the resource whose step ended last,
 * each predecessor is the dependency that ended last before it. First resource first.
 */
export function criticalPath(
  spans: ReadonlyMap<string, ResourceSpan>,
  links: readonly ResourceLinks[],
): PathStep[] {
  const dependencies = effectiveDependencies(links);
  const custom = new Set(links.filter((l) => l.custom).map((l) => l.urn));
  // Components end when their outputs resolve, which says nothing of their own: only custom
  // resources (and providers) are on the path.
  const ended = [...spans.values()].filter(
    (s): s is ResourceSpan & { end: number } => s.end !== undefined && custom.has(s.urn),
  );
  if (ended.length === 0) return [];
  let current = ended.reduce((a, b) => (b.end > a.end ? b : a));
  const path: PathStep[] = [];
  for (;;) {
    const before = [...(dependencies.get(current.urn) ?? [])]
      .map((urn) => spans.get(urn))
      .filter((s): s is ResourceSpan & { end: number } => s?.end !== undefined)
      .filter((s) => s.end <= current.end);
    const predecessor =
      before.length === 0 ? undefined : before.reduce((a, b) => (b.end > a.end ? b : a));
    // A dependent of a replaced resource is deleted early and made again late: what it waited
    // for then is its last step.
    const after = predecessor?.end ?? 0;
    const start = current.start >= after ? current.start : (current.lastStart ?? current.start);
    path.unshift({ ...current, start, gap: start - after });
    if (!predecessor) return path;
    current = predecessor;
  }
}
