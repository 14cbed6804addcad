import * as assert from "assert";
import {
  ResourceLinks,
  ResourceSpan,
  criticalPath,
  effectiveDependencies,
  providerUrn,
} from "../bench/critical-path";

const urn = (type: string, name: string): string => `urn:pulumi:s::p::${type}::${name}`;
const IMAGE = urn("docker:index/remoteImage:RemoteImage", "image");
const AGENT = urn("docker:index/container:Container", "global-agent");
const COMPONENT = urn("distributed-consul:index:ConsulAclToken", "token");
const PROVIDER = urn("pulumi:providers:consul", "token-consul");
const TOKEN = urn("consul:index/aclToken:AclToken", "token-token");
const SERVICE = urn("docker:index/container:Container", "service");

/** A token component that depends on the agent; its provider and token are its children. */
const LINKS: ResourceLinks[] = [
  { urn: IMAGE, custom: true, dependencies: [] },
  { urn: AGENT, custom: true, dependencies: [IMAGE] },
  { urn: COMPONENT, custom: false, dependencies: [AGENT] },
  { urn: PROVIDER, custom: true, parent: COMPONENT, dependencies: [] },
  { urn: TOKEN, custom: true, parent: COMPONENT, dependencies: [], provider: PROVIDER },
  { urn: SERVICE, custom: true, dependencies: [] },
];

const span = (at: string, start: number, end?: number): [string, ResourceSpan] => [
  at,
  { urn: at, ops: ["create"], start, end },
];

describe("bench:up critical path (pure)", () => {
  it("reads a provider reference's URN", () => {
    assert.strictEqual(providerUrn(`${PROVIDER}::4f3a`), PROVIDER);
  });

  it("lets a child wait for its ancestors' dependencies, components standing for their resources", () => {
    const deps = effectiveDependencies([
      ...LINKS,
      { urn: "outer", custom: false, dependencies: [COMPONENT] },
      { urn: "inner", custom: true, parent: "outer", dependencies: [] },
    ]);
    assert.deepStrictEqual([...(deps.get(TOKEN) ?? [])].sort(), [AGENT, PROVIDER].sort());
    assert.deepStrictEqual([...(deps.get("inner") ?? [])].sort(), [PROVIDER, TOKEN].sort());
    assert.deepStrictEqual([...(deps.get(SERVICE) ?? [])], []);
  });

  it("walks back from the resource that ended last through what ended last before each", () => {
    const spans = new Map([
      span(IMAGE, 100, 200),
      span(AGENT, 250, 9000),
      span(COMPONENT, 9100, 9900),
      span(PROVIDER, 9200, 9300),
      span(TOKEN, 9400, 9800),
      // Ends early: not on the path although it has no dependency.
      span(SERVICE, 300, 1200),
    ]);
    const path = criticalPath(spans, LINKS);
    assert.deepStrictEqual(
      path.map((s) => [s.urn, s.gap]),
      [
        [IMAGE, 100],
        [AGENT, 50],
        [PROVIDER, 200],
        [TOKEN, 100],
      ],
    );
  });

  it("starts a dependent that was deleted early and made again late at its last step", () => {
    const spans = new Map<string, ResourceSpan>([
      span(IMAGE, 0, 100),
      span(AGENT, 150, 9000),
      [
        SERVICE,
        {
          urn: SERVICE,
          ops: ["delete-replaced", "create-replacement"],
          start: 200,
          lastStart: 9100,
          end: 9600,
        },
      ],
    ]);
    const links = LINKS.map((l) => (l.urn === SERVICE ? { ...l, dependencies: [AGENT] } : l));
    const last = criticalPath(spans, links).at(-1);
    assert.deepStrictEqual([last?.urn, last?.start, last?.gap], [SERVICE, 9100, 100]);
  });

  it("leaves components and steps that never ended off the path", () => {
    const spans = new Map([span(IMAGE, 0, 100), span(AGENT, 150), span(COMPONENT, 200, 5000)]);
    assert.deepStrictEqual(
      criticalPath(spans, LINKS).map((s) => s.urn),
      [IMAGE],
    );
    assert.deepStrictEqual(criticalPath(new Map(), LINKS), []);
  });
});
