export {
  amountBand,
  emptyState,
  learn,
  priorShares,
  rank,
  MAX_METHODS,
  type Device,
  type LearnEvent,
  type MethodStats,
  type Outcome,
  type PreferenceState,
  type RankContext,
  type RankReason,
  type RankedMethod,
} from './model';
export { PreferenceRecord, MAX_RECORD_BYTES, parsePreferenceRecord } from './schema';
export { regionalShares } from './regional';
