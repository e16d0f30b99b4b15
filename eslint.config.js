// @ts-check
import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import prettier from 'eslint-config-prettier'

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'data/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  prettier,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      // Type aliases such as BotContext equal a default today and gain flavours later; spelling
      // them out keeps every use site right when they do.
      '@typescript-eslint/no-unnecessary-type-arguments': 'off',
    },
  },
  { files: ['**/*.js'], ...tseslint.configs.disableTypeChecked },
  {
    // One unit of time in code (ms); seconds only where stored or sent, through src/time.ts.
    files: ['src/**/*.ts'],
    ignores: ['src/time.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "BinaryExpression[operator=/^[*\\/]$/][right.value=1000], BinaryExpression[operator='*'][left.value=1000]",
          message: 'Convert time with src/time.ts (toUnixSeconds, fromUnixSeconds, secondsToMs, SECOND …).',
        },
      ],
    },
  },
  {
    // Repositories are async by contract (another engine would be); SQLite answers at once.
    files: ['src/db/**/*.ts'],
    rules: { '@typescript-eslint/require-await': 'off' },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
)
