import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'fixtures/', '.lab/', 'bench/out/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // Layering from shared/DESIGN.md: imports point down only.
    files: ['src/model/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: ['../*/**', '!../model/**'] }] },
  },
  {
    files: ['src/**', 'components/**'],
    ignores: ['src/cli/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: ['**/lab/**', '!./**'] }] },
  },
);
