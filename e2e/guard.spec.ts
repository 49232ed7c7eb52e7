import type { BrowserContext } from '@playwright/test';
import { expect, PageGuard, test } from './fixtures/test';

// The page guard itself (e2e/fixtures/test.ts): a page made to misbehave in every way it watches
// for, served by routing under a strict policy with Trusted Types required.
const POLICY = "default-src 'self'; script-src 'self'; img-src 'self' data:; require-trusted-types-for 'script'";
const PAGE = `<!doctype html><title>guard test</title><link rel="icon" href="data:,">
<script>/* inline: refused by script-src */</script>
<img src="/guard-test/missing" alt=""><img src="/guard-test/declined" alt=""><img src="/guard-test/reset" alt="">
<script src="/guard-test/app.js"></script>`;
// A console error, and a string into a Trusted Types sink (a violation, and the TypeError it throws).
const APP = `console.error('guard test: boom'); document.body.innerHTML = '<b>no policy</b>';`;

async function serveMisbehavingPage(context: BrowserContext) {
  await context.route('**/guard-test/**', (route) => {
    const path = new URL(route.request().url()).pathname;
    if (path === '/guard-test/page') return route.fulfill({ contentType: 'text/html', headers: { 'Content-Security-Policy': POLICY }, body: PAGE });
    if (path === '/guard-test/app.js') return route.fulfill({ contentType: 'text/javascript', body: APP });
    if (path === '/guard-test/declined') return route.fulfill({ status: 402, body: '' }); // a protocol answer, not a failure
    if (path === '/guard-test/reset') return route.abort('connectionreset');
    return route.fulfill({ status: 404, body: 'Not found' });
  });
}

test('the collector reports CSP and Trusted Types violations, console errors, uncaught errors, 404s and broken connections — not a 402', async ({ browser, pageGuard, expectFailedRequests, expectConsoleErrors }) => {
  // The context below is watched by this test's own guard too: everything it provokes is declared.
  expectFailedRequests(/\/guard-test\/(missing|reset)$/);
  expectConsoleErrors(/./);
  pageGuard.allow('violation', /^(script-src-elem inline|require-trusted-types-for trusted-types-sink)$/);

  const guard = new PageGuard();
  const context = await browser.newContext();
  await guard.watch(context);
  await serveMisbehavingPage(context);
  const page = await context.newPage();
  await page.goto('/guard-test/page');
  await expect.poll(() => guard.problems.length).toBeGreaterThanOrEqual(6);
  await guard.settle();
  const origin = new URL(page.url()).origin;
  const seen = guard.problems.map((p) => `${p.kind} ${p.subject}`);
  expect(seen).toEqual(
    expect.arrayContaining([
      'violation script-src-elem inline',
      'violation require-trusted-types-for trusted-types-sink',
      'console guard test: boom',
      "console Failed to set the 'innerHTML' property on 'Element': This document requires 'TrustedHTML' assignment.",
      `request ${origin}/guard-test/missing`,
      `request ${origin}/guard-test/reset`,
    ]),
  );
  // Each failed load once, though Chromium logs it to the console as well; the 402 not at all.
  expect(seen.filter((s) => s.startsWith('request'))).toHaveLength(2);
  expect(guard.problems.some((p) => p.subject.includes('declined'))).toBe(false);
  expect(guard.report()).toContain('require-trusted-types-for blocked trusted-types-sink');

  // What a test declares is no longer unexpected; the rest still is.
  guard.allow('request', /\/guard-test\/(missing|reset)$/);
  guard.allow('console', /./);
  expect(guard.unexpected().map((p) => p.subject).sort()).toEqual(['require-trusted-types-for trusted-types-sink', 'script-src-elem inline']);
  await context.close();
});

// Expected to fail, and only the guard can fail it: the steps assert nothing. Were the guard to
// miss the page's problems, this test would pass, which Playwright reports as a failure.
test.fail('a test whose page violates the policy fails once it ends, though its own steps passed', async ({ page, context }) => {
  await serveMisbehavingPage(context);
  await page.goto('/guard-test/page');
});
