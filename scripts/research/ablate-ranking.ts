/**
 * Ablations of the ranking model for docs/ranking.md: each line turns one part off (through the
 * evaluator's TUNING overrides, or by dropping the rows' context) and prints repeat top-1 and MRR
 * with the best rule of the same replay.
 *
 *   npx tsx scripts/research/ablate-ranking.ts <replay.csv> [more.csv …]
 *
 * Reads the files where they are (the DCPC diary stays in ../shared/data/real); prints figures only.
 */
import { readFileSync } from 'node:fs';
import { bestRule, evaluate, MODEL_TUNING as TUNING, parseReplay, type ModelTuning as Tuning, type ReplayRow } from '../eval-ranking';

const VARIANTS: [name: string, tuning: Partial<Tuning>, stripContext?: boolean][] = [
  ['shipped model', {}],
  ['no context at all (rows without channel/recurring/category)', {}, true],
  ['no merchant-category layer', { category: 0 }],
  ['no channel/recurring layer', { channel: 0 }],
  ['no device layer', { device: 0 }],
  ['no pooled discount (pooled 1)', { pooled: 1 }],
  ['device layer decays like the habit', { deviceDecay: TUNING.habitDecay }],
  ['context layers decay like the habit (2^-½ per checkout)', { decay: TUNING.habitDecay }],
  ['alpha 4 (stronger population prior)', { alpha: 4 }],
];

const round = (x: number): number => Math.round(x * 1e4) / 1e4;

for (const file of process.argv.slice(2)) {
  const rows = parseReplay(readFileSync(file, 'utf8'));
  for (const [name, over, strip] of VARIANTS) {
    const input: ReplayRow[] = strip ? rows.map(({ context: _c, ...r }) => r) : rows;
    const e = evaluate(input, undefined, undefined, { ...TUNING, ...over }).repeat;
    const best = bestRule((r) => e[r].top1);
    console.log(JSON.stringify({ file: file.split('/').pop(), variant: name, model_top1: round(e.model.top1), model_mrr: round(e.model.mrr), best_rule: best, best_rule_top1: round(e[best].top1), gain_pp: round(100 * (e.model.top1 - e[best].top1)), n: e.model.n }));
  }
}
