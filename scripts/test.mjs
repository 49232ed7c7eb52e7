// `npm test`: builds, then runs every runner (vitest unit + browser, Playwright e2e) and sums
// their JSON reports into one line: "N passed, N failed". Exits non-zero if anything failed.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { requireChromium } from './browser.mjs';

const chromium = requireChromium();
console.log(`Using Chromium at ${chromium}`);
rmSync('reports', { recursive: true, force: true });
mkdirSync('reports', { recursive: true });

const run = (cmd, args) => spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, CHROME_PATH: chromium } }).status ?? 1;

let crashed = [];
if (run('node', ['scripts/build.mjs']) !== 0) crashed.push('build');
// Strict typecheck of everything, including the @ts-expect-error type tests (src/*.typecheck.ts).
if (run('npx', ['tsc', '--noEmit', '-p', 'tsconfig.json']) !== 0) crashed.push('typecheck');
if (run('npx', ['eslint', '.', '--max-warnings', '0']) !== 0) crashed.push('lint');
if (run('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', '--outputFile.json=reports/vitest.json']) !== 0 && !existsSync('reports/vitest.json')) crashed.push('vitest');
if (!crashed.includes('build') && run('npx', ['playwright', 'test']) !== 0 && !existsSync('reports/e2e.json')) crashed.push('playwright');

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

let passed = 0;
let failed = 0;
const vitest = readJson('reports/vitest.json');
if (vitest) {
  passed += vitest.numPassedTests;
  failed += vitest.numFailedTests;
} else crashed.push('vitest report');
const e2e = readJson('reports/e2e.json');
if (e2e) {
  passed += e2e.stats.expected + (e2e.stats.flaky ?? 0);
  failed += e2e.stats.unexpected;
} else crashed.push('e2e report');
if (crashed.length) {
  console.error(`Runner problems: ${[...new Set(crashed)].join(', ')}`);
  failed += 1;
}
const line = `${passed} passed, ${failed} failed`;
writeFileSync('reports/summary.txt', line + '\n');
console.log(line);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
