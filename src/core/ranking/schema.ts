import * as z from 'zod/mini';
import { MethodId } from '../../protocol/common';
import { MAX_METHODS, type PreferenceState } from './model';

/** Stored records larger than this are rejected unread (a valid state is well under 2 KB). */
export const MAX_RECORD_BYTES = 4096;

// Finite, non-negative and bounded: a tampered record cannot inject NaN/Infinity/negative
// weights that would poison scores (zod rejects NaN and ±Infinity for z.number()).
const upTo = (max: number) => [z.minimum(0), z.maximum(max)] as const;
const Weight = z.number().check(...upTo(1e6));
const Count = z.int().check(...upTo(1e6));

/**
 * Schema of a persisted {@link PreferenceState}, with `methods` read as a bounded list of
 * `{ id, …stats }` (see {@link validatePreferenceState}); `version` lets a future model discard
 * old records.
 */
export const PreferenceRecord = z.object({
  version: z.literal(1),
  at: z.number().check(...upTo(8.64e15)),
  last: z.optional(MethodId),
  streak: Count,
  methods: z.array(z.object({ id: MethodId, w: Weight, mw: Weight, n: Count, s: Weight, f: Weight })).check(z.maxLength(MAX_METHODS)),
});

/**
 * Validates a state (as stored: `methods` keyed by method id, `last` possibly null) and returns a
 * clean copy, or `null`. Keys become list entries before zod sees them, so each id is checked
 * like any other field, and the copy is rebuilt with own properties only.
 */
export function validatePreferenceState(raw: unknown): PreferenceState | null {
  if (!raw || typeof raw !== 'object') return null;
  const r = raw as { methods?: unknown; last?: unknown };
  const m = r.methods;
  if (!m || typeof m !== 'object' || Array.isArray(m)) return null;
  const methods = Object.entries(m).map(([id, v]) => ({ ...(v && typeof v === 'object' ? v : {}), id }));
  const parsed = PreferenceRecord.safeParse({ ...r, last: r.last ?? undefined, methods });
  if (!parsed.success) return null;
  const { methods: list, last, ...rest } = parsed.data;
  return { ...rest, last: last ?? null, methods: Object.fromEntries(list.map(({ id, ...st }) => [id, st])) };
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
