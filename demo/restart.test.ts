import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Session } from '../src/protocol/index';
import { shopperClient, type Opened } from './http-client';
import { spawnDemo, type DemoProcess } from './spawn';

/**
 * The demo on its default storage (embedded PostgreSQL in a data folder), as a real process that
 * is stopped (SIGTERM) and crashed (SIGKILL) and started again on the same folder: every order,
 * payment status, sign-in and saved card is still there, and a browser that re-sends a payment
 * after the restart gets the original answer, never a second charge.
 */

let dir: string;
let demo: DemoProcess | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'till-restart-'));
});
afterAll(async () => {
  await demo?.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

const start = async () => (demo = await spawnDemo({ args: ['--data', dir] }));

describe('demo restart on its data folder', { timeout: 120_000 }, () => {
  const anon = shopperClient();
  const member = shopperClient();
  const username = `restart_${crypto.randomUUID().slice(0, 8)}`;

  // What the first run did, compared after each restart.
  let cardOpen: Opened;
  let cardBody: Record<string, unknown>;
  let cardReply: Record<string, unknown>;
  let savedOpen: Opened;
  let savedReply: Record<string, unknown>;
  let pixOpen: Opened;
  let pixReply: Record<string, unknown>;
  let ledgerBefore: Awaited<ReturnType<typeof anon.ledger>>;

  it('first run: a card payment, a card saved by a signed-in shopper, a pending PIX QR', async () => {
    const { url } = await start();
    cardOpen = await anon.open(url);
    cardBody = await anon.cardPayment(cardOpen.session);
    const card = await anon.post(url, `/sessions/${cardOpen.session.id}/payments`, cardBody, cardOpen.secret);
    expect(card).toMatchObject({ status: 200, body: { status: 'succeeded' } });
    cardReply = card.body;

    await member.signIn(url, username);
    savedOpen = await member.open(url);
    const saved = await member.post(url, `/sessions/${savedOpen.session.id}/payments`, await member.cardPayment(savedOpen.session, '4242424242424242', { saveMethod: true }), savedOpen.secret);
    expect(saved).toMatchObject({ status: 200, body: { status: 'succeeded' } });
    savedReply = saved.body;

    pixOpen = await anon.open(url, { items: [{ productId: 'tee-classic', quantity: 1 }], country: 'BR' });
    const pix = pixOpen.session.methodQuotes.find((q) => q.method === 'pix')!;
    const pending = await anon.post(
      url,
      `/sessions/${pixOpen.session.id}/payments`,
      { idempotencyKey: `idem_${crypto.randomUUID().replace(/-/g, '')}`, method: 'pix', source: { type: 'none' }, couponCodes: pix.applied.map((a) => a.code), expectedTotal: { amount: pix.total, currency: 'BRL' } },
      pixOpen.secret,
    );
    expect(pending).toMatchObject({ status: 200, body: { status: 'requires_action', action: { type: 'qr' } } });
    pixReply = pending.body;

    ledgerBefore = await anon.ledger(url);
    expect(ledgerBefore.map((e) => e.sessionId)).toEqual([cardOpen.session.id, savedOpen.session.id]);
  });

  /** Everything the first run wrote, read back from a new process. */
  async function expectIntact(url: string) {
    expect((await anon.ledger(url)).slice(0, ledgerBefore.length)).toEqual(ledgerBefore);
    expect(await anon.get(url, `/payments/${cardReply.paymentId as string}`, cardOpen.secret)).toMatchObject({ status: 200, body: cardReply });
    expect(await member.get(url, `/payments/${savedReply.paymentId as string}`, savedOpen.secret)).toMatchObject({ status: 200, body: savedReply });
    // The session and its secret survived too; a wrong secret still opens nothing.
    expect(await anon.get(url, `/sessions/${cardOpen.session.id}`, cardOpen.secret)).toMatchObject({ status: 200, body: { session: { id: cardOpen.session.id } } });
    expect((await anon.get(url, `/sessions/${cardOpen.session.id}`, 'tcs_' + 'A'.repeat(43))).status).toBe(404);
    // The browser re-sends the card payment (its reply was lost in the restart): the same answer, no charge.
    const replay = await anon.post(url, `/sessions/${cardOpen.session.id}/payments`, cardBody, cardOpen.secret);
    expect(replay).toEqual({ status: 200, body: cardReply });
    expect((await anon.ledger(url)).filter((e) => e.sessionId === cardOpen.session.id)).toHaveLength(1);
  }

  /** The sign-in cookie still names the shopper, whose saved card pays one-click. */
  async function paySaved(url: string): Promise<Session> {
    const open = await member.open(url);
    expect(open.session.savedMethods).toEqual([expect.objectContaining({ method: 'card', brand: 'visa', last4: '4242' })]);
    const quote = open.session.methodQuotes.find((q) => q.method === 'card')!;
    const pay = await member.post(
      url,
      `/sessions/${open.session.id}/payments`,
      { idempotencyKey: `idem_${crypto.randomUUID().replace(/-/g, '')}`, method: 'card', source: { type: 'saved', savedMethodId: open.session.savedMethods[0]!.id }, couponCodes: quote.applied.map((a) => a.code), expectedTotal: { amount: quote.total, currency: open.session.currency } },
      open.secret,
    );
    expect(pay).toMatchObject({ status: 200, body: { status: 'succeeded' } });
    return open.session;
  }

  it('after SIGTERM and a restart: ledger, statuses, the pending QR, the sign-in and the saved card are intact', async () => {
    await demo!.kill('SIGTERM');
    const { url } = await start();
    await expectIntact(url);
    // The QR is still pending, with the same payload, and paying it now books the order.
    expect(await anon.get(url, `/payments/${pixReply.paymentId as string}`, pixOpen.secret)).toEqual({ status: 200, body: pixReply });
    const paid = await fetch(`${url}demo/payments/${pixReply.paymentId as string}/complete`, { method: 'POST' });
    expect(paid.status).toBe(200);
    expect(await anon.get(url, `/payments/${pixReply.paymentId as string}`, pixOpen.secret)).toMatchObject({ body: { status: 'succeeded' } });
    const s = await paySaved(url);
    const ledger = await anon.ledger(url);
    expect(ledger.map((e) => e.sessionId)).toEqual([cardOpen.session.id, savedOpen.session.id, pixOpen.session.id, s.id]);
    ledgerBefore = ledger;
  });

  it('after SIGKILL (a crash that leaves the folder lock behind) the next start takes over and nothing is lost', async () => {
    await demo!.kill('SIGKILL');
    const { url } = await start();
    await expectIntact(url);
    expect(await anon.get(url, `/payments/${pixReply.paymentId as string}`, pixOpen.secret)).toMatchObject({ body: { status: 'succeeded' } });
    await paySaved(url);
    expect(await anon.ledger(url)).toHaveLength(5);
  });
});
