import * as z from 'zod/mini';
import { MethodId } from '../../protocol/common';
import { MAX_CONTEXT_METHODS, MAX_CONTEXTS, MAX_METHODS, MAX_RECORD_BYTES, type PreferenceState } from './model';

export { MAX_RECORD_BYTES };

// Finite, non-negative and bounded: a tampered record cannot inject NaN/Infinity/negative
// weights that would poison scores (zod rejects NaN and ±Infinity for z.number()).
const upTo = (max: number) => [z.minimum(0), z.maximum(max)] as const;
const Weight = z.number().check(...upTo(1e6));
const Count = z.int().check(...upTo(1e6));

/** A context key as contextKeys() builds it: `d:` + device, `c:` + two flags, or `m:` + a merchant category. */
const ContextKey = z.string().check(z.regex(/^(d:[md]|c:[io-][rp-]|m:[\w.:-]{1,32})$/));

/**
 * Schema of a persisted {@link PreferenceState}, with `methods` and `ctx` read as bounded lists
 * of `{ id, … }` (see {@link validatePreferenceState}). Version 1 records (before context) are
 * migrated on read: their habits are kept and their context history starts empty.
 */
export const PreferenceRecord = z.object({
  version: z.literal([1, 2]),
  at: z.number().check(...upTo(8.64e15)),
  last: z.optional(MethodId),
  streak: Count,
  methods: z.array(z.object({ id: MethodId, w: Weight, n: Count, s: Weight, f: Weight })).check(z.maxLength(MAX_METHODS)),
  ctx: z.optional(
    z.array(z.object({ id: ContextKey, w: z.array(z.object({ id: MethodId, w: Weight })).check(z.maxLength(MAX_CONTEXT_METHODS)) })).check(z.maxLength(MAX_CONTEXTS)),
  ),
});

/**
 * Own-property entries of a plain object as `{ id, …value }` (or `{ id, w: value }` for a number;
 * `{ id, w: entries(value) }` for a context's methods), else null.
 */
function entries(o: unknown, nested?: boolean): { id: string }[] | null {
  if (!o || typeof o !== 'object' || Array.isArray(o)) return null;
  return Object.entries(o).map(([id, v]) => (nested ? { id, w: entries(v) } : v && typeof v === 'object' ? { ...v, id } : { id, w: v }));
}

/**
 * Validates a state (as stored: `methods` and `ctx` keyed by id, `last` possibly null) and
 * returns a clean version-2 copy, or `null`. Keys become list entries before zod sees them, so
 * each id is checked like any other field, and the copy is rebuilt with own properties only.
 */
export function validatePreferenceState(raw: unknown): PreferenceState | null {
  if (!raw || typeof raw !== 'object') return null;
  const r = raw as { methods?: unknown; last?: unknown; ctx?: unknown; version?: unknown };
  const methods = entries(r.methods);
  const ctx = r.version === 1 ? [] : entries(r.ctx, true);
  if (!methods || !ctx) return null;
  const parsed = PreferenceRecord.safeParse({ ...r, last: r.last ?? undefined, methods, ctx });
  if (!parsed.success) return null;
  const { methods: list, last, ctx: contexts = [], ...rest } = parsed.data;
  const byId = <T extends { id: string }, V>(l: T[], f: (e: T) => V) => Object.fromEntries(l.map((e) => [e.id, f(e)]));
  return {
    ...rest,
    version: 2,
    last: last ?? null,
    methods: byId(list, ({ id: _, ...st }) => st),
    ctx: byId(contexts, (c) => byId(c.w, (e) => e.w)),
  };
}

/** Parses JSON text into a state, or `null` for anything corrupt, tampered, too big or of another version. */
export function parsePreferenceRecord(text: unknown): PreferenceState | null {
  if (typeof text !== 'string' || text.length > MAX_RECORD_BYTES) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return null;
  }
  return validatePreferenceState(raw);
}
