import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from '@playwright/test';
import { spawnDemo } from '../demo/spawn';
import { pgliteStorage } from '../src/server/storage/node';
import { expect, test } from './fixtures/test';
import { CheckoutPage } from './pages/checkout-page';

/**
 * Card data stays out of everything the browser keeps, shows or sends in clear, and out of the
 * merchant's database: after a card payment, a declined card and a saved card paid one-click, no
 * PAN (digits alone or grouped with spaces, dashes or dots) and no CVC appears in localStorage,
 * sessionStorage, any IndexedDB store, cookies, the console, the widget's till-* events, any request
 * the page sends (URL, headers, body; the card travels only as a JWE), or any row of the database.
 *
 * The CVC is the distinctive 737 (the form's default test value is 123). A bare "737" is NOT
 * searched for: it turns up in epoch-millisecond timestamps, ids, prices and base64 ciphertext, so
 * it would fail for reasons that are not leaks. It counts as found only in card-field context:
 *   - after a CVC-like key: `"cvc":"737"`, `"cvc": 737`, `cvv=737`, `securityCode: '737'`, …
 *     (a JSON column named cvc, row_to_json of a table, a form or query field, a log line);
 *   - right after other card data, at most 8 non-digits apart: the last four (4242 / 0002) or the
 *     expiry (12/34), as in `4242 737`, `"12/34","737"`; a PAN followed by it is already a PAN hit.
 * Every text is also scanned URL-decoded and, for each base64/base64url run, decoded: encoding is
 * not encryption (a JWE's encrypted parts decode to random bytes, which match neither pattern).
 */

const VISA = { pan: '4242 4242 4242 4242', last4: '4242' };
const DECLINED = { pan: '4000 0000 0000 0002', last4: '0002' };
const CVC = '737';
const EXPIRY = '12 / 34';
const PANS = [VISA.pan, DECLINED.pan];
const US = '?country=US&locale=en';

// ─── the scanner ────────────────────────────────────────────────────────────────────────────────

/** The PAN's digits in order, each pair optionally separated by one space, dash, dot or nbsp. */
const panPattern = (pan: string) => new RegExp(pan.replace(/\D/g, '').split('').join('[\\s\\-.\\u00a0]?'));

const CVC_KEY = String.raw`(?:cvc|cvv|cvn|cv2|cvc2|cvv2|csc|cid|security[\s_-]?code|card[\s_-]?code|verification[\s_-]?(?:value|code))`;
function cvcPatterns(cvc: string): RegExp[] {
  return [
    new RegExp(`${CVC_KEY}\\w*["'\\\\]*\\s*[:=]\\s*["'\\\\]*${cvc}(?!\\d)`, 'i'),
    new RegExp(`(?:${VISA.last4}|${DECLINED.last4}|12\\s*/\\s*34)\\D{0,8}(?<!\\d)${cvc}(?!\\d)`),
  ];
}

/** The text itself, URL-decoded, and every base64(url) run of 16+ characters decoded. */
function variants(text: string): string[] {
  const out = [text];
  try {
    out.push(decodeURIComponent(text.replace(/\+/g, ' ')));
  } catch {
    /* not URL-encoded */
  }
  for (const [run] of text.matchAll(/[A-Za-z0-9+/_-]{16,}={0,2}/g)) out.push(Buffer.from(run, run.includes('-') || run.includes('_') ? 'base64url' : 'base64').toString('latin1'));
  return out;
}

export interface Finding {
  source: string;
  what: string;
  excerpt: string;
}

function scan(source: string, text: string, pans: string[] = PANS, cvc = CVC): Finding[] {
  const found: Finding[] = [];
  const checks = [...pans.map((p) => ({ what: `PAN ${p}`, re: panPattern(p) })), ...cvcPatterns(cvc).map((re) => ({ what: `CVC ${cvc}`, re }))];
  for (const v of variants(text))
    for (const { what, re } of checks) {
      const m = re.exec(v);
      if (m && !found.some((f) => f.what === what)) found.push({ source, what, excerpt: v.slice(Math.max(0, m.index - 60), m.index + m[0].length + 60) });
    }
  return found;
}

// ─── what the browser keeps, shows and sends ────────────────────────────────────────────────────

interface Snapshot {
  local: [string, string][];
  session: [string, string][];
  cookie: string;
  idb: { db: string; store: string; rows: string }[];
  idbNames: string[];
}

/** Runs in the page: every key/value of both storages, document.cookie, every row of every IndexedDB store. */
async function readBrowserStorage(): Promise<Snapshot> {
  const bytes = (b: ArrayBufferLike | ArrayBufferView) => {
    const u8 = ArrayBuffer.isView(b) ? new Uint8Array(b.buffer, b.byteOffset, b.byteLength) : new Uint8Array(b);
    return 'bytes:' + Array.from(u8, (c) => String.fromCharCode(c)).join('');
  };
  const plain = async (v: unknown, depth = 0): Promise<unknown> => {
    if (depth > 20 || v === null || typeof v !== 'object') return typeof v === 'bigint' ? String(v) : v;
    if (v instanceof ArrayBuffer || ArrayBuffer.isView(v)) return bytes(v as ArrayBuffer);
    if (v instanceof Blob) return 'blob:' + (await v.text());
    if (v instanceof Date) return v.toISOString();
    if (v instanceof Map) return plain([...v.entries()], depth + 1);
    if (v instanceof Set) return plain([...v], depth + 1);
    if (Array.isArray(v)) return Promise.all(v.map((x) => plain(x, depth + 1)));
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) o[k] = await plain(x, depth + 1);
    return o;
  };
  const req = <T>(r: IDBRequest<T>) => new Promise<T>((res, rej) => ((r.onsuccess = () => res(r.result)), (r.onerror = () => rej(r.error))));
  const entries = (s: Storage) => Array.from({ length: s.length }, (_, i) => [s.key(i)!, s.getItem(s.key(i)!) ?? ''] as [string, string]);
  const idb: Snapshot['idb'] = [];
  const dbs = await indexedDB.databases();
  for (const { name } of dbs) {
    if (!name) continue;
    const db = await req(indexedDB.open(name));
    for (const store of Array.from(db.objectStoreNames)) {
      const tx = db.transaction(store, 'readonly');
      const os = tx.objectStore(store);
      const [keys, values] = await Promise.all([req(os.getAllKeys()), req(os.getAll())]);
      idb.push({ db: name, store, rows: JSON.stringify(await plain({ keys, values })) });
    }
    db.close();
  }
  return { local: entries(localStorage), session: entries(sessionStorage), cookie: document.cookie, idb, idbNames: dbs.map((d) => d.name ?? '') };
}

/**
 * Runs in every frame before the page's scripts: reports each till-* event that passes
 * <till-checkout> (a document capture listener for the documented names; they bubble and are
 * composed) and, as a net for names not listed, every till-* event dispatched anywhere.
 */
function listenForTillEvents({ binding, names }: { binding: string; names: string[] }): void {
  const report = (type: string, via: string, detail: unknown) => {
    let text: string;
    try {
      text = JSON.stringify(detail) ?? String(detail);
    } catch {
      text = String(detail);
    }
    void (globalThis as unknown as Record<string, (e: { type: string; via: string; detail: string }) => Promise<void>>)[binding]?.({ type, via, detail: text });
  };
  for (const name of names)
    document.addEventListener(
      name,
      (e) => {
        if (e.composedPath().some((n) => (n as Element).localName === 'till-checkout')) report(e.type, 'till-checkout', (e as CustomEvent).detail);
      },
      true,
    );
  const dispatch = EventTarget.prototype.dispatchEvent;
  EventTarget.prototype.dispatchEvent = function (this: EventTarget, e: Event) {
    if (e.type.startsWith('till-')) report(e.type, 'dispatch', (e as CustomEvent).detail);
    return dispatch.call(this, e);
  };
}

const TILL_EVENTS = ['till-viewed', 'till-method-selected', 'till-coupons-changed', 'till-payment-started', 'till-payment-succeeded', 'till-payment-failed', 'till-action-required', 'till-abandoned'];

let evidenceBindings = 0;

/** Collects everything a context shows or sends in clear, and storage snapshots taken along the way. */
class Evidence {
  readonly items: { source: string; text: string }[] = [];
  readonly events: { type: string; via: string; detail: string }[] = [];
  readonly requests: string[] = [];
  readonly idbNames = new Set<string>();
  readonly extra: { source: string; text: string }[] = [];

  private constructor(readonly context: BrowserContext) {}

  static async attach(context: BrowserContext): Promise<Evidence> {
    const ev = new Evidence(context);
    const binding = `__tillCardDataEvent${++evidenceBindings}`;
    await context.exposeBinding(binding, (_src, e: { type: string; via: string; detail: string }) => {
      ev.events.push(e);
      ev.items.push({ source: `event ${e.type} (${e.via})`, text: e.detail });
    });
    await context.addInitScript(listenForTillEvents, { binding, names: TILL_EVENTS });
    context.on('console', (m) => ev.items.push({ source: `console.${m.type()}`, text: m.text() }));
    context.on('weberror', (e) => ev.items.push({ source: 'uncaught error', text: String(e.error().stack ?? e.error().message) }));
    context.on('request', (r) => {
      ev.requests.push(`${r.method()} ${r.url()}`);
      ev.items.push({ source: `request URL ${r.method()} ${r.url()}`, text: r.url() });
      ev.items.push({ source: `request headers ${r.method()} ${r.url()}`, text: JSON.stringify(r.headers()) });
      const body = r.postDataBuffer();
      if (body) ev.items.push({ source: `request body ${r.method()} ${r.url()}`, text: body.toString('latin1') });
    });
    return ev;
  }

  /** Storage and cookies as they are now, labelled with the moment. */
  async snapshot(page: Page, moment: string): Promise<void> {
    const s = await page.evaluate(readBrowserStorage);
    for (const [k, v] of s.local) this.items.push({ source: `localStorage[${k}] ${moment}`, text: `${k}=${v}` });
    for (const [k, v] of s.session) this.items.push({ source: `sessionStorage[${k}] ${moment}`, text: `${k}=${v}` });
    for (const r of s.idb) this.items.push({ source: `indexedDB ${r.db}/${r.store} ${moment}`, text: r.rows });
    for (const n of s.idbNames) this.idbNames.add(n);
    this.items.push({ source: `document.cookie ${moment}`, text: s.cookie });
    for (const c of await this.context.cookies()) this.items.push({ source: `context cookie ${c.name} (${c.domain}) ${moment}`, text: `${c.name}=${c.value}` });
  }

  findings(): Finding[] {
    return [...this.items, ...this.extra].flatMap((i) => scan(i.source, i.text));
  }

  sources(): Set<string> {
    return new Set(this.findings().map((f) => f.source.split(/[ [.]/)[0]!));
  }
}

const describe = (fs: Finding[]) => fs.map((f) => `  ${f.what} in ${f.source}: …${f.excerpt}…`).join('\n');

function expectNoCardData(ev: Evidence): void {
  const found = ev.findings();
  expect(found, `card data found:\n${describe(found)}`).toEqual([]);
}

// ─── flows ──────────────────────────────────────────────────────────────────────────────────────

async function chooseCard(co: CheckoutPage) {
  const card = co.checkout.locator('till-method-list label[data-method="card"]').first();
  if (await card.isVisible()) await card.click();
  await expect(co.field('number')).toBeVisible();
}

async function payByCard(co: CheckoutPage, ev: Evidence, origin: string, { save = false } = {}) {
  await co.open(US, origin);
  await chooseCard(co);
  await co.fillCard(VISA.pan, EXPIRY, CVC);
  if (save) await co.checkout.locator('.consent input').check();
  await ev.snapshot(co.page, 'with the card typed in');
  await co.payButton.click();
  await expect(co.success).toBeVisible();
  await ev.snapshot(co.page, 'after the card payment');
}

async function declineThenPay(co: CheckoutPage, ev: Evidence, origin: string) {
  await co.open(US, origin);
  await chooseCard(co);
  await co.fillCard(DECLINED.pan, EXPIRY, CVC);
  await co.payButton.click();
  await expect(co.failure).toHaveAttribute('data-code', 'card_declined');
  await expect(co.field('number')).toHaveValue(DECLINED.pan);
  await expect(co.field('cvc')).toHaveValue('');
  await ev.snapshot(co.page, 'after the decline');
  await co.fillCard(VISA.pan, EXPIRY, CVC);
  await co.payButton.click();
  await expect(co.success).toBeVisible();
  await ev.snapshot(co.page, 'after paying once declined');
}

/** Signs in, pays by card saving it, then pays the next checkout one-click with the saved card. */
async function savedCardFlow(co: CheckoutPage, ev: Evidence, origin: string) {
  await co.signIn(undefined, origin);
  await payByCard(co, ev, origin, { save: true });
  await co.open(US, origin);
  await expect(co.payButton).toContainText('with Visa •••• 4242');
  await ev.snapshot(co.page, 'offering the saved card');
  await co.payButton.click();
  await expect(co.success).toBeVisible();
  expect((JSON.parse(co.paymentPosts().at(-1)!.body) as { source: { type: string } }).source.type).toBe('saved');
  await ev.snapshot(co.page, 'after the one-click payment');
}

/** The card went as a JWE, and the collectors saw what they should (so a clean scan means something). */
function expectCollected(co: CheckoutPage, ev: Evidence, events: string[]) {
  const cardPosts = co.paymentPosts().filter((p) => (JSON.parse(p.body) as { source: { type: string } }).source.type === 'card_jwe');
  expect(cardPosts.length).toBeGreaterThan(0);
  for (const p of cardPosts) expect((JSON.parse(p.body) as { source: { jwe: string } }).source.jwe.split('.')).toHaveLength(5);
  for (const name of events) expect(ev.events.some((e) => e.type === name && e.via === 'till-checkout'), `saw ${name} on till-checkout`).toBe(true);
  expect(ev.requests.some((r) => r.startsWith('POST '))).toBe(true);
  expect(ev.items.some((i) => i.source.startsWith('indexedDB '))).toBe(true);
}

// ─── tests ──────────────────────────────────────────────────────────────────────────────────────

test('self-test: the scanner finds a planted PAN or CVC in any form, and not a bare 737', () => {
  for (const text of ['4242424242424242', 'x 4242 4242 4242 4242 y', '4242-4242-4242-4242', 'n=4242%204242%204242%204242', Buffer.from('{"number":"4242424242424242"}').toString('base64url'), '4000 0000 0000 0002'])
    expect(scan('planted', text).map((f) => f.what), text).toContainEqual(expect.stringMatching(/^PAN /));
  for (const text of ['{"cvc":"737"}', '{"cvc": 737}', 'cvv=737', "securityCode: '737'", '{\\"cvc\\":\\"737\\"}', '{"last4":"4242","x":"737"}', 'exp 12/34 737', Buffer.from('{"cvc":"737"}').toString('base64')])
    expect(scan('planted', text).map((f) => f.what), text).toContain(`CVC ${CVC}`);
  for (const text of ['{"at":1737000000000}', '{"brand":"visa","last4":"4242"}', 'ord_1737', '{"cvc":"7370"}', '{"amount":5400,"id":"pay_737"}', '4242 4242 4242'])
    expect(scan('clean', text), text).toEqual([]);
});

test('self-test: card data planted in each browser source is found', async ({ page, context }) => {
  const ev = await Evidence.attach(context);
  const co = new CheckoutPage(page);
  await page.route('**/__planted', (route) => route.fulfill({ status: 200, body: '{}' }));
  await co.open(US);
  const pan = VISA.pan.replace(/ /g, '');
  await page.evaluate(
    async ({ pan, cvc }) => {
      localStorage.setItem('planted', pan);
      sessionStorage.setItem('planted', JSON.stringify({ cvc }));
      document.cookie = `planted=${pan}; path=/`;
      console.log('card', pan);
      document.querySelector('till-checkout')!.dispatchEvent(new CustomEvent('till-payment-started', { detail: { card: { cvc } }, bubbles: true, composed: true }));
      await fetch('/__planted', { method: 'POST', body: JSON.stringify({ number: pan }) });
      await new Promise<void>((resolve, reject) => {
        const r = indexedDB.open('planted-db');
        r.onupgradeneeded = () => r.result.createObjectStore('cards').put({ pan: new TextEncoder().encode(pan) }, 'k');
        r.onsuccess = () => (r.result.close(), resolve());
        r.onerror = () => reject(r.error);
      });
    },
    { pan, cvc: CVC },
  );
  await ev.snapshot(page, 'planted');
  await expect.poll(() => [...ev.sources()].sort()).toEqual(['console', 'context', 'document', 'event', 'indexedDB', 'localStorage', 'request', 'sessionStorage']);
  const found = ev.findings();
  expect(found.filter((f) => f.source.startsWith('event')).map((f) => f.source)).toEqual(expect.arrayContaining(['event till-payment-started (till-checkout)', 'event till-payment-started (dispatch)']));
  expect(found.some((f) => f.source.startsWith('indexedDB planted-db/cards'))).toBe(true);
  // The real widget's traffic on this page (session load) is clean: only the planted items were found.
  expect(found.every((f) => /planted/.test(f.source + f.excerpt) || f.source.startsWith('console') || f.source.startsWith('event')), describe(found)).toBe(true);
});

test('a card payment leaves no PAN or CVC in storage, cookies, console, events or requests', async ({ page, context }) => {
  const ev = await Evidence.attach(context);
  const co = new CheckoutPage(page);
  await payByCard(co, ev, '');
  expectCollected(co, ev, ['till-viewed', 'till-payment-started', 'till-payment-succeeded']);
  expectNoCardData(ev);
});

test('a declined card (then a good one) leaves no PAN or CVC anywhere in the browser', async ({ page, context }) => {
  const ev = await Evidence.attach(context);
  const co = new CheckoutPage(page);
  await declineThenPay(co, ev, '');
  expectCollected(co, ev, ['till-viewed', 'till-payment-started', 'till-payment-failed', 'till-payment-succeeded']);
  expect(co.paymentPosts().length).toBe(2);
  expectNoCardData(ev);
});

test('saving a card and paying one-click with it leaves no PAN or CVC anywhere in the browser', async ({ page, context }) => {
  const ev = await Evidence.attach(context);
  const co = new CheckoutPage(page);
  await savedCardFlow(co, ev, '');
  expectCollected(co, ev, ['till-viewed', 'till-payment-started', 'till-payment-succeeded']);
  // The shop's sign-in cookie was there to scan.
  expect(ev.items.some((i) => i.source.startsWith('context cookie'))).toBe(true);
  expectNoCardData(ev);
});

test('the database keeps no PAN or CVC after card, declined and saved-card payments', async ({ page, context }) => {
  test.setTimeout(90_000);
  const dataDir = await mkdtemp(join(tmpdir(), 'till-card-data-'));
  try {
    const demo = await spawnDemo({ args: ['--data', dataDir] });
    const serverLog: string[] = [];
    demo.child.stdout!.on('data', (c: Buffer) => serverLog.push(c.toString()));
    demo.child.stderr!.on('data', (c: Buffer) => serverLog.push(c.toString()));
    const origin = demo.url.replace(/\/$/, '');
    const ev = await Evidence.attach(context);
    const co = new CheckoutPage(page);
    try {
      await declineThenPay(co, ev, origin);
      await savedCardFlow(co, ev, origin);
      // What the demo shop logged of the requests it received.
      const logged = await page.request.get(origin + '/demo/requests');
      ev.extra.push({ source: 'demo /demo/requests', text: await logged.text() });
    } finally {
      await demo.kill('SIGTERM');
    }
    ev.extra.push({ source: 'demo process output', text: serverLog.join('') });
    expectCollected(co, ev, ['till-payment-failed', 'till-payment-succeeded']);
    expectNoCardData(ev);

    // Nor in the database's files (heap, WAL), read before anything else opens them: no clear PAN
    // bytes, not even of rows since updated or deleted. (No CVC here: binary pages have no
    // card-field context to anchor it.)
    const files = (await readdir(dataDir, { recursive: true, withFileTypes: true })).filter((d) => d.isFile());
    expect(files.length).toBeGreaterThan(0);
    const hits: string[] = [];
    for (const f of files) {
      const bytes = (await readFile(join(f.parentPath, f.name))).toString('latin1');
      for (const pan of PANS) if (panPattern(pan).test(bytes)) hits.push(`${pan} in ${join(f.parentPath, f.name)}`);
    }
    expect(hits, hits.join('\n')).toEqual([]);

    const storage = await pgliteStorage({ dataDir });
    try {
      const scanTables = async () => {
        // Every user table in every non-system schema (the kit's and the demo's tables are in public).
        const tables = await storage.db.query<{ schema: string; name: string }>(
          `SELECT table_schema AS schema, table_name AS name FROM information_schema.tables
            WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema') AND table_schema NOT LIKE 'pg\\_%'`,
        );
        const rows: { source: string; text: string }[] = [];
        for (const t of tables) {
          const q = `"${t.schema.replace(/"/g, '""')}"."${t.name.replace(/"/g, '""')}"`;
          for (const r of await storage.db.query<{ row: string }>(`SELECT row_to_json(t)::text AS row FROM ${q} t`)) rows.push({ source: `${t.schema}.${t.name}`, text: r.row });
        }
        return { tables: tables.map((t) => `${t.schema}.${t.name}`), rows };
      };
      const { tables, rows } = await scanTables();
      expect(tables).toEqual(expect.arrayContaining(['public.till_sessions', 'public.till_payments', 'public.till_idempotency', 'public.demo_orders', 'public.demo_vault']));
      // The payments happened and were written: three orders (declined one is not an order), a vaulted card.
      expect(rows.filter((r) => r.source === 'public.demo_orders')).toHaveLength(3);
      expect(rows.filter((r) => r.source === 'public.demo_vault')).toHaveLength(1);
      expect(rows.filter((r) => r.source === 'public.till_payments').length).toBeGreaterThanOrEqual(4);
      const found = rows.flatMap((r) => scan(`row of ${r.source}`, r.text));
      expect(found, `card data in the database:\n${describe(found)}`).toEqual([]);

      // Self-test of the table scan: a planted row in a new table is found.
      await storage.db.query(`CREATE TABLE scanner_self_test (note jsonb)`);
      await storage.db.query(`INSERT INTO scanner_self_test VALUES ($1::jsonb)`, [JSON.stringify({ number: '4242424242424242', cvc: CVC })]);
      const planted = (await scanTables()).rows.flatMap((r) => scan(`row of ${r.source}`, r.text));
      expect(planted.map((f) => `${f.source}: ${f.what}`).sort()).toEqual([`row of public.scanner_self_test: CVC ${CVC}`, `row of public.scanner_self_test: PAN ${VISA.pan}`]);
    } finally {
      await storage.close?.();
    }

  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
