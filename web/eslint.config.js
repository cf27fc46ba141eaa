// Lint for web/: the TypeScript rules that need types, and jsx-a11y for the markup (labels,
// roles, keyboard) on top of the axe-core browser tests.
import js from "@eslint/js";
import jsxA11y from "eslint-plugin-jsx-a11y";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "src/api/generated/"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    files: ["src/**/*.{ts,tsx}", "vite.config.ts"],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { "jsx-a11y": jsxA11y },
    // Preact writes `for` and `class`, not React's htmlFor and className.
    settings: { "jsx-a11y": { attributes: { for: ["htmlFor", "for"] } } },
    rules: {
      ...jsxA11y.flatConfigs.recommended.rules,
      "@typescript-eslint/restrict-template-expressions": ["error", { allowNumber: true }],
    },
  },
  {
    files: ["scripts/**/*.mjs", "*.js"],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { globals: { process: "readonly", console: "readonly", fetch: "readonly" } },
  },
);
