// mocha's configuration of the unit suite (`npm test`). Mocha adds the command line's test files to
// a configured `spec`, so the whole suite is the spec only when the command line names no file:
// `npx mocha test/x.test.ts` runs that file alone.
const namesFiles = process.argv.slice(2).some((arg) => /\.test\.ts$/.test(arg));

module.exports = {
  // tsconfig-paths: `distributed-consul` (the package's name, which examples/n-hosts imports) is
  // components/index.ts, as tsconfig.json's `paths` says to the type-checker.
  require: ["ts-node/register/transpile-only", "tsconfig-paths/register"],
  spec: namesFiles ? [] : ["test/**/*.test.ts"],
  timeout: 20000,
  "forbid-only": true,
  "forbid-pending": true,
  parallel: true,
  jobs: 2,
};
