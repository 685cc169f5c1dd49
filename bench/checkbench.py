"""peekpy check and diff in numbers: how often they are right, and how fast.

Power: examples/ci/app.py (parse 20% of the time, transform 50%, render 30%,
about 10 s a run) is recorded POOL times as it is, POOL times with parse
10% slower and POOL times with parse 3% slower, interleaved, at 100 samples
a second, one recording a run.  Then, with a fixed seed, 40 pairs of three
runs against three are drawn for each case and judged by `peekpy check`:
same against same (false alarms: at most 2 of 40 allowed), 10% slower
(caught, and parse heading the report: at least 38 of 40), 3% slower
(reported as a regression at the default 5% threshold: should be rare).
Beside it, the same pairs judged the way one compares two profiles
without statistics: a function whose share moved by more than the
threshold is called slower.

Speed: two recordings of about a million samples each are compared by
`peekpy check` and drawn by `peekpy diff` (goal: under a second each),
beside flamegraph.pl's difffolded.pl and flamegraph.pl on the same stacks
as collapsed files, when $FLAMEGRAPH_PL is set or flamegraph.pl is on PATH.

Imported by bench/run.py; also runs alone:
  python3 bench/checkbench.py --peekpy PATH [--runs N] [--reuse] [--no-speed]
"""
import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
APP = os.path.join(ROOT, "examples", "ci", "app.py")
PAIRS = 40
SEED = 20261206
CASES = (("same", 1.0), ("slow10", 1.10), ("slow3", 1.03))


def record_pool(peekpy, python, pool, runs, reuse):
    """POOL recordings per case, interleaved so that the machine's drift
    falls on every case alike; recorded again unless reuse."""
    if not reuse and os.path.exists(pool):
        shutil.rmtree(pool)
    os.makedirs(pool, exist_ok=True)
    for i in range(runs):
        for case, cost in CASES:
            path = os.path.join(pool, "%s-%02d.peek" % (case, i))
            if os.path.exists(path):
                continue
            subprocess.run([peekpy, "record", "-r", "100", "-f", "raw", "-o", path, "--",
                            python, APP, "--parse-cost", str(cost)],
                           check=True, stderr=subprocess.DEVNULL)


def judge(peekpy, base, new, workdir):
    """peekpy check's exit status and rows."""
    report = os.path.join(workdir, "check.json")
    status = subprocess.run([peekpy, "check"] + base + ["--"] + new + ["--json", report],
                            stdout=subprocess.DEVNULL).returncode
    with open(report) as f:
        return status, json.load(f)


def naive_slower(rows, threshold=0.05):
    """Without statistics: the functions whose share grew by more than the
    threshold."""
    return [r["function"] for r in rows if r["time"] == "own" and r["before_share"] > 0 and
            r["after_share"] / r["before_share"] - 1 > threshold]


def bench_power(peekpy, python, workdir, runs, reuse=False):
    pool = os.path.join(workdir, "check-pool")
    print()
    print("check: examples/ci/app.py, 100/s, ~10 s a run, %d pairs a case (seed %d), from %d "
          "recorded runs a case" % (PAIRS, SEED, runs))
    record_pool(peekpy, python, pool, runs, reuse)
    files = {case: sorted(os.path.join(pool, f) for f in os.listdir(pool)
                          if f.startswith(case + "-") and f.endswith(".peek"))
             for case, _ in CASES}
    for side in (3, 6):
        if 2 * side <= runs:
            judge_pairs(peekpy, workdir, files, side)


def judge_pairs(peekpy, workdir, files, side):
    rng = random.Random(SEED)
    print("%-30s %-28s %-26s" % ("%d runs a side" % side, "peekpy check",
                                 "share moved > 5% (no stats)"))
    for case, _ in CASES:
        failed = headed = naive = 0
        for _ in range(PAIRS):
            if case == "same":
                drawn = rng.sample(files["same"], 2 * side)
                base, new = drawn[:side], drawn[side:]
            else:
                base, new = rng.sample(files["same"], side), rng.sample(files[case], side)
            status, report = judge(peekpy, base, new, workdir)
            if status == 2:
                raise RuntimeError("peekpy check could not compare %s with %s" % (base, new))
            failed += status == 1
            rows = report["rows"]
            headed += status == 1 and rows[0]["function"].startswith("parse ")
            naive += bool(naive_slower(rows))
        if case == "same":
            verdict = "%d of %d false alarms" % (failed, PAIRS)
            baseline = "%d of %d false alarms" % (naive, PAIRS)
        elif case == "slow10":
            verdict = "caught %d of %d, parse first %d" % (failed, PAIRS, headed)
            baseline = "caught %d of %d" % (naive, PAIRS)
        else:
            verdict = "%d of %d failed" % (failed, PAIRS)
            baseline = "%d of %d failed" % (naive, PAIRS)
        label = {"same": "same vs same", "slow10": "parse 10% slower",
                 "slow3": "parse 3% slower"}[case]
        print("  %-28s %-28s %-26s" % (label, verdict, baseline), flush=True)


def cpu_run(argv, stdout=subprocess.DEVNULL):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    status = subprocess.run(argv, stdout=stdout).returncode
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return status, wall, cpu


def bench_speed(peekpy, python, workdir, seconds=12):
    """check and diff of two recordings of about a million samples."""
    base = os.path.join(workdir, "million-base.peek")
    new = os.path.join(workdir, "million-new.peek")
    print()
    for path, cost in ((base, "1.0"), (new, "1.10")):
        subprocess.run([peekpy, "record", "-r", "1000000", "-d", str(seconds), "-f", "raw",
                        "-o", path, "--", python, APP, "--rounds", "100", "--parse-cost", cost],
                       check=True, stderr=subprocess.DEVNULL)
    samples = []
    for path in (base, new):
        info = subprocess.run([peekpy, "info", path], capture_output=True, text=True).stdout
        samples.append(next(line.split()[1].rstrip(",") for line in info.splitlines()
                            if line.startswith("samples:")))
    print("check and diff: two recordings of %s and %s samples" % tuple(samples))
    print("%-34s %8s  %8s" % ("tool", "wall s", "CPU s"))
    time_check_and_diff(peekpy, base, new, os.path.join(workdir, "million-diff.svg"))
    bench_speed_collapsed(peekpy, workdir)


def time_check_and_diff(peekpy, base, new, svg):
    for label, argv in (("peekpy check", [peekpy, "check", base, new]),
                        ("peekpy diff (svg)", [peekpy, "diff", base, new, "-o", svg])):
        status, wall, cpu = cpu_run(argv)
        if status not in (0, 1):
            raise RuntimeError("%s failed" % label)
        print("%-34s %8.2f  %8.2f" % (label, wall, cpu), flush=True)


def synthetic_pair(workdir):
    """bench/gen_stacks.py's profile, and the same with a tenth of its
    stacks 20% heavier."""
    base = os.path.join(workdir, "synthetic-base.txt")
    new = os.path.join(workdir, "synthetic-new.txt")
    with open(base, "w") as out:
        subprocess.run([sys.executable, os.path.join(HERE, "gen_stacks.py")], stdout=out,
                       check=True)
    rng = random.Random(SEED)
    with open(base) as src, open(new, "w") as dst:
        for line in src:
            stack, _, count = line.rstrip("\n").rpartition(" ")
            weight = 1.2 if rng.random() < 0.1 else 1.0
            dst.write("%s %d\n" % (stack, max(1, round(int(count) * weight))))
    return base, new


def bench_speed_collapsed(peekpy, workdir):
    """The same on collapsed stacks of many distinct stacks, where
    flamegraph.pl's difffolded.pl can be run beside."""
    base, new = synthetic_pair(workdir)
    print("the same on collapsed stacks: 20,000 distinct stacks 5-60 deep, 1,000,000 samples "
          "a side (bench/gen_stacks.py)")
    time_check_and_diff(peekpy, base, new, os.path.join(workdir, "synthetic-diff.svg"))
    flamegraph = os.environ.get("FLAMEGRAPH_PL") or shutil.which("flamegraph.pl")
    difffolded = flamegraph and os.path.join(os.path.dirname(flamegraph), "difffolded.pl")
    if not difffolded or not os.path.exists(difffolded):
        print("difffolded.pl: not found beside flamegraph.pl ($FLAMEGRAPH_PL, from "
              "github.com/brendangregg/FlameGraph): no baseline")
        return
    diffed = os.path.join(workdir, "synthetic-diff.folded")
    with open(diffed, "w") as out:
        _, wall1, cpu1 = cpu_run(["perl", difffolded, base, new], stdout=out)
    with open(os.path.join(workdir, "synthetic-diff-flamegraph.svg"), "w") as out:
        _, wall2, cpu2 = cpu_run(["perl", flamegraph, diffed], stdout=out)
    print("%-34s %8.2f  %8.2f" % ("difffolded.pl + flamegraph.pl", wall1 + wall2, cpu1 + cpu2))
    print("(difffolded.pl + flamegraph.pl draw the change, judging nothing)")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--peekpy", required=True)
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--workdir", default=os.path.join(ROOT, "build", "bench"))
    ap.add_argument("--runs", type=int, default=12, help="recorded runs a case")
    ap.add_argument("--reuse", action="store_true",
                    help="judge the recordings of the last run again")
    ap.add_argument("--no-speed", action="store_true")
    args = ap.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    bench_power(args.peekpy, args.python, args.workdir, args.runs, args.reuse)
    if not args.no_speed:
        bench_speed(args.peekpy, args.python, args.workdir)


if __name__ == "__main__":
    main()
