// ESLint flat config: TypeScript-aware recommended rules, type-checked.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: [
      "node_modules/",
      "bin/",
      "dist/",
      ".pulumi-state/",
      "eslint.config.mjs",
      ".dependency-cruiser.cjs",
      ".mocharc.cjs",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/explicit-module-boundary-types": "error",
    },
  },
  {
    // The library never reads stack config: a program reads it and passes arguments.
    files: ["components/**/*.ts", "core/**/*.ts"],
    rules: {
      "no-restricted-properties": [
        "error",
        ...["Config", "getStack", "StackReference", "getProject", "getOrganization"].map(
          (property) => ({
            object: "pulumi",
            property,
            message: "The library never reads stack config; take it as an argument instead.",
          }),
        ),
        {
          object: "runtime",
          property: "getConfig",
          message: "The library never reads stack config; take it as an argument instead.",
        },
      ],
    },
  },
);
