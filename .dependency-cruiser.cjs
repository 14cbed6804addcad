// The layering `npm test` enforces (`npm run layers`): one way down, no circles.
//   program (index.ts, program/) → operations/ → components/ → core/
// core/ is pure: what Consul and registrator must be given, with no Pulumi import. bench/ and
// testbed/ (the real test hosts' harness) sit beside the program; nothing outside test/ imports
// test/. Everything outside the library (the program, operations, bench, testbed, the examples and
// the component package) uses it through its public entry, components/index.ts, the compiled
// package's entry, as a program that installed it does. A rule broken here fails `npm test` with the rule's name and the import that breaks it.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "Files that import each other, directly or around a circle.",
      from: {},
      to: { circular: true },
    },
    {
      name: "core-is-pure",
      severity: "error",
      comment: "core/ knows Consul, not Pulumi: no Pulumi SDK, no component, nothing above it.",
      from: { path: "^core/" },
      to: {
        path: [
          "^node_modules/@pulumi/",
          "^(components|operations|program|bench|testbed|test)/",
          "^index\\.ts$",
        ],
      },
    },
    {
      name: "components-below-operations",
      severity: "error",
      comment:
        "The library's components use core/ only: never operations, the program, bench or tests.",
      from: { path: "^components/" },
      to: { path: ["^(operations|program|bench|testbed|test)/", "^index\\.ts$"] },
    },
    {
      name: "operations-below-program",
      severity: "error",
      comment: "Operations use the library (components/, core/) only, never the stack program.",
      from: { path: "^operations/" },
      to: { path: ["^(program|bench|testbed|test)/", "^index\\.ts$"] },
    },
    {
      name: "program-uses-the-library",
      severity: "error",
      comment:
        "The stack program is no dependency of bench, the real-host harness or examples' code.",
      from: { path: "^(program|index\\.ts)" },
      to: { path: ["^(bench|testbed|test)/"] },
    },
    {
      name: "library-through-its-entry",
      severity: "error",
      comment:
        "Outside the library, components/ and core/ are reached through components/index.ts (the package's entry, `distributed-consul`) only: no deep path.",
      from: {
        path: "^(program|operations|bench|testbed|examples|component-package)/|^index\\.ts$",
      },
      to: { path: "^(components|core)/", pathNot: "^components/index\\.ts$" },
    },
    {
      name: "nothing-imports-test",
      severity: "error",
      comment: "test/ is the top: only tests import tests.",
      from: { pathNot: "^test/" },
      to: { path: "^test/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: ["(^|/)node_modules/", "^\\.golden"] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { extensions: [".ts", ".js", ".json"] },
  },
};
