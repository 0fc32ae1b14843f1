import {defineConfig} from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.{ts,tsx}'],
    // Ink blanks its last frame when CI is set, and colours differ between machines.
    env: {CI: 'false', FORCE_COLOR: '0'},
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
