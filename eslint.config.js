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
  {
    // src/cli: a command file imports common/ (and the leaves usage.ts, wiring.ts, registry.ts, its own
    // get-*.ts parts), never another command; run.ts is the command table that imports them all.
    files: ['src/cli/*.ts'],
    ignores: [
      'src/cli/run.ts',
      'src/cli/main.ts',
      'src/cli/usage.ts',
      'src/cli/wiring.ts',
      'src/cli/registry.ts',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['./*.ts', '!./usage.ts', '!./wiring.ts', '!./registry.ts', '!./get-*.ts'],
              message: 'a command imports src/cli/common/, not another command (see src/cli/run.ts)',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/cli/common/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['../*.ts', '!../usage.ts', '!../wiring.ts', '!../registry.ts'],
              message: 'src/cli/common/ is below the commands: it imports none of them',
            },
          ],
        },
      ],
    },
  },
);
