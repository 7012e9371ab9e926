import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Opens dist/index.html in Chromium: turbo builds the page (and the spec before it) first.
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
