import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "var/**", "src/api/static/vendor/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": [
        "error",
        // node:test's test()/describe() return promises the runner itself awaits.
        {
          allowForKnownSafeCalls: [
            { from: "package", package: "node:test", name: ["test", "it", "describe", "suite"] },
          ],
        },
      ],
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/await-thenable": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    // One clock (src/clock/): everything else gets time through an injected Clock, so tests
    // drive it with FakeClock instead of sleeping.
    files: ["src/**/*.ts"],
    ignores: ["src/clock/**"],
    rules: {
      "no-restricted-globals": [
        "error",
        ...["setTimeout", "setInterval", "clearTimeout", "clearInterval", "setImmediate"].map((name) => ({
          name,
          message: "Use the injected Clock (src/clock/clock.ts).",
        })),
      ],
      "no-restricted-properties": [
        "error",
        { object: "Date", property: "now", message: "Use the injected Clock's wallMs()." },
        { object: "performance", property: "now", message: "Use the injected Clock's monoMs()." },
      ],
    },
  },
  {
    files: ["src/api/static/**/*.js"],
    languageOptions: {
      globals: {
        window: "readonly",
        document: "readonly",
        EventSource: "readonly",
        fetch: "readonly",
        Hls: "readonly",
        localStorage: "readonly",
        prompt: "readonly",
        console: "readonly",
        setTimeout: "readonly",
      },
    },
  },
);
