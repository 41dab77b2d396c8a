import { defineConfig } from 'vitest/config';

// `npm test`: unit tests next to the code and integration tests in test/ against a real
// Neo4j started once by test/global-setup.ts. Browser tests live in test/e2e and have
// their own config (vitest.e2e.config.ts) because they need Chromium.
export default defineConfig({
  // graphql 16 ships both .mjs and .js; Node loads the CJS build for every importer, so
  // the tests must too, or Pothos and our code would see two "graphql" modules.
  resolve: { alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }] },
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'test/e2e/**', 'web/dist/**', 'data/**'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    // One Neo4j for the whole run; files that write to it run one at a time.
    fileParallelism: false,
  },
});
