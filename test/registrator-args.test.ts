import * as assert from "assert";
import {
  DEFAULT_REGISTRATOR_IMAGE,
  RegistratorOptions,
  checkRegistratorOptions,
  isRegistratorV7,
  registratorCommand,
} from "../core/registrator-args";

const keyOf = (field: string): string => `opts.${field}`;
const MASTER_IMAGE = "gliderlabs/registrator:master";
const GOOD = { consulAddress: "127.0.0.1:8500" };

/** Every combination of the given value lists, as records (the cartesian product). */
function* combinations<T extends Record<string, readonly unknown[]>>(
  values: T,
): Generator<{ [K in keyof T]: T[K][number] }> {
  const keys = Object.keys(values) as (keyof T)[];
  const indices = keys.map(() => 0);
  for (;;) {
    const combo = {} as { [K in keyof T]: T[K][number] };
    keys.forEach((k, i) => (combo[k] = values[k][indices[i]]));
    yield combo;
    let i = keys.length - 1;
    while (i >= 0 && ++indices[i] === values[keys[i]].length) indices[i--] = 0;
    if (i < 0) return;
  }
}

// Value sets per option, each with "unset" (undefined) and at least one valid value; invalid ones
// are marked in `expectedProblemKeys` below.
const VALUES = {
  hostIp: [undefined, "192.168.99.100", "192.168.99"],
  internal: [undefined, false, true],
  explicit: [undefined, false, true],
  resyncSeconds: [undefined, 30, -1],
  cleanup: [undefined, true],
  deregister: [undefined, "on-success"],
  ttl: [
    { ttlSeconds: undefined, ttlRefreshSeconds: undefined },
    { ttlSeconds: 30, ttlRefreshSeconds: 10 },
    { ttlSeconds: 30, ttlRefreshSeconds: undefined },
    { ttlSeconds: undefined, ttlRefreshSeconds: 10 },
    { ttlSeconds: 10, ttlRefreshSeconds: 10 },
  ],
  tags: [undefined, ["a", "b"], ["a,b"]],
  retryAttempts: [undefined, -1, -2],
  retryIntervalMs: [undefined, 500, 0],
  consulAddress: ["127.0.0.1:8500", "127.0.0.1"],
  tls: [undefined, true],
  image: [DEFAULT_REGISTRATOR_IMAGE, MASTER_IMAGE],
} as const;

type Combo = { [K in keyof typeof VALUES]: (typeof VALUES)[K][number] };

function optionsOf(combo: Combo): RegistratorOptions {
  return {
    hostIp: combo.hostIp,
    internal: combo.internal,
    explicit: combo.explicit,
    resyncSeconds: combo.resyncSeconds,
    cleanup: combo.cleanup,
    deregister: combo.deregister,
    ...combo.ttl,
    tags: combo.tags === undefined ? undefined : [...combo.tags],
    retryAttempts: combo.retryAttempts,
    retryIntervalMs: combo.retryIntervalMs,
    consulAddress: combo.consulAddress,
    tls: combo.tls,
  };
}

/**
 * Checks one combination for what holds of every command, without restating the rules: a
 * combination is accepted exactly when the check finds nothing; an accepted one gives a command
 * whose only URI is last, with nothing but flags before it, each at most once; a rejected one is
 * rejected for options it actually sets. Which values are refused, and the exact commands, are
 * the literal cases below. Returns whether it was accepted.
 */
function checkCombination(combo: Combo): boolean {
  const options = optionsOf(combo);
  const problems = checkRegistratorOptions(options, keyOf, combo.image);
  assert.ok(problems.every((p) => p.severity === "error"));
  const given = new Set(
    Object.entries(options)
      .filter(([, value]) => value !== undefined)
      .map(([field]) => keyOf(field)),
  );
  for (const p of problems) {
    assert.ok(given.has(p.key.replace(/\[\d+\]$/, "")), `${p.key} is not an option it sets`);
  }
  if (problems.length > 0) return false;
  const command = registratorCommand(options);
  const scheme = options.tls === true ? "consul-tls" : "consul";
  assert.strictEqual(command[command.length - 1], `${scheme}://${options.consulAddress}`);
  const flagArgs = command.slice(0, -1);
  assert.ok(
    flagArgs.every((a) => /^-[a-z-]+(=.+)?$/.test(a)),
    `only flags before the URI: ${flagArgs.join(" ")}`,
  );
  const names = flagArgs.map((a) => a.split("=")[0]);
  assert.strictEqual(new Set(names).size, names.length, `a flag twice: ${names.join(" ")}`);
  return true;
}

describe("registrator options, every combination", () => {
  it("accepts a combination exactly when nothing is wrong, and puts every flag before the URI", () => {
    let valid = 0;
    let invalid = 0;
    for (const combo of combinations(VALUES)) {
      try {
        if (checkCombination(combo)) valid++;
        else invalid++;
      } catch (e) {
        throw new Error(`${JSON.stringify(combo)}: ${e instanceof Error ? e.message : String(e)}`, {
          cause: e,
        });
      }
    }
    // The product must exercise both outcomes, or the assertions above prove little.
    assert.ok(valid > 1000 && invalid > 1000, `valid ${valid}, invalid ${invalid}`);
  });
});

describe("registrator options, accepted inputs and their exact commands", () => {
  const cases: [string, RegistratorOptions, string, string[]][] = [
    ["nothing but the address", GOOD, DEFAULT_REGISTRATOR_IMAGE, ["consul://127.0.0.1:8500"]],
    [
      "the global registrator of a host",
      { ...GOOD, hostIp: "192.168.99.100", resyncSeconds: 60, cleanup: true },
      DEFAULT_REGISTRATOR_IMAGE,
      ["-ip=192.168.99.100", "-resync=60", "-cleanup", "consul://127.0.0.1:8500"],
    ],
    [
      "the internal registrator, with retries",
      { ...GOOD, internal: true, retryAttempts: -1, retryIntervalMs: 2000 },
      DEFAULT_REGISTRATOR_IMAGE,
      ["-internal", "-retry-attempts=-1", "-retry-interval=2000", "consul://127.0.0.1:8500"],
    ],
    [
      "every flag at once, on an image built from master",
      {
        ...GOOD,
        hostIp: "10.0.0.1",
        explicit: true,
        resyncSeconds: 30,
        cleanup: true,
        deregister: "on-success",
        ttlSeconds: 30,
        ttlRefreshSeconds: 10,
        tags: ["a", "b"],
        retryAttempts: 5,
        retryIntervalMs: 500,
        tls: true,
      },
      MASTER_IMAGE,
      [
        "-ip=10.0.0.1",
        "-explicit",
        "-resync=30",
        "-cleanup",
        "-deregister=on-success",
        "-ttl=30",
        "-ttl-refresh=10",
        "-tags=a,b",
        "-retry-attempts=5",
        "-retry-interval=500",
        "consul-tls://127.0.0.1:8500",
      ],
    ],
  ];
  for (const [title, options, image, command] of cases) {
    it(title, () => {
      assert.deepStrictEqual(checkRegistratorOptions(options, keyOf, image), []);
      assert.deepStrictEqual(registratorCommand(options), command);
    });
  }
});

describe("registrator options, rejected inputs", () => {
  const cases: {
    readonly title: string;
    readonly options: Partial<RegistratorOptions>;
    readonly image?: string;
    readonly key: string;
    readonly message: string;
  }[] = [
    {
      title: "ttl without refresh",
      options: { ttlSeconds: 30 },
      key: "opts.ttlSeconds",
      message:
        "ttlSeconds needs ttlRefreshSeconds (registrator refuses -ttl without -ttl-refresh); set ttlRefreshSeconds below ttlSeconds, or drop ttlSeconds.",
    },
    {
      title: "refresh without ttl",
      options: { ttlRefreshSeconds: 10 },
      key: "opts.ttlRefreshSeconds",
      message:
        "ttlRefreshSeconds needs ttlSeconds (registrator refuses -ttl-refresh without -ttl); set ttlSeconds above ttlRefreshSeconds, or drop ttlRefreshSeconds.",
    },
    {
      title: "ttl equal to refresh",
      options: { ttlSeconds: 10, ttlRefreshSeconds: 10 },
      key: "opts.ttlSeconds",
      message:
        "ttlSeconds (10) must be greater than ttlRefreshSeconds (10), or services expire between refreshes; raise ttlSeconds or lower ttlRefreshSeconds.",
    },
    {
      title: "ttl below refresh",
      options: { ttlSeconds: 5, ttlRefreshSeconds: 10 },
      key: "opts.ttlSeconds",
      message:
        "ttlSeconds (5) must be greater than ttlRefreshSeconds (10), or services expire between refreshes; raise ttlSeconds or lower ttlRefreshSeconds.",
    },
    {
      title: "a fractional ttl",
      options: { ttlSeconds: 2.5, ttlRefreshSeconds: 1 },
      key: "opts.ttlSeconds",
      message: "2.5 is not valid; give whole seconds, 1 or more.",
    },
    {
      title: "a zero refresh",
      options: { ttlSeconds: 30, ttlRefreshSeconds: 0 },
      key: "opts.ttlRefreshSeconds",
      message: "0 is not valid; give whole seconds, 1 or more.",
    },
    {
      title: "a zero retry interval",
      options: { retryIntervalMs: 0 },
      key: "opts.retryIntervalMs",
      message:
        "0 is not valid; give whole milliseconds greater than 0 (registrator refuses -retry-interval <= 0).",
    },
    {
      title: "a negative retry interval",
      options: { retryIntervalMs: -100 },
      key: "opts.retryIntervalMs",
      message:
        "-100 is not valid; give whole milliseconds greater than 0 (registrator refuses -retry-interval <= 0).",
    },
    {
      title: "retry attempts below -1",
      options: { retryAttempts: -2 },
      key: "opts.retryAttempts",
      message:
        "-2 is not valid; give a whole number of attempts, 0 or more, or -1 to retry forever.",
    },
    {
      title: "fractional retry attempts",
      options: { retryAttempts: 1.5 },
      key: "opts.retryAttempts",
      message:
        "1.5 is not valid; give a whole number of attempts, 0 or more, or -1 to retry forever.",
    },
    {
      title: "a negative resync",
      options: { resyncSeconds: -1 },
      key: "opts.resyncSeconds",
      message: "-1 is not valid; give whole seconds, 0 or more (0 = off).",
    },
    {
      title: "a malformed host IP",
      options: { hostIp: "192.168.99.300" },
      key: "opts.hostIp",
      message:
        '"192.168.99.300" is not an IPv4 address; give a dotted quad such as 192.168.99.100.',
    },
    {
      title: "a host IP with internal",
      options: { hostIp: "192.168.99.100", internal: true },
      key: "opts.hostIp",
      message:
        "hostIp contradicts internal: true (-internal registers container addresses and exposed ports, ignoring -ip); drop hostIp or set internal to false.",
    },
    {
      title: "a Consul address without port",
      options: { consulAddress: "127.0.0.1" },
      key: "opts.consulAddress",
      message:
        '"127.0.0.1" is not a Consul HTTP address; give host:port of the agent\'s HTTP API, e.g. 127.0.0.1:8500.',
    },
    {
      title: "a Consul address with a URI scheme",
      options: { consulAddress: "http://127.0.0.1:8500" },
      key: "opts.consulAddress",
      message:
        '"http://127.0.0.1:8500" is not a Consul HTTP address; give host:port of the agent\'s HTTP API, e.g. 127.0.0.1:8500.',
    },
    {
      title: "a Consul address with port 0",
      options: { consulAddress: "consul.local:0" },
      key: "opts.consulAddress",
      message:
        '"consul.local:0" is not a Consul HTTP address; give host:port of the agent\'s HTTP API, e.g. 127.0.0.1:8500.',
    },
    {
      title: "an empty tag",
      options: { tags: ["a", ""] },
      key: "opts.tags[1]",
      message:
        '"" is not a tag: tags are written comma-separated, so give a non-empty tag without a comma.',
    },
    {
      title: "a tag with a comma",
      options: { tags: ["a,b"] },
      key: "opts.tags[0]",
      message:
        '"a,b" is not a tag: tags are written comma-separated, so give a non-empty tag without a comma.',
    },
    {
      title: "an unknown deregister mode (untyped caller)",
      options: { deregister: "never" as unknown as "always" },
      key: "opts.deregister",
      message: '"never" is not a deregister mode; give "always" or "on-success".',
    },
    {
      title: "explicit on v7",
      options: { explicit: true },
      key: "opts.explicit",
      message:
        "registrator v7 has no -explicit flag and would not start; set the image to one built from registrator master (e.g. gliderlabs/registrator:master, pinned by digest) instead of gliderlabs/registrator:v7, or drop explicit.",
    },
    {
      title: "tls on v7 pinned by digest",
      options: { tls: true },
      image: "gliderlabs/registrator:v7@sha256:0123",
      key: "opts.tls",
      message:
        "registrator v7 has no consul-tls:// scheme; set the image to one built from registrator master (e.g. gliderlabs/registrator:master, pinned by digest) instead of gliderlabs/registrator:v7@sha256:0123, or drop tls.",
    },
  ];
  for (const c of cases) {
    it(`rejects ${c.title}`, () => {
      const problems = checkRegistratorOptions(
        { ...GOOD, ...c.options },
        keyOf,
        c.image ?? DEFAULT_REGISTRATOR_IMAGE,
      );
      assert.deepStrictEqual(problems, [{ severity: "error", key: c.key, message: c.message }]);
    });
  }

  it("reports every problem at once, not only the first", () => {
    const problems = checkRegistratorOptions(
      {
        consulAddress: "nowhere",
        hostIp: "x",
        ttlSeconds: 5,
        retryIntervalMs: 0,
        tags: [""],
        explicit: true,
      },
      keyOf,
      DEFAULT_REGISTRATOR_IMAGE,
    );
    assert.deepStrictEqual(problems.map((p) => p.key).sort(), [
      "opts.consulAddress",
      "opts.explicit",
      "opts.hostIp",
      "opts.retryIntervalMs",
      "opts.tags[0]",
      "opts.ttlSeconds",
    ]);
  });
});

describe("registrator image capabilities", () => {
  it("tells v7 by its tag, from any registry, and nothing else", () => {
    assert.ok(isRegistratorV7("gliderlabs/registrator:v7"));
    assert.ok(isRegistratorV7("registry.example:5000/gliderlabs/registrator:v7"));
    assert.ok(!isRegistratorV7("registry.example:5000/gliderlabs/registrator"));
    assert.ok(!isRegistratorV7("gliderlabs/registrator:v7.1"));
  });

  it("rejects explicit and tls on v7 together, each with its key", () => {
    const problems = checkRegistratorOptions(
      { ...GOOD, explicit: true, tls: true },
      keyOf,
      DEFAULT_REGISTRATOR_IMAGE,
    );
    assert.deepStrictEqual(
      problems.map((p) => p.key),
      ["opts.explicit", "opts.tls"],
    );
    assert.ok(problems.every((p) => p.message.includes("registrator master")));
  });

  it("accepts explicit and tls on an image built from master, and uses them", () => {
    const options = { ...GOOD, explicit: true, tls: true };
    for (const image of [MASTER_IMAGE, "gliderlabs/registrator@sha256:0123", "me/registrator:v8"]) {
      assert.deepStrictEqual(checkRegistratorOptions(options, keyOf, image), [], image);
    }
    assert.deepStrictEqual(registratorCommand(options), [
      "-explicit",
      "consul-tls://127.0.0.1:8500",
    ]);
  });

  it("accepts explicit: false and tls: false on v7 and emits neither", () => {
    const options = { ...GOOD, explicit: false, tls: false };
    assert.deepStrictEqual(checkRegistratorOptions(options, keyOf, DEFAULT_REGISTRATOR_IMAGE), []);
    assert.deepStrictEqual(registratorCommand(options), ["consul://127.0.0.1:8500"]);
  });
});

describe("registratorCommand", () => {
  it("writes every option before the URI in the fixed order", () => {
    assert.deepStrictEqual(
      registratorCommand({
        consulAddress: "192.168.99.100:8500",
        hostIp: "192.168.99.100",
        resyncSeconds: 60,
        cleanup: true,
        deregister: "on-success",
        ttlSeconds: 30,
        ttlRefreshSeconds: 10,
        tags: ["node1", "dc1"],
        retryAttempts: -1,
        retryIntervalMs: 3000,
      }),
      [
        "-ip=192.168.99.100",
        "-resync=60",
        "-cleanup",
        "-deregister=on-success",
        "-ttl=30",
        "-ttl-refresh=10",
        "-tags=node1,dc1",
        "-retry-attempts=-1",
        "-retry-interval=3000",
        "consul://192.168.99.100:8500",
      ],
    );
  });

  it("emits nothing for unset options and for an empty tag list", () => {
    assert.deepStrictEqual(registratorCommand({ ...GOOD, tags: [] }), ["consul://127.0.0.1:8500"]);
  });
});
