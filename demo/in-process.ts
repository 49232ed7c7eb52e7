/**
 * For tests: the demo backend started in this process (in-memory database, a free port) before a
 * test file's tests and closed after them.
 */
import { afterAll, beforeAll } from 'vitest';
import { startDemo } from './server';

export type Demo = Awaited<ReturnType<typeof startDemo>>;

/** Starts a demo for this file; `env` is set while it starts (e.g. TILL_DEMO_CHARGE_DELAY). */
export function useDemo(env: Record<string, string> = {}): () => Demo {
  let demo: Demo | undefined;
  beforeAll(async () => {
    const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
    Object.assign(process.env, env);
    try {
      demo = await startDemo({ port: 0, dataDir: 'memory' });
    } finally {
      for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }, 60_000);
  afterAll(async () => {
    await demo?.close();
  }, 30_000);
  return () => {
    if (!demo) throw new Error('the demo is not started yet');
    return demo;
  };
}
