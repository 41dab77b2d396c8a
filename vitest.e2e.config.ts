import { defineConfig } from 'vitest/config';

// `npm run test:e2e`: the web explorer in a real Chromium (Debian's /usr/bin/chromium via
// playwright-core) against the real server and a real Neo4j with the demo data, started
// once by test/e2e/global-setup.ts.
export default defineConfig({
  // Same reason as vitest.config.ts: one "graphql" module for Pothos and our code.
  resolve: { alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }] },
  test: {
    include: ['test/e2e/**/*.test.ts'],
    globalSetup: ['test/e2e/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    fileParallelism: false,
  },
});
