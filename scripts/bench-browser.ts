/**
 * The widget's main-thread cost in Chromium: `npm run bench:browser`. A benchmark, not a test:
 * it prints figures and targets beside them and never fails on them (wall-clock numbers belong
 * to the machine). Everything runs at a 4× CPU throttle (DevTools protocol), each load cold in a
 * fresh browser context, bundles interleaved so both see the same machine.
 *
 *  1. Script evaluation: dist/till.js against lit alone with one minimal element
 *     (scripts/bench/lit-baseline.ts, built here the same way), each on a page holding only its
 *     element: the `EvaluateScript` trace event of the bundle, and the whole task it runs in.
 *  2. Demo scenarios (card, PIX QR, saved card, locale): long tasks from script start (till.js
 *     arrived) to ranked methods on screen (the Pay button drawn), that time, CLS, and the JS each one downloads.
 *  3. INP per interaction (Event Timing; the browser reports only events of 16 ms or more, so
 *     0 means under 16 ms): typing a card number, selecting a method, applying a coupon, Pay.
 *  4. CLS of the card scenario at 320–1440 px, throttled and not, in the demo's layout and in a
 *     shop-like one with content below the widget and in view (`html.stacked`, demo/demo.css).
 *  5. Lighthouse 12 (mobile preset) on the demo, report saved to reports/lighthouse.json.
 *
 * Env: BENCH_RUNS (cold loads per bundle and scenario, default 15), BENCH_ONLY=eval,scenarios,inp,
 * cls,lighthouse (a subset), BENCH_LIGHTHOUSE=0 to skip Lighthouse.
 */
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { build } from 'vite';
import { startDemo } from '../demo/server';
import { CHROMIUM_ARGS, requireChromium } from './browser.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 15);
/** BENCH_ONLY=eval,scenarios,inp,cls,lighthouse runs some parts only (all by default). */
const ONLY = process.env.BENCH_ONLY?.split(',');
const part = (name: string) => (!ONLY || ONLY.includes(name)) && !(name === 'lighthouse' && process.env.BENCH_LIGHTHOUSE === '0');
const THROTTLE = 4;
const LONG_TASK_MS = 50;

const median = (xs: number[]): number => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)]! : NaN;
};
const r1 = (x: number) => Math.round(x * 10) / 10;
const gz = (b: Buffer | string) => gzipSync(b, { level: 9 }).length;

if (!existsSync('dist/till.js')) execFileSync('npm', ['run', 'build'], { stdio: 'inherit' });
const executablePath = requireChromium();

async function throttled(context: BrowserContext, page: Page, rate = THROTTLE) {
  const cdp = await context.newCDPSession(page);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate });
  return cdp;
}

// ---------------------------------------------------------------- 1. evaluation against lit alone
async function litBaseline(): Promise<Buffer> {
  const outDir = mkdtempSync(join(tmpdir(), 'till-bench-'));
  await build({
    configFile: false,
    logLevel: 'silent',
    build: { outDir, target: 'es2022', minify: true, lib: { entry: 'scripts/bench/lit-baseline.ts', formats: ['iife'], name: 'LitBaseline', fileName: () => 'lit.js' } },
  });
  const code = readFileSync(join(outDir, 'lit.js'));
  rmSync(outDir, { recursive: true, force: true });
  return code;
}

interface TraceEvent {
  name: string;
  ph: string;
  dur?: number;
  ts: number;
  pid: number;
  tid: number;
  args?: { data?: { url?: string }; name?: string };
}

async function evaluation(browser: Browser) {
  const bundles = { lit: await litBaseline(), till: readFileSync('dist/till.js') };
  const pages = { lit: '<lit-baseline></lit-baseline>', till: '<till-checkout></till-checkout>' };
  const server = createServer((req, res) => {
    const m = /^\/(lit|till)\.(js|html)$/.exec(req.url ?? '');
    if (!m) return void res.writeHead(404).end();
    const name = m[1] as 'lit' | 'till';
    if (m[2] === 'js') return void res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(bundles[name]);
    res.writeHead(200, { 'Content-Type': 'text/html' }).end(`<!doctype html><html lang="en"><body>${pages[name]}<script src="/${name}.js"></script></body></html>`);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  type Sample = { evaluate: number; longest: number; tasks: number; longestOfAll: number };
  const samples = { lit: [] as Sample[], till: [] as Sample[] };
  for (let i = 0; i < RUNS; i++) {
    for (const name of ['lit', 'till'] as const) {
      const context = await browser.newContext();
      const page = await context.newPage();
      await throttled(context, page);
      await browser.startTracing(page, { categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline'] });
      await page.goto(`${origin}/${name}.html`, { waitUntil: 'load' });
      await page.waitForTimeout(300);
      const events = (JSON.parse((await browser.stopTracing()).toString()) as { traceEvents: TraceEvent[] }).traceEvents;
      const scriptEvents = events.filter((e) => e.name === 'EvaluateScript' && e.args?.data?.url === `${origin}/${name}.js`);
      const main = scriptEvents[0];
      const url = `${origin}/${name}.js`;
      // Every task in which the bundle ran: the one that evaluates it (its element's upgrade
      // included) and any it scheduled (till.js draws its first frame in a task of its own).
      const ours = events.filter((e) => (e.name === 'EvaluateScript' || e.name === 'FunctionCall') && e.args?.data?.url === url);
      const tasks = main ? events.filter((t) => t.name === 'RunTask' && t.pid === main.pid && t.tid === main.tid && ours.some((e) => t.ts <= e.ts && e.ts <= t.ts + (t.dur ?? 0))) : [];
      const task = main && tasks.find((t) => t.ts <= main.ts && main.ts <= t.ts + (t.dur ?? 0));
      samples[name].push({
        evaluate: scriptEvents.reduce((t, e) => t + (e.dur ?? 0) / 1000, 0),
        longest: (task?.dur ?? 0) / 1000,
        tasks: tasks.reduce((t, e) => t + (e.dur ?? 0) / 1000, 0),
        longestOfAll: Math.max(0, ...tasks.map((e) => (e.dur ?? 0) / 1000)),
      });
      await context.close();
    }
  }
  server.close();
  const summary = (name: 'lit' | 'till') => ({
    gzip_bytes: gz(bundles[name]),
    evaluate_ms: r1(median(samples[name].map((s) => s.evaluate))),
    task_ms: r1(median(samples[name].map((s) => s.longest))),
    all_tasks_ms: r1(median(samples[name].map((s) => s.tasks))),
    longest_task_ms: r1(median(samples[name].map((s) => s.longestOfAll))),
  });
  const lit = summary('lit');
  const till = summary('till');
  return { runs: RUNS, lit, till, ratio: Math.round((till.evaluate_ms / lit.evaluate_ms) * 100) / 100 };
}

// ---------------------------------------------------------------- 2–4. the demo
/**
 * Runs in the page before its scripts: collects long tasks, layout shifts and event timings.
 * A string, not a function: tsx would add helpers to a function's source that the page lacks.
 */
const OBSERVE = `(() => {
  const bench = (window.__bench = { long: [], cls: 0, events: [] });
  new PerformanceObserver((l) => l.getEntries().forEach((e) => bench.long.push([e.startTime, e.duration]))).observe({ type: 'longtask', buffered: true });
  // Each shift also names what moved (an element in a shadow root shows as its host's tag), for the report.
  const what = (n) => (n ? (n.id ? '#' + n.id : (n.nodeName || '').toLowerCase()) + (n.getRootNode?.().host ? ' in ' + n.getRootNode().host.localName : '') : 'a node in a shadow root');
  bench.shifts = [];
  new PerformanceObserver((l) => l.getEntries().forEach((e) => {
    if (e.hadRecentInput) return;
    bench.cls += e.value;
    bench.shifts.push({ at: Math.round(e.startTime), value: e.value, moved: e.sources.map((s) => what(s.node) + ' ' + Math.round(s.previousRect.y) + '→' + Math.round(s.currentRect.y) + ' h' + Math.round(s.previousRect.height) + '→' + Math.round(s.currentRect.height)) });
  })).observe({ type: 'layout-shift', buffered: true });
  new PerformanceObserver((l) => l.getEntries().forEach((e) => {
    if (e.interactionId) bench.events.push({ id: e.interactionId, name: e.name, start: e.startTime, duration: e.duration, delay: e.processingStart - e.startTime, processing: e.processingEnd - e.processingStart });
  })).observe({ type: 'event', buffered: true, durationThreshold: 16 });
  // Ranked methods on screen: the first frame with the Pay button and the widget no longer busy.
  const tick = () => {
    const root = document.querySelector('till-checkout')?.shadowRoot;
    if (root?.querySelector('[part="pay-button"]') && !root.querySelector('[aria-busy="true"]')) {
      bench.ready = performance.now();
      console.debug('till-bench-ready'); // waited for by the bench without injecting a script of its own
    } else requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})();`;

type Bench = { long: number[][]; cls: number; shifts: { at: number; value: number; moved: string[] }[]; events: { id: number; name: string; start: number; duration: number; delay: number; processing: number }[]; ready?: number };
const readBench = (page: Page) => page.evaluate(() => (window as unknown as { __bench: Bench }).__bench);

interface Scenario {
  name: string;
  query: string;
  /** Runs in the fresh context before the page loads (sign-in, a saved card). */
  prepare?: (context: BrowserContext, origin: string) => Promise<void>;
  /** Runs once the widget is ready (e.g. to get to the QR code); its downloads count. */
  then?: (page: Page) => Promise<void>;
}

const inCheckout = (page: Page, selector: string) => page.locator('till-checkout').locator(selector);

const SCENARIOS: Scenario[] = [
  { name: 'card', query: '?country=US&personalization=off&locale=en' },
  {
    name: 'pix_qr',
    query: '?country=BR&personalization=off&locale=en',
    then: async (page) => {
      await inCheckout(page, 'till-method-list label[data-method="pix"]').last().click();
      await inCheckout(page, '[part="pay-button"]').click();
      await inCheckout(page, 'till-payment-action canvas[part="qr"]').waitFor();
    },
  },
  {
    name: 'saved_card',
    query: '?country=US&locale=en',
    prepare: async (context, origin) => {
      const username = `bench_${Math.random().toString(36).slice(2, 10)}`;
      await context.request.post(`${origin}/demo/sign-in`, { data: { username, password: 'correct horse battery' } });
      await context.request.post(`${origin}/demo/vault`, { data: { card: { number: '4242424242424242', expMonth: 12, expYear: 2034, cvc: '123' } } });
    },
  },
  { name: 'locale_de', query: '?country=NL&personalization=off&locale=de' },
];

async function load(browser: Browser, origin: string, s: Scenario, opts: { rate?: number; width?: number; stacked?: boolean } = {}) {
  const context = await browser.newContext({ viewport: { width: opts.width ?? 412, height: 915 } });
  await s.prepare?.(context, origin);
  const page = await context.newPage();
  await throttled(context, page, opts.rate ?? THROTTLE);
  await page.addInitScript({ content: OBSERVE });
  if (opts.stacked) {
    // Before the first frame: <html> exists once the parser inserts it (a microtask later).
    await page.addInitScript({
      content: `(() => {
        const add = () => document.documentElement?.classList.add('stacked');
        if (document.documentElement) return add();
        new MutationObserver((_, o) => document.documentElement && (add(), o.disconnect())).observe(document, { childList: true });
      })()`,
    });
  }
  const scripts: { url: string; bytes: number; gzip: number }[] = [];
  page.on('response', (r) => {
    if (r.request().resourceType() !== 'script') return;
    void r.body().then(
      (b) => scripts.push({ url: new URL(r.url()).pathname, bytes: b.length, gzip: gz(b) }),
      () => undefined,
    );
  });
  // Waiting with page.waitForFunction or a locator would inject Playwright's own script into the
  // page, a long task of its own at 4×: the page says when it is ready on the console instead.
  const ready = page.waitForEvent('console', { predicate: (m) => m.text() === 'till-bench-ready', timeout: 60_000 });
  await page.goto(origin + '/' + s.query);
  await ready;
  await s.then?.(page);
  await page.waitForTimeout(500); // anything that would still move or block after ready
  const b = await readBench(page);
  return { page, context, bench: b, ready: b.ready!, scripts };
}

async function scenarios(browser: Browser, origin: string) {
  const out: Record<string, unknown> = {};
  for (const s of SCENARIOS) {
    const runs: { ready: number; long: number; longest: number; cls: number; js: { files: string[]; bytes: number; gzip: number } }[] = [];
    for (let i = 0; i < RUNS; i++) {
      const { page, context, bench, ready, scripts } = await load(browser, origin, s);
      // From script start (till.js has arrived) to ranked methods on screen: any task overlapping it.
      const start = await page.evaluate((url) => (performance.getEntriesByName(url)[0] as PerformanceResourceTiming | undefined)?.responseEnd ?? 0, `${origin}/dist/till.js`);
      const before = bench.long.filter(([at, d]) => at! <= ready && at! + d! >= start);
      runs.push({
        ready,
        long: before.length,
        longest: Math.max(0, ...before.map(([, d]) => d!)),
        cls: bench.cls,
        js: { files: scripts.map((f) => f.url).sort(), bytes: scripts.reduce((t, f) => t + f.bytes, 0), gzip: scripts.reduce((t, f) => t + f.gzip, 0) },
      });
      await context.close();
    }
    out[s.name] = {
      ready_ms: r1(median(runs.map((r) => r.ready))),
      long_tasks_before_ready: median(runs.map((r) => r.long)),
      longest_task_before_ready_ms: r1(median(runs.map((r) => r.longest))),
      cls_max: Math.max(...runs.map((r) => r.cls)),
      js_files: runs[0]!.js.files,
      js_bytes: runs[0]!.js.bytes,
      js_gzip_bytes: runs[0]!.js.gzip,
    };
  }
  return out;
}

/** Worst interaction (Event Timing duration) within each step, median over cold loads. */
async function interactions(browser: Browser, origin: string) {
  const steps: Record<string, number[]> = { type_card_number: [], select_method: [], apply_coupon: [], press_pay: [] };
  /** The worst event of each step, split: waiting to run, handlers, and until the next frame. */
  const worst: Record<string, { name: string; duration: number; delay: number; processing: number; presentation: number }> = {};
  const n = Math.max(3, Math.ceil(RUNS / 3));
  for (let i = 0; i < n; i++) {
    const { page, context } = await load(browser, origin, { name: 'card', query: '?country=US&personalization=off&locale=en&auto-coupons=off' });
    const step = async (name: string, act: () => Promise<void>) => {
      const t0 = await page.evaluate(() => performance.now());
      await act();
      await page.waitForTimeout(400);
      const { events } = await readBench(page);
      const by = new Map<number, number>();
      for (const e of events) {
        if (e.start < t0) continue;
        by.set(e.id, Math.max(by.get(e.id) ?? 0, e.duration));
        if (e.duration > (worst[name]?.duration ?? 0)) worst[name] = { name: e.name, duration: e.duration, delay: r1(e.delay), processing: r1(e.processing), presentation: r1(e.duration - e.delay - e.processing) };
      }
      steps[name]!.push(Math.max(0, ...by.values()));
    };
    await step('select_method', () => inCheckout(page, 'till-method-list label[data-method="paypal"]').last().click());
    await step('select_method', () => inCheckout(page, 'till-method-list label[data-method="card"]').last().click());
    await step('type_card_number', async () => {
      await inCheckout(page, 'till-card-form #number').click();
      await page.keyboard.type('4242424242424242');
    });
    await inCheckout(page, 'till-card-form #expiry').fill('12 / 34');
    await inCheckout(page, 'till-card-form #cvc').fill('123');
    await step('apply_coupon', async () => {
      await inCheckout(page, 'till-coupons input').click();
      await page.keyboard.type('FREESHIP');
      await page.keyboard.press('Enter');
      await inCheckout(page, 'till-coupons').getByText('FREESHIP').first().waitFor();
    });
    await step('press_pay', async () => {
      await inCheckout(page, '[part="pay-button"]').click();
      await inCheckout(page, '[part="success"]').waitFor();
    });
    await context.close();
  }
  return { median: Object.fromEntries(Object.entries(steps).map(([k, v]) => [k, median(v)])), worst };
}

async function layoutShift(browser: Browser, origin: string) {
  const out: Record<string, number> = {};
  const shifts: Record<string, Bench['shifts']> = {};
  for (const stacked of [false, true]) {
    for (const rate of [1, THROTTLE]) {
      for (const width of [320, 412, 768, 1024, 1280, 1440]) {
        let worst = 0;
        for (let i = 0; i < 3; i++) {
          const { context, bench } = await load(browser, origin, SCENARIOS[0]!, { rate, width, stacked });
          const key = `${stacked ? 'stacked' : 'demo'}_${width}px_${rate}x`;
          if (bench.cls > worst) shifts[key] = bench.shifts;
          worst = Math.max(worst, bench.cls);
          await context.close();
        }
        out[`${stacked ? 'stacked' : 'demo'}_${width}px_${rate}x`] = Math.round(worst * 10_000) / 10_000;
      }
    }
  }
  return { worst: out, shifts };
}

// ---------------------------------------------------------------- 5. Lighthouse
/** Async: the demo runs in this process, so blocking here would leave Lighthouse's page unanswered. */
async function lighthouse(url: string) {
  mkdirSync('reports', { recursive: true });
  const path = 'reports/lighthouse.json';
  try {
    await promisify(execFile)(
      'npx',
      ['-y', 'lighthouse@12.8.2', url, '--quiet', '--output=json', `--output-path=${path}`, `--chrome-flags=--headless=new ${CHROMIUM_ARGS.join(' ')}`],
      { env: { ...process.env, CHROME_PATH: executablePath }, timeout: 300_000, maxBuffer: 64 * 1024 * 1024 },
    );
  } catch (e) {
    console.error(`Lighthouse did not run: ${(e as Error).message.split('\n')[0]}`);
    return undefined;
  }
  const lhr = JSON.parse(readFileSync(path, 'utf8')) as { categories: Record<string, { score: number }>; audits: Record<string, { numericValue?: number }> };
  const score = (k: string) => Math.round((lhr.categories[k]?.score ?? 0) * 100);
  return {
    performance: score('performance'),
    accessibility: score('accessibility'),
    best_practices: score('best-practices'),
    tbt_ms: Math.round(lhr.audits['total-blocking-time']?.numericValue ?? NaN),
    cls: lhr.audits['cumulative-layout-shift']?.numericValue ?? NaN,
    lcp_ms: Math.round(lhr.audits['largest-contentful-paint']?.numericValue ?? NaN),
    report: path,
  };
}

// ---------------------------------------------------------------- run
const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
const demo = await startDemo({ port: 0, dataDir: 'memory' });
const origin = demo.url.replace(/\/$/, '');
try {
  const evalResult = part('eval') ? await evaluation(browser) : undefined;
  const scenarioResult = (part('scenarios') ? await scenarios(browser, origin) : {}) as Record<string, { ready_ms: number; long_tasks_before_ready: number; longest_task_before_ready_ms: number; cls_max: number; js_bytes: number; js_gzip_bytes: number; js_files: string[] }>;
  const { median: inp, worst: inpWorst } = part('inp') ? await interactions(browser, origin) : { median: {}, worst: {} };
  const { worst: cls, shifts } = part('cls') ? await layoutShift(browser, origin) : { worst: {}, shifts: {} };
  await browser.close();
  const lh = part('lighthouse') ? await lighthouse(`${origin}/?country=US&personalization=off&locale=en`) : undefined;

  const rows: [string, string, string][] = evalResult
    ? [
        ['lit alone: script evaluation', `${evalResult.lit.evaluate_ms} ms (its task ${evalResult.lit.task_ms} ms)`, 'baseline'],
        ['till.js: script evaluation', `${evalResult.till.evaluate_ms} ms (${evalResult.ratio}×)`, '≤ 1.5× baseline'],
        ['till.js: the task that evaluates it', `${evalResult.till.task_ms} ms`, `≤ ${LONG_TASK_MS} ms`],
        ['lit / till.js: every task the bundle ran in', `${evalResult.lit.all_tasks_ms} ms / ${evalResult.till.all_tasks_ms} ms (longest ${evalResult.till.longest_task_ms} ms)`, `each ≤ ${LONG_TASK_MS} ms`],
        ['till.js gzip -9', `${evalResult.till.gzip_bytes} B`, '≤ 32768 B'],
      ]
    : [];
  for (const [name, s] of Object.entries(scenarioResult)) {
    rows.push([`${name}: ranked methods on screen`, `${s.ready_ms} ms`, '']);
    rows.push([`${name}: longest task before that`, `${s.longest_task_before_ready_ms} ms (${s.long_tasks_before_ready} over 50)`, `≤ ${LONG_TASK_MS} ms`]);
    rows.push([`${name}: CLS (worst load)`, s.cls_max.toFixed(4), '0.0000']);
    rows.push([`${name}: JS downloaded`, `${s.js_bytes} B (${s.js_gzip_bytes} B gzip -9, ${s.js_files.length} files)`, '']);
  }
  for (const [k, v] of Object.entries(inp)) rows.push([`INP ${k}`, v ? `${v} ms` : '< 16 ms', '≤ 50 ms']);
  for (const [k, v] of Object.entries(cls)) rows.push([`CLS card ${k}`, v.toFixed(4), '0.0000']);
  if (lh) {
    rows.push(['Lighthouse performance / a11y / best practices', `${lh.performance} / ${lh.accessibility} / ${lh.best_practices}`, '100 / 100 / 100']);
    rows.push(['Lighthouse TBT / CLS / LCP', `${lh.tbt_ms} ms / ${lh.cls} / ${lh.lcp_ms} ms`, '0 ms / 0 / –']);
  }
  const width = Math.max(...rows.map((r) => r[0].length));
  const width2 = Math.max(...rows.map((r) => r[1].length));
  console.log(`Till browser benchmark (Chromium, CPU ${THROTTLE}× throttled, medians of ${RUNS} cold loads)\n`);
  for (const [a, b, c] of rows) console.log(`${a.padEnd(width)}  ${b.padEnd(width2)}  ${c}`);
  console.log('');
  console.log(JSON.stringify({ throttle: THROTTLE, runs: RUNS, evaluation: evalResult ?? null, scenarios: scenarioResult, inp_ms: inp, inp_worst_event: inpWorst, cls_card: cls, cls_shifts: shifts, lighthouse: lh ?? null }));
} finally {
  await browser.close().catch(() => undefined);
  await demo.close();
}
