export {
  amountBand,
  contextKeys,
  TUNING,
  MAX_CONTEXTS,
  MAX_CONTEXT_METHODS,
  type CheckoutContext,
  type Tuning,
  type UsualContext,
  emptyState,
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
export { learn, LEARN_TUNING, type LearnTuning } from './learn';
export { PreferenceRecord, MAX_RECORD_BYTES, parsePreferenceRecord, validatePreferenceState } from './schema';
export { regionalShares } from './regional';
