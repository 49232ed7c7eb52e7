import * as z from 'zod/mini';
import { MethodId } from '../../protocol/common';
import { MAX_METHODS, type PreferenceState } from './model';

/** Stored records larger than this are rejected unread (a valid state is well under 2 KB). */
export const MAX_RECORD_BYTES = 4096;

// Finite, non-negative and bounded: a tampered record cannot inject NaN/Infinity/negative
// weights that would poison scores (zod rejects NaN and ±Infinity for z.number()).
const Weight = z.number().check(z.minimum(0), z.maximum(1e6));
const Count = z.int().check(z.minimum(0), z.maximum(1e6));

const MethodStatsSchema = z.object({ w: Weight, mw: Weight, n: Count, s: Weight, f: Weight });

/** Schema of a persisted {@link PreferenceState}; `version` lets a future model discard old records. */
export const PreferenceRecord = z.object({
  version: z.literal(1),
  at: z.number().check(z.minimum(0), z.maximum(8.64e15)),
  last: z.nullable(MethodId),
  streak: Count,
  methods: z
    .record(MethodId, MethodStatsSchema)
    .check(z.refine((r) => Object.keys(r).length <= MAX_METHODS, { message: 'too many methods' })),
});

/** Parses JSON text into a state, or `null` for anything corrupt, tampered, too big or of another version. */
export function parsePreferenceRecord(text: unknown): PreferenceState | null {
  if (typeof text !== 'string' || text.length > MAX_RECORD_BYTES) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return null;
  }
  const r = PreferenceRecord.safeParse(raw);
  return r.success ? r.data : null;
}
