import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import {
  FailureObservation,
  classifyLogLines,
  describeLeader,
  describePeers,
  explainFailure,
} from "../core/failure-diagnosis";

// Real output of Consul 1.14.11 agents started on the test hosts to fail one way each (see the
// fixture folder): `docker logs --tail 40`, then the agent's answers to /v1/status/leader and
// /v1/status/peers, each after a `### <what>` line.
const FIXTURES = path.join(__dirname, "fixtures", "consul-1.14-failures");

function fixture(name: string): { logLines: string[]; leader: string; peers: string } {
  const text = fs.readFileSync(path.join(FIXTURES, `${name}.txt`), "utf8");
  const part = (what: string): string => {
    const start = text.indexOf(`### ${what}\n`);
    assert.ok(start >= 0, `${name}.txt has no "### ${what}" part`);
    const rest = text.slice(start + what.length + 5);
    const end = rest.indexOf("\n### ");
    return end < 0 ? rest : rest.slice(0, end);
  };
  return { logLines: part("logs").split("\n"), leader: part("leader"), peers: part("peers") };
}

function observed(name: string): FailureObservation {
  const f = fixture(name);
  const answer = (text: string) =>
    text.startsWith("Error response from daemon") ? { error: text.trim() } : { text };
  return {
    container: "consul-dc1-node3",
    logCommand: "docker -H unix:///run/dc-node3/docker.sock logs consul-dc1-node3",
    log: { lines: f.logLines },
    leader: answer(f.leader),
    peers: answer(f.peers),
  };
}

describe("failure diagnosis", () => {
  it("names a wrong gossip key first, with the leader and peers it sees", () => {
    const message = explainFailure(observed("wrongkey"));
    const [first, second] = message.split("\n");
    assert.match(
      first,
      /^consul-dc1-node3 did not become healthy: gossip encryption key mismatch: .* The log says: .*No installed keys could decrypt the message/,
    );
    assert.strictEqual(
      second,
      "leader: none known; peers seen: 0 (it is in no Raft configuration).",
    );
    assert.match(
      message,
      /Last 20 log lines \(all: docker -H unix:\/\/\/run\/dc-node3\/docker.sock logs consul-dc1-node3\):/,
    );
  });

  it("names a missing gossip key on this agent", () => {
    assert.strictEqual(
      classifyLogLines(fixture("nokey").logLines)?.cause,
      "gossip-encryption-off-here",
    );
  });

  it("names a CA that is not the cluster's (x509) before the join noise", () => {
    const finding = classifyLogLines(fixture("wrongca").logLines);
    assert.strictEqual(finding?.cause, "tls");
    assert.match(finding?.evidence ?? "", /x509: certificate signed by unknown authority/);
  });

  it("names a port in use, and says the agent could not be asked when it has exited", () => {
    const message = explainFailure(observed("inuse"));
    assert.match(message, /did not become healthy: a port this agent binds is already in use/);
    assert.match(message, /bind: address already in use/);
    assert.match(
      message,
      /leader: unknown \(could not ask the agent: Error response from daemon: Container \w+ is not running\)/,
    );
  });

  it("names an unreachable join address", () => {
    const finding = classifyLogLines(fixture("nojoin").logLines);
    assert.strictEqual(finding?.cause, "join-unreachable");
    assert.match(finding?.evidence ?? "", /no route to host/);
  });

  it("classifies the plan's ACL and remote-unencrypted patterns (lines as Consul words them)", () => {
    assert.strictEqual(
      classifyLogLines(['[ERROR] agent: failed to sync remote state: error="ACL not found"'])
        ?.cause,
      "acl",
    );
    assert.strictEqual(
      classifyLogLines([
        "Failed to join 10.0.0.1:8301: Encryption is configured but remote state is not",
      ])?.cause,
      "gossip-encryption-off-there",
    );
  });

  it("says when no known cause shows, and what to run when the log cannot be read", () => {
    const message = explainFailure({
      container: "c",
      logCommand: "docker -H tcp://h:2375 logs c",
      log: { error: "the docker CLI is not installed" },
      leader: { text: '"192.168.99.100:8300"' },
      peers: { text: '["192.168.99.100:8300","192.168.99.101:8300"]' },
    });
    assert.deepStrictEqual(message.split("\n"), [
      "c did not become healthy, and its log shows none of the known causes (gossip key, TLS, ACL, port in use, unreachable join address).",
      "leader: 192.168.99.100:8300; peers seen: 2 (192.168.99.100:8300, 192.168.99.101:8300).",
      "Its log could not be read (the docker CLI is not installed); run: docker -H tcp://h:2375 logs c",
    ]);
    assert.strictEqual(
      describeLeader({ text: "garbage" }),
      'leader: unknown (the agent answered "garbage")',
    );
    assert.strictEqual(
      describePeers({ error: "timeout" }),
      "peers seen: unknown (could not ask the agent: timeout)",
    );
  });
});
