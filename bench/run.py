#!/usr/bin/env python3
"""peekpy's sampling benchmark, beside baselines run in the same invocation.

Samples a CPU-bound target parked DEPTH frames deep (bench/deep_busy.py) and
prints, per tool and rate: samples per second achieved against the rate
asked, the sampler's own CPU time per sample (user + system, from wait4),
and the share of samples in error.  Baselines: austin (Debian's package,
which reads CPython up to 3.10, so it runs against the 3.10 interpreter)
and CPython 3.15's own sampler, python3.15 -m profiling.sampling
("Tachyon"), against the sid 3.15 interpreter.  Then it renders a synthetic
profile (bench/gen_stacks.py) into a flame graph beside flamegraph.pl (found
on PATH or as $FLAMEGRAPH_PL): CPU time, peak memory, bytes written, and
how fast the file is in headless Chromium.  Last, peekpy check and diff
(bench/checkbench.py): how often check is right on recorded runs, and how
fast both are on two profiles of a million samples.  And what sampling
costs the target, timed alone and beside peekpy (bench/slowdown.py).  A baseline that is not
installed is reported as missing; peekpy's figures are printed anyway.

  bench/run.py --peekpy PATH [--seconds S] [--quick]
"""
import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
import harness  # noqa: E402
import checkbench  # noqa: E402
import slowdown  # noqa: E402

harness.TARGET_SOURCES = HERE   # the target scripts are bench/*.py


def cpu_of(proc):
    """Wait for proc; return (status, user + system CPU seconds)."""
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = status
    return status, usage.ru_utime + usage.ru_stime


class Result:
    def __init__(self, tool, asked, samples, seconds, cpu, errors=0, note=""):
        self.tool, self.asked, self.samples, self.seconds = tool, asked, samples, seconds
        self.cpu, self.errors, self.note = cpu, errors, note

    def row(self, label, depth):
        rate = self.samples / self.seconds if self.seconds else 0
        per = 1e6 * self.cpu / self.samples if self.samples else float("nan")
        err = 100.0 * self.errors / self.samples if self.samples else 0
        return "%-22s %5d  %-8s %9s  %10.0f  %9.1f  %6.2f%%  %s" % (
            label, depth, self.tool, self.asked, rate, per, err, self.note)


def run_peekpy(peekpy, pid, rate, seconds, workdir):
    out = os.path.join(workdir, "peekpy.txt")
    proc = subprocess.Popen([peekpy, "record", "--pid", str(pid), "-r", str(rate), "-d",
                             str(seconds), "-f", "collapsed", "-o", out], stderr=subprocess.PIPE)
    err = proc.stderr.read().decode()
    _, cpu = cpu_of(proc)
    m = re.search(r"(\d+) samples \(([\d.]+)/s of .*?\), (\d+) errors", err)
    if not m:
        raise RuntimeError("peekpy failed: " + err)
    samples = int(m.group(1))
    return Result("peekpy", "max" if rate >= 1e6 else str(rate), samples,
                  samples / float(m.group(2)) if float(m.group(2)) else seconds, cpu,
                  int(m.group(3)))


def run_austin(pid, interval_us, seconds, workdir):
    out = os.path.join(workdir, "austin.txt")
    start = time.monotonic()
    proc = subprocess.Popen(["austin", "-i", str(interval_us), "-p", str(pid), "-o", out],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(seconds)   # austin 1.0 has no duration option: stop it after the run
    proc.send_signal(signal.SIGINT)
    _, cpu = cpu_of(proc)
    elapsed = time.monotonic() - start
    samples, errors = count_austin_samples(out)
    asked = "max" if interval_us <= 1 else str(1000000 // interval_us)
    return Result("austin", asked, samples, elapsed, cpu, errors)


def count_austin_samples(path):
    """Samples and failed samples in austin's (or austinp's) output."""
    samples = errors = 0
    with open(path, errors="replace") as fh:
        for line in fh:
            if not line.strip() or line.startswith("#"):
                continue
            samples += 1
            if "INVALID" in line or "Unsampled" in line or "Error" in line:
                errors += 1
    return samples, errors


def run_tachyon(interp, pid, rate, seconds, workdir):
    out_inside = "/tmp/peekpy-bench-tachyon.txt"
    proc = subprocess.Popen(interp.argv("-m", "profiling.sampling", "attach", "-r",
                                        str(rate), "-d", str(seconds),
                                        "--collapsed", "-o", out_inside, str(pid)),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    text = proc.stdout.read().decode(errors="replace")
    _, cpu = cpu_of(proc)
    m = re.search(r"Captured (\d+) samples in ([\d.]+) seconds", text)
    if not m:
        raise RuntimeError("profiling.sampling failed: " + text[-300:])
    e = re.search(r"Error rate: ([\d.]+)", text)
    samples = int(m.group(1))
    errors = int(round(samples * float(e.group(1)) / 100)) if e else 0
    try:
        os.unlink(interp.host_path(out_inside))
    except OSError:
        pass
    return Result("tachyon", "max" if rate >= 1000000 else str(rate), samples,
                  float(m.group(2)), cpu, errors)


def bench_real_program(peekpy, interp, seconds, workdir):
    """Samples in error on a program whose stacks never stand still (sympy),
    at low and high rates, beside CPython's own sampler on the same run."""
    print()
    print("a real program: %s running sympy (bench/sympy_work.py), %g s per run"
          % (interp.label, seconds))
    interp.install_scripts("bench")
    try:
        target = harness.Target(interp, "sympy_work.py")
    except harness.TestFailure as failure:
        print("sympy: not installed in %s (scripts/targets.sh installs python3-sympy in sid): "
              "not measured (%s)" % (interp.label, str(failure)[:80]))
        return
    print("%-10s %9s  %10s  %9s  %7s" % ("tool", "asked/s", "achieved/s", "CPU us/s.", "errors"))
    with target:
        for rate in (100, 1000):
            for tool in ("peekpy", "tachyon"):
                if tool == "peekpy":
                    result = run_peekpy(peekpy, target.pid, rate, seconds, workdir)
                else:
                    result = run_tachyon(interp, target.pid, rate, seconds, workdir)
                rate_got = result.samples / result.seconds if result.seconds else 0
                per = 1e6 * result.cpu / result.samples if result.samples else float("nan")
                err = 100.0 * result.errors / result.samples if result.samples else 0
                print("%-10s %9d  %10.0f  %9.1f  %6.2f%%" % (tool, rate, rate_got, per, err),
                      flush=True)
    print("errors = samples counted as errors by the tool itself (peekpy: a stack that "
          "changed while it was read, 9 tries; Tachyon: its error rate)")


# --- rendering ---------------------------------------------------------------

def measured(argv, stdout=None):
    """Run argv; return (exit status, CPU seconds, peak resident MB)."""
    proc = subprocess.Popen(argv, stdout=stdout or subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    return status, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024.0


def browser_times(svg, query):
    """What the flame graph's script says loading and the asked operations
    took in headless Chromium (ms), or None without Chromium."""
    chromium = shutil.which("chromium")
    if not chromium:
        return None
    dom = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu",
                          "--disable-background-networking", "--dump-dom",
                          "file://%s?%s" % (svg, query)],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=300)
    m = re.search(r'data-ms="([^"]*)"', dom.stdout.decode(errors="replace"))
    return dict(kv.split(":") for kv in m.group(1).split()) if m else {}


def bench_render(peekpy, workdir):
    """peekpy render beside flamegraph.pl on a synthetic profile."""
    stacks = os.path.join(workdir, "synthetic.txt")
    with open(stacks, "w") as out:
        subprocess.run([sys.executable, os.path.join(HERE, "gen_stacks.py")], stdout=out,
                       check=True)
    print()
    print("render: 20,000 distinct stacks 5-60 deep, 1,000,000 samples (bench/gen_stacks.py)")
    print("%-14s %8s  %8s  %9s" % ("tool", "CPU s", "peak MB", "SVG bytes"))
    svg = os.path.join(workdir, "synthetic-peekpy.svg")
    status, cpu, rss = measured([peekpy, "render", stacks, "-o", svg])
    if status != 0:
        raise RuntimeError("peekpy render failed")
    print("%-14s %8.2f  %8.1f  %9d" % ("peekpy", cpu, rss, os.path.getsize(svg)), flush=True)
    flamegraph = os.environ.get("FLAMEGRAPH_PL") or shutil.which("flamegraph.pl")
    if flamegraph:
        baseline = os.path.join(workdir, "synthetic-flamegraph.svg")
        with open(baseline, "w") as out:
            status, cpu, rss = measured(["perl", flamegraph, stacks], stdout=out)
        print("%-14s %8.2f  %8.1f  %9d" % ("flamegraph.pl", cpu, rss,
                                           os.path.getsize(baseline)), flush=True)
    else:
        print("flamegraph.pl: not installed (put it on PATH or set FLAMEGRAPH_PL, from "
              "github.com/brendangregg/FlameGraph): no baseline")
    times = browser_times(svg, "zoom=handle&s=query")
    reverse = browser_times(svg, "v=reversed")
    if times is None:
        print("chromium: not installed: no browser timings")
    else:
        print("in headless Chromium: load %s ms, zoom %s ms, search %s ms, reversed view %s ms"
              % (times.get("load", "?"), times.get("zoom", "?"), times.get("search", "?"),
                 (reverse or {}).get("reversed", "?")))


def bench_memory(peekpy, interp, workdir, quick):
    """Peak memory of a recording 10x longer: it must not grow with length
    once the distinct stacks stop growing."""
    lengths = (1, 10) if quick else (3, 30)
    print()
    print("recording memory: %s, 40 frames deep, 10,000 samples/s" % interp.label)
    print("%-12s %8s  %10s  %8s" % ("format", "seconds", "samples", "peak MB"))
    interp.install_scripts("bench")
    with harness.Target(interp, "deep_busy.py", 40) as target:
        for fmt in ("svg", "raw"):
            for seconds in lengths:
                out = os.path.join(workdir, "memory." + fmt)
                proc = subprocess.Popen([peekpy, "record", "--pid", str(target.pid), "-r", "10000",
                                         "-d", str(seconds), "-f", fmt, "-o", out],
                                        stderr=subprocess.PIPE)
                err = proc.stderr.read().decode()
                _, _, usage = os.wait4(proc.pid, 0)
                m = re.search(r"(\d+) samples", err)
                print("%-12s %8d  %10s  %8.1f" % (fmt, seconds, m.group(1) if m else "?",
                                                 usage.ru_maxrss / 1024.0), flush=True)


def bench_idle_threads(peekpy, interp, seconds):
    """Sampling cost must not grow with threads that do nothing: 200 asleep
    and one busy, at 1,000 samples/s."""
    print()
    print("idle threads: %s, 200 threads asleep and 1 busy, 1,000 samples/s" % interp.label)
    interp.install_scripts("bench")
    with harness.Target(interp, "many_threads.py", 200) as target:
        proc = subprocess.Popen([peekpy, "record", "--pid", str(target.pid), "-r", "1000",
                                 "-d", str(seconds), "-f", "collapsed", "-o", os.devnull],
                                stderr=subprocess.PIPE)
        start = time.monotonic()
        err = proc.stderr.read().decode()
        _, cpu = cpu_of(proc)
        elapsed = time.monotonic() - start
    m = re.search(r"(\d+) samples", err)
    print("peekpy: %s samples, %.2f s CPU in %.2f s: %.1f%% of one core (goal: under 20%%)"
          % (m.group(1) if m else "?", cpu, elapsed, 100 * cpu / elapsed))


def bench_modes(peekpy, interps, seconds):
    """What each mode costs per sample, beside plain sampling of the same
    target in the same run: --async (and with --idle, every task's stack)
    on three asyncio tasks, --gil --idle on two threads taking turns with
    the GIL and one blocked reading."""
    print()
    print("modes: CPU us of peekpy per sample at 1,000 samples/s, beside the same target "
          "sampled with no mode")
    print("%-22s %-10s %-16s %9s  %9s" % ("interpreter", "target", "options", "samples",
                                          "CPU us/s."))
    # The asyncio and GIL targets are the integration tests'.
    harness.TARGET_SOURCES = os.path.join(ROOT, "tests", "integration", "targets")
    for interp in interps:
        label = "CPython %d.%d.%d" % interp.version
        interp.install_scripts("bench-modes")
        for script, modes in (("tasks.py", ([], ["--async"], ["--idle"], ["--async", "--idle"])),
                              ("gilwait.py", ([], ["--idle"], ["--gil", "--idle"]))):
            with harness.Target(interp, script, 0) as target:
                for options in modes:
                    proc = subprocess.Popen([peekpy, "record", "--pid", str(target.pid)] +
                                            options + ["-r", "1000", "-d", str(seconds),
                                                       "-f", "collapsed", "-o", os.devnull],
                                            stderr=subprocess.PIPE)
                    err = proc.stderr.read().decode()
                    _, cpu = cpu_of(proc)
                    m = re.search(r"(\d+) samples", err)
                    samples = int(m.group(1)) if m else 0
                    print("%-22s %-10s %-16s %9d  %9s"
                          % (label, script, " ".join(options) or "(none: baseline)", samples,
                             "%.1f" % (cpu * 1e6 / samples) if samples else "?"), flush=True)
    harness.TARGET_SOURCES = HERE


# --- native stacks -----------------------------------------------------------

def run_peekpy_native(peekpy, pid, rate, seconds, workdir):
    """peekpy record --native: a Result, and the summary's native line."""
    out = os.path.join(workdir, "peekpy-native.txt")
    proc = subprocess.Popen([peekpy, "record", "--native", "--pid", str(pid), "-r", str(rate),
                             "-d", str(seconds), "-f", "collapsed", "-o", out],
                            stderr=subprocess.PIPE)
    err = proc.stderr.read().decode()
    _, cpu = cpu_of(proc)
    m = re.search(r"(\d+) samples \(([\d.]+)/s of .*?\), (\d+) errors", err)
    n = re.search(r"native stacks: (\d+) merged, (\d+) with the native unwind lost .*?held "
                  r"([\d.]+) us a sample \(median\), ([\d.]+) us", err)
    if not m or not n:
        raise RuntimeError("peekpy --native failed: " + err)
    samples = int(m.group(1))
    merged, lost = int(n.group(1)), int(n.group(2))
    note = "held %s us median, %s us p99; %d lost per million" % (
        n.group(3), n.group(4), 1e6 * lost / merged if merged else 0)
    return Result("peekpy", "max" if rate >= 1e6 else str(rate), samples,
                  samples / float(m.group(2)) if float(m.group(2)) else seconds, cpu,
                  int(m.group(3)) + lost, note)


def run_austinp(austinp, pid, interval_us, seconds, workdir):
    """austin's native build; its invalid samples count as errors."""
    out = os.path.join(workdir, "austinp.txt")
    start = time.monotonic()
    proc = subprocess.Popen([austinp, "-i", str(interval_us), "-x", str(int(max(1, seconds))),
                             "-p", str(pid), "-o", out],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, cpu = cpu_of(proc)
    elapsed = time.monotonic() - start
    samples, errors = count_austin_samples(out)
    asked = "max" if interval_us <= 1 else str(1000000 // interval_us)
    return Result("austinp", asked, samples, elapsed, cpu, errors)


def bench_native(peekpy, perfmerge, interps, seconds, workdir):
    """--native beside austinp (austin's native build, fetched and built
    beside the project: $AUSTINP or austinp on PATH), then perfmerge."""
    austinp = os.environ.get("AUSTINP") or shutil.which("austinp")
    print()
    print("native stacks: peekpy record --native and austinp, a CPU-bound target DEPTH "
          "frames deep; errors include stacks whose native part was lost")
    print("%-22s %5s  %-8s %9s  %10s  %9s  %7s" % ("interpreter", "depth", "tool", "asked/s",
                                                   "achieved/s", "CPU us/s.", "errors"))
    for interp in interps:
        label = "CPython %d.%d.%d" % interp.version
        interp.install_scripts("bench")
        for depth in (5, 100):
            with harness.Target(interp, "deep_busy.py", depth) as target:
                for rate in (1000, 1000000):
                    result = run_peekpy_native(peekpy, target.pid, rate, seconds, workdir)
                    print(result.row(label, depth), flush=True)
                    if austinp:
                        result = run_austinp(austinp, target.pid, max(1, 1000000 // rate),
                                             seconds, workdir)
                        print(result.row(label, depth), flush=True)
    if not austinp:
        print("austinp: not found (build it from github.com/P403n1x87/austin and set AUSTINP): "
              "no native baseline")
    if not perfmerge:
        return
    print()
    print("merging a stack the kernel copied at a sampling interrupt (perf_event_open) with "
          "Python frames read after it, against holding the thread (bench/perfmerge.c):")
    # The targets with known native stacks are the integration tests'.
    harness.TARGET_SOURCES = os.path.join(ROOT, "tests", "integration", "targets")
    for interp in interps:
        interp.install_scripts("bench-native")
        for mode, pairs in (("calls", []), ("zlib", ["libz=compress", "libcrypto=digest"])):
            with harness.Target(interp, "native.py", mode) as target:
                out = subprocess.run([perfmerge, str(target.pid), str(seconds)] + pairs,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            print("CPython %d.%d.%d, native.py %s:" % (interp.version + (mode,)))
            print("  " + out.stdout.decode(errors="replace").strip().replace("\n", "\n  "),
                  flush=True)
    harness.TARGET_SOURCES = HERE


def find(interps, predicate):
    return next((i for i in interps if predicate(i)), None)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--peekpy", required=True)
    ap.add_argument("--perfmerge", help="bench/perfmerge.c, built")
    ap.add_argument("--waker", help="bench/waker.c, built")
    ap.add_argument("--seconds", type=float, default=3)
    ap.add_argument("--quick", action="store_true", help="one second per run")
    args = ap.parse_args()
    seconds = 1 if args.quick else args.seconds
    workdir = os.path.join(ROOT, "build", "bench")
    os.makedirs(workdir, exist_ok=True)

    interps = []
    for interp in harness.discover():
        try:
            interp.probe()
            interps.append(interp)
        except harness.TestSkip:
            pass
    py310 = find(interps, lambda i: i.version[:2] == (3, 10) and not i.debug)
    py312 = find(interps, lambda i: i.version[:2] == (3, 12) and not i.debug)
    py315 = find(interps, lambda i: i.version[:2] == (3, 15) and not i.debug and
                 not i.free_threaded)
    have_austin = subprocess.run(["sh", "-c", "command -v austin"],
                                 stdout=subprocess.DEVNULL).returncode == 0

    print("peekpy bench: a CPU-bound target DEPTH frames deep, %g s per run" % seconds)
    print("%-22s %5s  %-8s %9s  %10s  %9s  %7s" % ("interpreter", "depth", "tool", "asked/s",
                                                   "achieved/s", "CPU us/s.", "errors"))
    plans = []
    if py312:
        plans.append((py312, 100, [("peekpy", 10000), ("peekpy", 1000000)]))
    if py310:
        for depth in (5, 100):
            tools = [("peekpy", 10000), ("peekpy", 1000000)]
            tools += [("austin", 10000), ("austin", 1000000)] if have_austin else []
            plans.append((py310, depth, tools))
    if py315:
        plans.append((py315, 5, [("peekpy", 1000000), ("tachyon", 1000000)]))
        plans.append((py315, 120, [("peekpy", 10000), ("tachyon", 10000),
                                   ("peekpy", 1000000), ("tachyon", 1000000)]))
    for interp, depth, tools in plans:
        interp.install_scripts("bench")
        label = "CPython %d.%d.%d" % interp.version
        with harness.Target(interp, "deep_busy.py", depth) as target:
            for tool, rate in tools:
                if tool == "peekpy":
                    result = run_peekpy(args.peekpy, target.pid, rate, seconds, workdir)
                elif tool == "austin":
                    result = run_austin(target.pid, max(1, 1000000 // rate), seconds, workdir)
                else:
                    result = run_tachyon(interp, target.pid, rate, seconds, workdir)
                print(result.row(label, depth), flush=True)
    if not have_austin:
        print("austin: not installed (Debian package austin): no austin baseline")
    if not py310:
        print("CPython 3.10: not found: no austin baseline")
    if not py315:
        print("CPython 3.15: not found (../shared/targets/get-targets.sh): no Tachyon baseline")
    print("CPU us/s. = the sampler's own user + system CPU time per sample taken")
    if args.waker:
        for rate in (10000, 1000):
            out = subprocess.run([args.waker, str(rate), str(seconds)], stdout=subprocess.PIPE,
                                 check=True).stdout.decode().strip()
            print("baseline: waking up %d times a second and doing nothing else "
                  "(bench/waker.c): %s" % (rate, out), flush=True)
    bench_native(args.peekpy, args.perfmerge, [i for i in (py310, py312) if i], seconds,
                 workdir)
    py313 = find(interps, lambda i: i.version[:2] == (3, 13) and not i.debug and
                 not i.free_threaded)
    bench_modes(args.peekpy, [i for i in (py312, py313, py315) if i], seconds)
    if py315:
        bench_real_program(args.peekpy, py315, max(seconds, 5), workdir)
    if py312:
        slowdown.bench_slowdown(args.peekpy, args.waker, py312, args.quick)
        bench_idle_threads(args.peekpy, py312, seconds)
        bench_memory(args.peekpy, py312, workdir, args.quick)
    bench_render(args.peekpy, workdir)
    if py312:
        checkbench.bench_power(args.peekpy, py312.executable, workdir, 6 if args.quick else 12)
        checkbench.bench_speed(args.peekpy, py312.executable, workdir)


if __name__ == "__main__":
    main()
