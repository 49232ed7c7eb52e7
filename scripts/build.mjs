// Builds the npm package, the script-tag bundle and its on-demand chunks, the type
// declarations and the protocol JSON Schema and the SRI hashes of dist/ (integrity.json), then
// enforces the script-tag size budget.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';

const run = (cmd, args) => execFileSync(cmd, args, { stdio: 'inherit' });
rmSync('dist', { recursive: true, force: true });
run('npx', ['vite', 'build', '--mode', 'lib', '--logLevel', 'warn']);
run('npx', ['vite', 'build', '--mode', 'embed', '--logLevel', 'warn']);
run('npx', ['vite', 'build', '--mode', 'chunks', '--logLevel', 'warn']);
run('npx', ['tsc', '-p', 'tsconfig.build.json']);
run('npx', ['tsx', 'scripts/emit-schema.ts']);
run('npx', ['cem', 'analyze', '--config', 'custom-elements-manifest.config.mjs', '--quiet']);
run('node', ['scripts/integrity.mjs']);
run('node', ['scripts/size.mjs']);
