export {
  amountBand,
  emptyState,
  learn,
  priorMaps,
  priorShares,
  type PriorMaps,
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
export { PreferenceRecord, MAX_RECORD_BYTES, parsePreferenceRecord, validatePreferenceState } from './schema';
export { regionalShares } from './regional';
