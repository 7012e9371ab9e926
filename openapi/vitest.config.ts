import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Reads dist/openapi.json: turbo builds the bundle before this package's tests.
    include: ['test/**/*.test.ts'],
  },
});
