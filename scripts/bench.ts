/**
 * All benchmarks in one run: `npm run bench`. Prints a table with targets beside the figures,
 * then one JSON line with every figure. A missed target is reported, never a failure: wall-clock
 * numbers depend on the machine, so nothing here (or in the tests) fails on them.
 */
import { existsSync } from 'node:fs';
import { BUDGETS, gzipSize } from './size.mjs';
import { benchRanking } from './bench/ranking';
import { benchPricing } from './bench/pricing';
import { PaymentReply, SessionReply } from '../src/protocol/index';
import { PAYMENT_REPLIES, sessionReply } from './bench/replies';
import { benchServer } from './bench/server';

type Stats = { median_us: number; p99_us: number; iterations: number };

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
}

function time(iterations: number, fn: () => unknown): Stats {
  let sink = 0;
  for (let i = 0; i < Math.min(2000, iterations); i++) sink += fn() ? 1 : 0; // warm-up
  const samples = new Array<number>(iterations);
  for (let i = 0; i < iterations; i++) {
    const t0 = process.hrtime.bigint();
    sink += fn() ? 1 : 0;
    samples[i] = Number(process.hrtime.bigint() - t0) / 1000;
  }
  if (sink < 0) console.log(sink); // keeps the work observable to the optimiser
  samples.sort((a, b) => a - b);
  const r2 = (x: number): number => Math.round(x * 100) / 100;
  return { median_us: r2(percentile(samples, 0.5)), p99_us: r2(percentile(samples, 0.99)), iterations };
}

function validationBench(): Record<string, unknown> {
  const session = sessionReply();
  const ok = SessionReply.safeParse(session);
  if (!ok.success) throw new Error(`bench session does not validate: ${JSON.stringify(ok.error.issues.slice(0, 3))}`);
  for (const r of PAYMENT_REPLIES) {
    const p = PaymentReply.safeParse(r);
    if (!p.success) throw new Error(`bench payment reply does not validate: ${JSON.stringify(p.error.issues.slice(0, 3))}`);
  }
  let k = 0;
  return {
    session_reply: { bytes: JSON.stringify(session).length, ...time(20_000, () => SessionReply.safeParse(session).success) },
    payment_reply: { shapes: PAYMENT_REPLIES.length, ...time(50_000, () => PaymentReply.safeParse(PAYMENT_REPLIES[k++ % PAYMENT_REPLIES.length]).success) },
  };
}

/** The files the brief asks for, plus any other budgeted chunk; targets are the build's own budgets. */
const BUNDLES: [file: string, targetBytes?: number][] = [
  ...new Set(['dist/till.js', 'dist/till-jwe.js', 'dist/till-actions.js', 'dist/till-pricing.js', ...Object.keys(BUDGETS), 'dist/index.js', 'dist/core.js', 'dist/server.js']),
].map((file) => [file, BUDGETS[file]]);

function sizes(): Record<string, number> | undefined {
  if (!existsSync('dist')) return undefined;
  const out: Record<string, number> = {};
  for (const [file] of BUNDLES) if (existsSync(file)) out[file] = gzipSize(file);
  return out;
}

// ---- run ---------------------------------------------------------------------------------

const ranking = (await benchRanking()) as { ranking: Stats; learn: Stats; state_bytes: number; state_contexts: number };
const pricing = (await benchPricing()) as Record<string, { median_ms: number; p99_ms: number; max_ms: number; samples: number }>;
const validation = validationBench() as { session_reply: Stats & { bytes: number }; payment_reply: Stats };
const bundle = sizes();
// BENCH_SERVER=0 skips the server load (it takes about a minute); BENCH_SERVER=quick shortens it.
const server = process.env.BENCH_SERVER === '0' ? undefined : ((await benchServer({ quick: process.env.BENCH_SERVER === 'quick' })) as Record<string, unknown>);

const rows: [string, string, string, string][] = [];
const verdict = (value: number, target: number | undefined): string => (target === undefined || Number.isNaN(value) ? '' : value <= target ? 'ok' : 'MISSED');
const us = (s: Stats, target?: number, label = ''): void => {
  rows.push([label, `${s.median_us.toFixed(2)} µs (p99 ${s.p99_us.toFixed(2)})`, target === undefined ? '' : `≤ ${target} µs`, verdict(s.median_us, target)]);
};
const ms = (s: { median_ms: number; p99_ms: number } | undefined, label: string, target?: number): void => {
  if (!s) return;
  rows.push([label, `${s.median_ms.toFixed(3)} ms (p99 ${s.p99_ms.toFixed(3)})`, target === undefined ? '' : `≤ ${target} ms`, verdict(s.median_ms, target)]);
};

us(ranking.ranking, 20, 'ranking: rank 20 methods');
us(ranking.learn, 20, 'ranking: update (learn)');
rows.push([`ranking: stored state (${ranking.state_contexts} contexts)`, `${ranking.state_bytes} bytes`, '≤ 4096 bytes', verdict(ranking.state_bytes, 4096)]);
ms(pricing.pricing_20c_50l, 'optimizer: 20 coupons × 50 lines', 1);
ms(pricing.pricing_60c_50l, 'optimizer: 60 coupons × 50 lines', 10);
ms(pricing.pricing_60c_50l_all_combinable, 'optimizer: 60 coupons, all combinable');
us(validation.session_reply, undefined, `validate SessionReply (${(validation.session_reply.bytes / 1024).toFixed(1)} KB)`);
us(validation.payment_reply, undefined, 'validate PaymentReply');
if (bundle) {
  for (const [file, target] of BUNDLES) {
    const size = bundle[file];
    if (size === undefined) rows.push([`gzip -9 ${file}`, 'missing', '', '']);
    else rows.push([`gzip -9 ${file}`, `${(size / 1024).toFixed(2)} KB`, target ? `≤ ${target / 1024} KB` : '', verdict(size, target)]);
  }
}

type Load = { requests: number; rps: number; p50_ms: number; p99_ms: number; errors: number };
for (const storage of ['embedded', 'postgres'] as const) {
  const r = server?.[storage] as Record<string, Load> | { skipped: string } | undefined;
  if (!r) continue;
  if ('skipped' in r) {
    rows.push([`server (${storage}): not run`, String(r.skipped).slice(0, 60), '', '']);
    continue;
  }
  for (const [name, l] of Object.entries(r)) {
    rows.push([`server (${storage === 'embedded' ? 'PGlite' : 'PostgreSQL'}): ${name.replace('_', ' ')}`, `${l.rps} req/s, p99 ${l.p99_ms} ms (p50 ${l.p50_ms})${l.errors ? `, ${l.errors} errors` : ''}`, '', l.errors ? 'MISSED' : '']);
  }
}
const memory = server?.memory as { sessions: number; rss_mb: number; external_growth_mb: number; heap_growth_mb: number; bytes_per_session: number } | undefined;
if (memory) rows.push([`server memory after ${memory.sessions.toLocaleString('en')} sessions`, `heap +${memory.heap_growth_mb} MB, outside it +${memory.external_growth_mb} MB (${memory.bytes_per_session} B/session), RSS ${memory.rss_mb} MB`, 'flat (issue 16)', '']);

const head: [string, string, string, string] = ['benchmark', 'median', 'target', ''];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const fmt = (r: string[]): string => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
console.log(`Till benchmarks (Node ${process.version}, ${process.platform}/${process.arch})\n`);
console.log(fmt(head));
console.log(fmt(widths.map((w) => '-'.repeat(w))));
for (const r of rows) console.log(fmt(r));
if (!bundle) console.log('\nBundle sizes: dist/ not found — run npm run build first.');
const missed = rows.filter((r) => r[3] === 'MISSED').length;
if (missed) console.log(`\n${missed} target(s) missed on this machine (reported, not failed).`);
console.log('');
console.log(JSON.stringify({ node: process.version, ranking, pricing, validation, bundle_gzip_bytes: bundle ?? null, server: server ?? null }));
