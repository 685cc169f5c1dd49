#!/usr/bin/env python3
"""Synthetic collapsed stacks shaped like a Python service's, for render benchmarks.

  bench/gen_stacks.py [--stacks N] [--samples M] [--seed S] > stacks.txt

N distinct stacks (default 20,000), each 5 to 60 frames deep, sharing
prefixes the way real call trees do (most stacks continue a part of one
seen before), over M samples (default 1,000,000) spread with a long tail
(a few hot stacks, many cold ones).  Frames are "name (package/module.py:LINE)"
from a few thousand functions in a few hundred modules.  The same seed
gives the same file.
"""
import argparse
import random


def vocabulary(rng, modules=300, functions=3000):
    words = ["get", "set", "load", "parse", "handle", "render", "fetch", "query", "run", "call",
             "dispatch", "wrap", "send", "read", "write", "build", "check", "apply", "resolve"]
    nouns = ["request", "response", "user", "session", "row", "item", "cache", "config", "event",
             "token", "page", "model", "view", "field", "batch", "job", "socket", "frame"]
    packages = ["app", "lib", "core", "web", "db", "util", "api", "orm", "net", "auth"]
    files = ["%s/%s_%d.py" % (rng.choice(packages), rng.choice(nouns), i) for i in range(modules)]
    funcs = []
    for i in range(functions):
        name = "%s_%s" % (rng.choice(words), rng.choice(nouns))
        if rng.random() < 0.4:
            name = "%s%s.%s" % (rng.choice(nouns).title(), rng.choice(words).title(), name)
        funcs.append("%s (%s:%d)" % (name, rng.choice(files), rng.randint(1, 2000)))
    return funcs


def stacks(rng, count, funcs):
    seen, order = set(), []
    root = "<module> (app/main.py:1)"
    while len(order) < count:
        depth = rng.randint(5, 60)
        if order and rng.random() < 0.85:
            base = rng.choice(order)
            stack = list(base[:rng.randint(1, min(len(base), depth - 1))])
        else:
            stack = [root]
        while len(stack) < depth:
            stack.append(rng.choice(funcs))
        key = tuple(stack)
        if key not in seen:
            seen.add(key)
            order.append(key)
    return order


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--stacks", type=int, default=20000)
    ap.add_argument("--samples", type=int, default=1000000)
    ap.add_argument("--seed", type=int, default=42)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    all_stacks = stacks(rng, args.stacks, vocabulary(rng))
    weights = [1.0 / (rank + 1) ** 0.9 for rank in range(len(all_stacks))]
    rng.shuffle(weights)
    scale = (args.samples - len(all_stacks)) / sum(weights)
    counts = [1 + int(w * scale) for w in weights]
    counts[0] += args.samples - sum(counts)   # exactly --samples in all
    lines = sorted("%s %d" % (";".join(s), c) for s, c in zip(all_stacks, counts))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
