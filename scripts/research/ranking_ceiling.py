#!/usr/bin/env python3
"""How far can a ranking model get on a replay file? A research probe, not part of the product or CI.

Fits a conditional logit (softmax over the offered methods) with 29 online features of the
shopper's own history and the population's earlier events, on one half of the shoppers, and
scores repeat top-1 on the other half (then the reverse), next to the same fit in-sample. It
sees exactly what `npm run eval:ranking` lets the shipped model see: the shopper's earlier
checkouts and population counts of strictly earlier timestamps; same-second events never leak.

    python3 scripts/research/ranking_ceiling.py ../shared/data/replay_train.csv

Needs numpy and scipy. See docs/ranking.md for what it found.
"""
import collections
import csv
import json
import math
import sys

import numpy as np
from scipy.optimize import minimize

DECAYS = (0.5, 0.7071, 0.85, 0.95)
EXPONENT = {'JPY': 0, 'KRW': 0, 'VND': 0, 'CLP': 0, 'KWD': 3, 'BHD': 3, 'JOD': 3, 'OMR': 3, 'TND': 3}
SEGMENT_SMOOTHING = 20  # as in scripts/eval-ranking.ts


def band(r):
    major = r['amt'] / 10 ** EXPONENT.get(r['currency'], 2)
    return min(30, math.floor(2 * math.log10(major))) if major >= 1 else 0


def fnv(s):
    """FNV-1a, the same shopper halves as eval-ranking.ts --splits."""
    h = 0x811C9DC5
    for ch in s.encode():
        h = ((h ^ ch) * 0x01000193) & 0xFFFFFFFF
    return h


def load(path):
    rows = list(csv.DictReader(open(path)))
    for r in rows:
        r['t'] = int(r['timestamp'])
        r['amt'] = int(r['amount_minor'])
        r['av'] = list(dict.fromkeys(r['available'].split('|')))
    rows.sort(key=lambda r: r['t'])  # stable: file order for equal timestamps
    return rows


def features(rows):
    """One list of per-method feature dicts per checkout, replayed in time order."""
    region = collections.defaultdict(collections.Counter)
    segment = collections.defaultdict(collections.Counter)
    pending, pending_t = [], -1
    shoppers, out = {}, []
    for r in rows:
        if r['t'] > pending_t:  # only events of earlier seconds reach the population counts
            for p in pending:
                region[p['region']][p['method']] += 1
                segment[(p['region'], p['device'], band(p))][p['method']] += 1
            pending, pending_t = [], r['t']
        S = shoppers.get(r['shopper_id'])
        av, b = r['av'], band(r)
        R, G = region[r['region']], segment[(r['region'], r['device'], b)]
        rt, gt = sum(R[m] for m in av), sum(G[m] for m in av)
        feats, qnow = [], {}
        for m in av:
            cs = (R[m] + 0.5) / (rt + 0.5 * len(av))
            ss = (G[m] + SEGMENT_SMOOTHING * cs) / (gt + SEGMENT_SMOOTHING)
            f = {'lseg': math.log(ss), 'ltilt': math.log(ss / cs)}
            qnow[m] = f['lseg']
            if S is not None:
                k, ms, il = S['k'], S['m'].get(m), 1.0 if S['last'] == m else 0.0
                sr = (S['stays'] + 1.2) / (S['opps'] + 2)  # the shopper's own stay rate, smoothed
                ctxrel = f['lseg'] - S['lastq'].get(m, f['lseg'])
                f.update(
                    is_last=il, last_streak=il * math.log(S['streak']), last_lk=il * math.log(k),
                    last_bchg=il * abs(b - S['lastband']), last_devchg=il * (r['device'] != S['lastdev']),
                    last_sr=il * math.log(sr / (1 - sr)), last_opps=il * math.log(1 + S['opps']),
                    sw_share=(1 - il) * (ms['n'] / k if ms else 0) * (1 - sr),
                    last_lseg=il * f['lseg'], last_ltilt=il * f['ltilt'], last_ctx=il * ctxrel, ctxrel=ctxrel,
                    amtup_tilt=(1 if r['amt'] > S['lastamt'] else -1) * f['ltilt'], lk_lseg=math.log(k) * f['lseg'],
                )
                if ms:
                    f.update({f'w{j}': w for j, w in enumerate(ms['w'])})
                    f.update(
                        share=ms['n'] / k, lsince=math.log(1 + k - ms['lastk']),
                        samedev=ms['dev'][r['device']] / ms['n'], bandnear=math.exp(-abs(b - ms['bsum'] / ms['n'])),
                        used=1.0, used_tilt=f['ltilt'],
                    )
                else:
                    f.update(never=1.0, never_lseg=f['lseg'], never_lk=math.log(k))
            feats.append(f)
        if S is not None:  # a repeat checkout; a chosen method that was not offered is a miss for any model
            out.append((feats, av.index(r['method']) if r['method'] in av else -1, fnv(r['shopper_id']) % 2))
        # The browser learns the choice after the checkout.
        if S is None:
            S = shoppers[r['shopper_id']] = {'k': 0, 'm': {}, 'last': None, 'streak': 0, 'lastq': {}, 'lastamt': 0, 'stays': 0, 'opps': 0}
        for m, ms in S['m'].items():
            if m in av:  # decay only methods the shopper saw and passed over
                ms['w'] = [w * d for w, d in zip(ms['w'], DECAYS)]
        ms = S['m'].setdefault(r['method'], {'w': [0.0] * len(DECAYS), 'n': 0, 'dev': collections.Counter(), 'bsum': 0, 'lastk': 0})
        ms['w'] = [w + 1 for w in ms['w']]
        ms['n'] += 1
        ms['dev'][r['device']] += 1
        ms['bsum'] += b
        ms['lastk'] = S['k'] + 1
        if S['last'] is not None and S['last'] in av:
            S['opps'] += 1
            S['stays'] += r['method'] == S['last']
        S['streak'] = S['streak'] + 1 if S['last'] == r['method'] else 1
        S.update(last=r['method'], k=S['k'] + 1, lastamt=r['amt'], lastq=qnow, lastband=b, lastdev=r['device'])
        pending.append(r)
    return out


def main(path):
    repeat = features(load(path))
    events = [e for e in repeat if e[1] >= 0]
    total = [sum(1 for e in repeat if e[2] == h) for h in (0, 1)]
    names = sorted({k for feats, _, _ in events for f in feats for k in f})
    idx = {n: i for i, n in enumerate(names)}
    n, width, F = len(events), max(len(e[0]) for e in events), len(names)
    X = np.zeros((n, width, F))
    mask = np.full((n, width), -1e9)
    y = np.zeros(n, int)
    half = np.zeros(n, int)
    for i, (feats, yi, h) in enumerate(events):
        for j, f in enumerate(feats):
            mask[i, j] = 0
            for k, v in f.items():
                X[i, j, idx[k]] = v
        y[i], half[i] = yi, h

    def nll(w, sel, l2=1e-3):
        z = X[sel] @ w + mask[sel]
        z -= z.max(1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(1, keepdims=True)
        m, ys = sel.sum(), y[sel]
        grad = np.einsum('nm,nmf->f', p, X[sel]) - X[sel][np.arange(m), ys].sum(0)
        return -np.log(p[np.arange(m), ys]).sum() / m + l2 * w @ w, grad / m + 2 * l2 * w

    def top1(w, sel, of):
        return round(float(((X[sel] @ w + mask[sel]).argmax(1) == y[sel]).sum()) / of, 4)

    fit = lambda sel: minimize(nll, np.zeros(F), args=(sel,), jac=True, method='L-BFGS-B').x
    a, b, every = half == 0, half == 1, np.ones(n, bool)
    w_a, w_b, w_all = fit(a), fit(b), fit(every)
    print(json.dumps({
        'repeat_n': len(repeat),
        'out_of_sample': {'fit_a_test_b': top1(w_a, b, total[1]), 'fit_b_test_a': top1(w_b, a, total[0])},
        'in_sample': top1(w_all, every, len(repeat)),
    }))


if __name__ == '__main__':
    if len(sys.argv) != 2:
        sys.exit('usage: ranking_ceiling.py <replay.csv>')
    main(sys.argv[1])
