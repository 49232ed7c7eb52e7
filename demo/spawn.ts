/**
 * Starts the demo backend as its own process (for restart, crash and several-instance tests): a
 * real `node` process running demo/server.ts, killed with a real signal.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface DemoProcess {
  url: string;
  child: ChildProcess;
  /** Sends a signal (SIGKILL for a crash) and waits for the process to end. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * `port` (default 0: any free one) is fixed when a test restarts the demo and needs the same
 * origin again (a page that stays open across the restart).
 */
export async function spawnDemo({ args = [], env = {}, port = 0 }: { args?: string[]; env?: Record<string, string>; port?: number } = {}): Promise<DemoProcess> {
  // node + tsx's loader directly (no npx wrapper), so the signal reaches the server process itself.
  const child = spawn(process.execPath, ['--import', 'tsx', 'demo/server.ts', '--port', String(port), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const m = /Till demo running at (http:\/\/\S+\/)/.exec(output);
      if (m) resolve(m[1]!);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    child.once('exit', (code) => reject(new Error(`demo exited (${code}) before it started:\n${output}`)));
  });
  return {
    url,
    child,
    async kill(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}
