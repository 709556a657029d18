import { defineConfig } from 'vitest/config'

// Workspace packages resolve to their TypeScript sources, so tests need no build first.
const conditions = ['@chatty/source', 'module', 'node', 'development|production']
const resolve = { conditions }
const setupFiles = ['libs/testing/src/setup-logging.ts']
const ssr = { resolve: { conditions, externalConditions: conditions } }

export default defineConfig({
  test: {
    projects: [
      {
        resolve,
        ssr,
        test: {
          name: 'unit',
          setupFiles,
          include: [
            '{apps,libs,infra}/*/src/**/*.test.ts',
            'infra/*/src/**/*.test.ts',
            'bench/src/**/*.test.ts',
          ],
          exclude: ['**/*.int.test.ts', '**/*.e2e.test.ts', '**/node_modules/**', '**/dist/**'],
        },
      },
      {
        resolve,
        ssr,
        test: {
          name: 'integration',
          setupFiles,
          include: ['{apps,libs,infra}/**/src/**/*.int.test.ts'],
          exclude: ['**/node_modules/**', '**/dist/**'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        resolve,
        ssr,
        test: {
          name: 'e2e',
          include: ['tests/e2e/**/*.e2e.test.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        resolve,
        ssr,
        test: {
          name: 'browser',
          include: ['tests/browser/**/*.browser.test.ts'],
          // One Chromium drives several people at once; the files take turns.
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 60_000,
        },
      },
      {
        resolve,
        ssr,
        test: {
          name: 'faults',
          include: ['tests/faults/**/*.faults.test.ts'],
          // Each file breaks the one shared stack on purpose, so they run one after the other.
          fileParallelism: false,
          setupFiles: ['tests/faults/support/setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
})
