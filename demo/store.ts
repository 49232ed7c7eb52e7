/**
 * The demo merchant's own data (orders, the simulated processor's vault, passkeys, sign-in), in
 * the same database as the server kit's state: tables under the `demo` migration namespace. No
 * card number or security code is ever stored: the vault keeps what a processor's token stands
 * for (brand, last four, expiry and the simulated outcome), never the PAN.
 */
import type { SqlDb } from '../src/server/storage/index';
import type { SavedMethod } from '../src/protocol/index';

export const DEMO_MIGRATIONS = [
  {
    version: 1,
    name: 'demo tables: orders, vault, pending, passkeys, challenges, shoppers, logins, keys',
    sql: `
      CREATE SEQUENCE demo_order_seq START 1001;
      CREATE TABLE demo_orders (
        order_id text PRIMARY KEY,
        -- One order per payment, enforced by the database: a payment can never be booked twice.
        payment_id text NOT NULL UNIQUE,
        session_id text NOT NULL,
        method text NOT NULL,
        amount bigint NOT NULL CHECK (amount >= 0),
        currency text NOT NULL,
        coupons jsonb NOT NULL,
        card jsonb,
        shopper_id text,
        installments integer,
        at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX demo_orders_session ON demo_orders (session_id);
      CREATE INDEX demo_orders_shopper ON demo_orders (shopper_id);
      CREATE TABLE demo_vault (
        id text PRIMARY KEY,
        shopper_id text NOT NULL,
        method jsonb NOT NULL,
        outcome text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX demo_vault_shopper ON demo_vault (shopper_id);
      CREATE TABLE demo_pending (payment_id text PRIMARY KEY, detail jsonb NOT NULL);
      CREATE TABLE demo_passkeys (
        credential_id text PRIMARY KEY,
        shopper_id text NOT NULL,
        public_key text NOT NULL,
        counter bigint NOT NULL,
        transports jsonb
      );
      CREATE INDEX demo_passkeys_shopper ON demo_passkeys (shopper_id);
      CREATE TABLE demo_challenges (key text PRIMARY KEY, challenge text NOT NULL, expires_at bigint NOT NULL);
      CREATE TABLE demo_shoppers (id text PRIMARY KEY, username text NOT NULL UNIQUE, password_hash text NOT NULL);
      CREATE TABLE demo_logins (token_hash text PRIMARY KEY, shopper_id text NOT NULL, expires_at bigint NOT NULL);
      CREATE TABLE demo_keys (id text PRIMARY KEY, jwk jsonb NOT NULL);
    `,
  },
  {
    version: 2,
    name: 'agents: who paid (shopper or agent, under which mandate), delegated payment tokens',
    sql: `
      ALTER TABLE demo_orders ADD COLUMN actor text NOT NULL DEFAULT 'shopper';
      ALTER TABLE demo_orders ADD COLUMN agent_id text;
      ALTER TABLE demo_orders ADD COLUMN mandate_id text;
      -- The simulated PSP's delegated payment tokens (ACP delegate_payment): what each allows and
      -- what card it stands for (brand, last four, simulated outcome), never the card number.
      CREATE TABLE demo_delegated_tokens (
        token text PRIMARY KEY,
        mandate jsonb NOT NULL,
        card jsonb NOT NULL,
        outcome text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
    `,
  },
];

export interface LedgerEntry {
  orderId: string;
  paymentId: string;
  sessionId: string;
  method: string;
  amount: number;
  currency: string;
  coupons: string[];
  card?: { brand: string; last4: string };
  shopperId?: string;
  installments?: number;
  /** Who paid: the shopper in the widget, or an agent under a mandate. */
  actor: 'shopper' | 'agent';
  agentId?: string;
  mandateId?: string;
  at: string;
}

/** What the simulated processor's token stands for: never the card number. */
export interface VaultEntry {
  method: SavedMethod;
  /** The simulated processor's answer for this card: approved, challenge, or a decline code. */
  outcome: string;
}

type Row = Record<string, unknown>;

const toEntry = (r: Row): LedgerEntry => ({
  orderId: String(r.order_id),
  paymentId: String(r.payment_id),
  sessionId: String(r.session_id),
  method: String(r.method),
  amount: Number(r.amount),
  currency: String(r.currency),
  coupons: r.coupons as string[],
  ...(r.card ? { card: r.card as { brand: string; last4: string } } : {}),
  ...(r.shopper_id ? { shopperId: String(r.shopper_id) } : {}),
  ...(r.installments ? { installments: Number(r.installments) } : {}),
  actor: r.actor === 'agent' ? 'agent' : 'shopper',
  ...(r.agent_id ? { agentId: String(r.agent_id) } : {}),
  ...(r.mandate_id ? { mandateId: String(r.mandate_id) } : {}),
  at: new Date(r.at as string).toISOString(),
});

export function demoStore(db: SqlDb) {
  return {
    /**
     * Books an order for a payment, once: a second booking of the same payment returns the first
     * order (the unique payment_id constraint decides, across every instance).
     */
    async book(e: Omit<LedgerEntry, 'orderId' | 'at' | 'actor'> & { actor?: LedgerEntry['actor'] }): Promise<string> {
      const rows = await db.query<Row>(
        `INSERT INTO demo_orders (order_id, payment_id, session_id, method, amount, currency, coupons, card, shopper_id, installments, actor, agent_id, mandate_id)
         VALUES ('ord_' || nextval('demo_order_seq'), $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
         ON CONFLICT (payment_id) DO NOTHING RETURNING order_id`,
        [e.paymentId, e.sessionId, e.method, e.amount, e.currency, JSON.stringify(e.coupons), e.card ? JSON.stringify(e.card) : null, e.shopperId ?? null, e.installments ?? null, e.actor ?? 'shopper', e.agentId ?? null, e.mandateId ?? null],
      );
      if (rows[0]) return String(rows[0].order_id);
      return (await this.orderOf(e.paymentId))!.orderId;
    },
    async orderOf(paymentId: string): Promise<LedgerEntry | undefined> {
      const rows = await db.query<Row>('SELECT * FROM demo_orders WHERE payment_id = $1', [paymentId]);
      return rows[0] ? toEntry(rows[0]) : undefined;
    },
    async ledger(): Promise<LedgerEntry[]> {
      return (await db.query<Row>('SELECT * FROM demo_orders ORDER BY at, order_id')).map(toEntry);
    },
    async hasOrders(shopperId: string): Promise<boolean> {
      return (await db.query('SELECT 1 FROM demo_orders WHERE shopper_id = $1 LIMIT 1', [shopperId])).length > 0;
    },
    /** The simulated PSP issues a delegated payment token for an agent (see /demo/delegate_payment). */
    async addDelegatedToken(token: string, mandate: Record<string, unknown>, card: { brand: string; last4: string; expMonth: number; expYear: number }, outcome: string): Promise<void> {
      await db.query('INSERT INTO demo_delegated_tokens (token, mandate, card, outcome) VALUES ($1, $2, $3, $4)', [token, JSON.stringify(mandate), JSON.stringify(card), outcome]);
    },
    async delegatedToken(token: string): Promise<{ mandate: Record<string, unknown>; card: { brand: string; last4: string; expMonth: number; expYear: number }; outcome: string } | undefined> {
      const rows = await db.query<Row>('SELECT mandate, card, outcome FROM demo_delegated_tokens WHERE token = $1', [token]);
      const r = rows[0];
      return r ? { mandate: r.mandate as Record<string, unknown>, card: r.card as never, outcome: String(r.outcome) } : undefined;
    },
    async clearLedger(): Promise<void> {
      await db.query('DELETE FROM demo_orders');
    },

    async vault(shopperId: string): Promise<VaultEntry[]> {
      const rows = await db.query<Row>('SELECT method, outcome FROM demo_vault WHERE shopper_id = $1 ORDER BY created_at, id', [shopperId]);
      return rows.map((r) => ({ method: r.method as SavedMethod, outcome: String(r.outcome) }));
    },
    /** Saves a card's token for a shopper; the same card (brand, last four, expiry) is saved once. */
    async saveToVault(shopperId: string, method: Omit<SavedMethod, 'id'>, outcome: string): Promise<string> {
      const same = (await this.vault(shopperId)).find(
        (v) => v.method.brand === method.brand && v.method.last4 === method.last4 && v.method.expMonth === method.expMonth && v.method.expYear === method.expYear,
      );
      if (same) return same.method.id;
      const id = `pm_${crypto.randomUUID().replace(/-/g, '').slice(0, 16)}`;
      await db.query('INSERT INTO demo_vault (id, shopper_id, method, outcome) VALUES ($1, $2, $3, $4)', [id, shopperId, JSON.stringify({ id, ...method }), outcome]);
      return id;
    },

    async setPending(paymentId: string, detail: { card?: { brand: string; last4: string }; installments?: number }): Promise<void> {
      await db.query('INSERT INTO demo_pending (payment_id, detail) VALUES ($1, $2) ON CONFLICT (payment_id) DO UPDATE SET detail = EXCLUDED.detail', [paymentId, JSON.stringify(detail)]);
    },
    /** Takes (reads and removes) what the ledger needs once a pending payment completes. */
    async takePending(paymentId: string): Promise<{ card?: { brand: string; last4: string }; installments?: number }> {
      const rows = await db.query<Row>('DELETE FROM demo_pending WHERE payment_id = $1 RETURNING detail', [paymentId]);
      return (rows[0]?.detail as { card?: { brand: string; last4: string }; installments?: number } | undefined) ?? {};
    },

    /** The demo's JWE key pair, created once and shared by every instance on this database. */
    async keyPair(create: () => Promise<Record<string, unknown>>): Promise<Record<string, unknown>> {
      const found = await db.query<Row>("SELECT jwk FROM demo_keys WHERE id = 'card-jwe'");
      if (found[0]) return found[0].jwk as Record<string, unknown>;
      await db.query("INSERT INTO demo_keys (id, jwk) VALUES ('card-jwe', $1) ON CONFLICT (id) DO NOTHING", [JSON.stringify(await create())]);
      return (await db.query<Row>("SELECT jwk FROM demo_keys WHERE id = 'card-jwe'"))[0]!.jwk as Record<string, unknown>;
    },

    async shopperByName(username: string): Promise<{ id: string; passwordHash: string } | undefined> {
      const r = (await db.query<Row>('SELECT id, password_hash FROM demo_shoppers WHERE username = $1', [username]))[0];
      return r ? { id: String(r.id), passwordHash: String(r.password_hash) } : undefined;
    },
    async usernameOf(shopperId: string): Promise<string | undefined> {
      const r = (await db.query<Row>('SELECT username FROM demo_shoppers WHERE id = $1', [shopperId]))[0];
      return r ? String(r.username) : undefined;
    },
    /** Creates an account; undefined when the name was taken meanwhile. */
    async createShopper(id: string, username: string, passwordHash: string): Promise<boolean> {
      return (await db.query('INSERT INTO demo_shoppers (id, username, password_hash) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING id', [id, username, passwordHash])).length === 1;
    },
    async addLogin(tokenHash: string, shopperId: string, expiresAt: number): Promise<void> {
      await db.query('INSERT INTO demo_logins (token_hash, shopper_id, expires_at) VALUES ($1, $2, $3)', [tokenHash, shopperId, expiresAt]);
    },
    async login(tokenHash: string, now: number): Promise<{ shopperId: string; username: string } | undefined> {
      const r = (await db.query<Row>('SELECT l.shopper_id, s.username FROM demo_logins l JOIN demo_shoppers s ON s.id = l.shopper_id WHERE l.token_hash = $1 AND l.expires_at > $2', [tokenHash, now]))[0];
      return r ? { shopperId: String(r.shopper_id), username: String(r.username) } : undefined;
    },
    async removeLogin(tokenHash: string): Promise<void> {
      await db.query('DELETE FROM demo_logins WHERE token_hash = $1', [tokenHash]);
    },

    passkeys: {
      async list(shopperId: string): Promise<{ id: string; publicKey: string; counter: number; transports?: string[] }[]> {
        const rows = await db.query<Row>('SELECT credential_id, public_key, counter, transports FROM demo_passkeys WHERE shopper_id = $1', [shopperId]);
        return rows.map((r) => ({ id: String(r.credential_id), publicKey: String(r.public_key), counter: Number(r.counter), ...(r.transports ? { transports: r.transports as string[] } : {}) }));
      },
      async add(shopperId: string, c: { id: string; publicKey: string; counter: number; transports?: string[] }): Promise<void> {
        await db.query('INSERT INTO demo_passkeys (credential_id, shopper_id, public_key, counter, transports) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING', [c.id, shopperId, c.publicKey, c.counter, c.transports ? JSON.stringify(c.transports) : null]);
      },
      async setCounter(credentialId: string, counter: number): Promise<void> {
        await db.query('UPDATE demo_passkeys SET counter = $2 WHERE credential_id = $1', [credentialId, counter]);
      },
      async putChallenge(key: string, challenge: string, expiresAt: number): Promise<void> {
        await db.query('INSERT INTO demo_challenges (key, challenge, expires_at) VALUES ($1, $2, $3) ON CONFLICT (key) DO UPDATE SET challenge = EXCLUDED.challenge, expires_at = EXCLUDED.expires_at', [key, challenge, expiresAt]);
      },
      /** Takes a challenge once: a replayed answer finds none. */
      async takeChallenge(key: string, now: number): Promise<string | undefined> {
        const r = (await db.query<Row>('DELETE FROM demo_challenges WHERE key = $1 RETURNING challenge, expires_at', [key]))[0];
        return r && Number(r.expires_at) > now ? String(r.challenge) : undefined;
      },
    },
  };
}

export type DemoStore = ReturnType<typeof demoStore>;
