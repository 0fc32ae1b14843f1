// Where a generate run spends its time, for `npm run bench` (KUBEPKI_TIMINGS=1 prints it).
// Each phase sums main-thread time; what the main thread spends waiting (for RSA keys in the
// thread pool, for the file system) is the event loop's idle time, measured beside it.
import {performance} from 'node:perf_hooks';

export type Phase = 'keygen' | 'build' | 'sign' | 'kubeconfig';

export const timings = {enabled: false, ms: {keygen: 0, build: 0, sign: 0, kubeconfig: 0} as Record<Phase, number>};

export function timed<T>(phase: Phase, work: () => T): T {
  if (!timings.enabled) return work();
  const started = performance.now();
  try {
    return work();
  } finally {
    timings.ms[phase] += performance.now() - started;
  }
}
