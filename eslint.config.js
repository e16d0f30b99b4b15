// @ts-check
import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import prettier from 'eslint-config-prettier'
import { importX } from 'eslint-plugin-import-x'
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript'

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
    files: ['src/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      ...importX.flatConfigs.typescript.settings,
      'import-x/resolver-next': [createTypeScriptImportResolver()],
    },
    rules: { 'import-x/no-cycle': 'error' },
  },
  {
    // The bot and the site reach the worker only through jobs.
    files: ['src/bot/**/*.ts', 'src/web/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/worker/*'], message: 'The bot and the site reach the worker through jobs.' }] },
      ],
    },
  },
  {
    // The domain owns the rules and knows no framework, engine or SQL; storage only by its interfaces.
    files: [
      'src/access/**/*.ts',
      'src/karma/**/*.ts',
      'src/jobs/**/*.ts',
      'src/login/**/*.ts',
      'src/audit.ts',
      'src/time.ts',
      'src/text.ts',
      'src/schema-words.ts',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['express', 'grammy', 'better-sqlite3'],
          patterns: [
            { group: ['@mtcute/*', '@grammyjs/*'], message: 'The domain knows no Telegram library.' },
            { group: ['**/db/sqlite/*'], message: 'The domain reaches storage through the Store interface (src/db).' },
            { group: ['**/web/*', '**/bot/*', '**/worker/*', '**/http/*'], message: 'The domain knows no adapter.' },
          ],
        },
      ],
    },
  },
  {
    // Framework-free HTTP helpers, shared by the site and the webhook.
    files: ['src/http/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['express', 'grammy'],
          patterns: [
            { group: ['**/db/*', '**/web/*', '**/bot/*'], message: 'src/http is below the site and the bot.' },
          ],
        },
      ],
    },
  },
  {
    // One unit of time in code (ms); seconds only where stored or sent, through src/time.ts.
    files: ['src/**/*.ts'],
    ignores: ['src/time.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector:
            "BinaryExpression[operator=/^[*\\/]$/][right.value=1000], BinaryExpression[operator='*'][left.value=1000]",
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
