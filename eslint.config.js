// Lint: typescript-eslint's recommended rules plus a few that matter for an SDK; zero warnings.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'reports/**', 'test-results/**', 'node_modules/**', 'e2e/fixtures/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { window: 'readonly', document: 'readonly', console: 'readonly' } },
    rules: {
      'no-console': ['warn', { allow: ['warn', 'error'] }],
      // import() type annotations type the on-demand chunks without importing them.
      '@typescript-eslint/consistent-type-imports': ['error', { disallowTypeAnnotations: false }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'smart'],
      'no-restricted-syntax': ['error', { selector: "CallExpression[callee.name='eval']", message: 'No eval (strict CSP).' }],
    },
  },
  {
    // Node scripts, the demo server and tests may print.
    files: ['scripts/**', 'demo/**', 'e2e/**', '**/*.test.ts', '*.config.ts'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', location: 'readonly', localStorage: 'readonly', sessionStorage: 'readonly', fetch: 'readonly', crypto: 'readonly', URL: 'readonly', URLSearchParams: 'readonly', Event: 'readonly' } },
  },
);
