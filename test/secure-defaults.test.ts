// Secure by default (issue 17): each building block, given only its required arguments, is
// either secure (ACL default deny, TLS verified both ways, gossip encrypted, tokens for API
// clients) or refuses to start, naming what is missing and the fix; turning a protection off is
// an explicit argument that warns at every run.
import * as assert from "assert";
import { clientTokenCheck, serverSecurity } from "../components/core/secure-defaults";
import { describeProblem } from "../components/core/problems";

describe("secure defaults (pure core)", () => {
  const on = { enabled: true, given: false };

  it("has a bootstrap server make what it is not given, and every other server need it", () => {
    const boot = serverSecurity({
      component: "S(s)",
      role: "bootstrap",
      acl: on,
      tls: on,
      gossip: on,
    });
    assert.deepStrictEqual(
      [boot.acl, boot.tls, boot.gossip],
      ["generated", "generated", "generated"],
    );
    assert.deepStrictEqual([...boot.errors, ...boot.optOuts], []);
    for (const role of ["joining", "bootstrapExpect", "internal"] as const) {
      const s = serverSecurity({ component: "S(s)", role, acl: on, tls: on, gossip: on });
      assert.deepStrictEqual([s.acl, s.tls, s.gossip], ["missing", "missing", "missing"], role);
      assert.deepStrictEqual(
        s.errors.map((p) => p.key),
        ["S(s).acl", "S(s).tls", "S(s).gossipKey"],
      );
      const [acl, tls, gossip] = s.errors.map(describeProblem);
      assert.match(acl, /is missing; .*, or set aclEnabled: false to run without ACLs\.$/);
      assert.match(tls, /is missing; .*, or set tlsEnabled: false to run without TLS\.$/);
      assert.match(gossip, /is missing; .*, or set gossipEncryption: false to run unencrypted\.$/);
    }
    const given = { enabled: true, given: true };
    const joining = serverSecurity({
      component: "S(s)",
      role: "joining",
      acl: given,
      tls: given,
      gossip: given,
    });
    assert.deepStrictEqual([joining.acl, joining.tls, joining.gossip], ["given", "given", "given"]);
    assert.deepStrictEqual([...joining.errors, ...joining.optOuts], []);
  });

  it("turns a protection off only by its flag, with a warning, and refuses a value beside it", () => {
    const off = { enabled: false, given: false };
    const s = serverSecurity({
      component: "S(s)",
      role: "joining",
      acl: off,
      tls: off,
      gossip: off,
    });
    assert.deepStrictEqual([s.acl, s.tls, s.gossip], ["off", "off", "off"]);
    assert.deepStrictEqual(s.errors, []);
    assert.deepStrictEqual(
      s.optOuts.map((p) => [p.severity, p.key]),
      [
        ["warning", "S(s).aclEnabled"],
        ["warning", "S(s).tlsEnabled"],
        ["warning", "S(s).gossipEncryption"],
      ],
    );
    // A joining server is told to give the value; a bootstrap server that it makes it again.
    assert.match(s.optOuts[0].message, /Remove the argument and give acl to turn them back on\.$/);
    const boot = serverSecurity({
      component: "S(s)",
      role: "bootstrap",
      acl: off,
      tls: off,
      gossip: off,
    });
    assert.match(boot.optOuts[1].message, /this server then makes its own CA\)\.$/);

    const contradicting = { enabled: false, given: true };
    const bad = serverSecurity({
      component: "S(s)",
      role: "bootstrap",
      acl: contradicting,
      tls: on,
      gossip: contradicting,
    });
    assert.deepStrictEqual(
      bad.errors.map((p) => p.key),
      ["S(s).acl", "S(s).gossipKey"],
    );
    assert.match(bad.errors[1].message, /S\(s\)\.gossipEncryption is false/);
    assert.deepStrictEqual(bad.optOuts, []);
  });

  it("makes an API client give a token unless its ACL flag is false, which warns", () => {
    const check = (enabled: boolean, token: "absent" | "empty" | "present") =>
      clientTokenCheck({ client: "registrator", at: "R(r)", enabled, token });
    assert.deepStrictEqual(check(true, "present"), { errors: [], optOuts: [] });
    assert.deepStrictEqual(check(true, "absent").optOuts, []);
    assert.match(
      describeProblem(check(true, "absent").errors[0]),
      /^R\(r\)\.aclToken: is missing; .*service:write.*aclEnabled: false/,
    );
    assert.match(describeProblem(check(true, "empty").errors[0]), /^R\(r\)\.aclToken: is empty; /);
    const off = check(false, "absent");
    assert.deepStrictEqual(off.errors, []);
    assert.deepStrictEqual(
      off.optOuts.map((p) => [p.severity, p.key]),
      [["warning", "R(r).aclEnabled"]],
    );
    assert.match(
      describeProblem(check(false, "present").errors[0]),
      /^R\(r\)\.aclToken: is given, but R\(r\)\.aclEnabled is false/,
    );
    const query = clientTokenCheck({
      client: "preparedQuery",
      at: "C(c).preparedQuery",
      enabled: true,
      token: "absent",
    });
    assert.match(
      describeProblem(query.errors[0]),
      /^C\(c\)\.preparedQuery\.token: is missing; .*query:write/,
    );
  });
});
