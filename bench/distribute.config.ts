// The distribute.sh benchmark (bench/distribute-lab.ts) runs under vitest for the sshd lab helper.
import {defineConfig} from 'vitest/config';

export default defineConfig({
  test: {include: ['bench/distribute-lab.ts'], testTimeout: 3_600_000, hookTimeout: 120_000, reporters: ['default']},
});
