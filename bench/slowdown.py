"""What sampling costs the target: bench/work.py timed alone and under peekpy.

The target runs a fixed amount of CPU-bound Python and times itself (wall
and CPU).  It runs pinned to one core; peekpy, or a baseline, to the other:
  alone        nothing else on the machine's second core
  CPU hog      a busy loop on the second core that never touches the
               target: what any busy neighbour costs on this machine
               (shared caches, a host's sibling hyperthread)
  waker R/s    bench/waker.c: wakes up R times a second, reads nothing
  peekpy R/s   peekpy record --pid at R samples a second
Each configuration runs ROUNDS times, interleaved, and the median is kept.
The slowdown is the target's time against its time alone in the same run.

Then the same target on a loaded machine (two busy loops, nothing pinned),
where what counts is the target's own CPU time: beside peekpy, the waker
(bench/waker.c), which wakes up as often and reads nothing.  When the
target's CPU time grows as much beside the waker as beside peekpy, it is
the cost of being interrupted (the timer and the switch to another
process, charged to whoever runs), not of peekpy's reads.
"""
import os
import re
import signal
import statistics
import subprocess

import harness

WORK_ROUNDS = 120000   # about 2 s of work on this machine


def affine(pid, cpu):
    """Pin a process (and the threads it starts later) to one core."""
    try:
        os.sched_setaffinity(pid, {cpu})
    except OSError:
        pass


def start_target(interp, rounds):
    """work.py, started and ready, waiting for its go."""
    proc = subprocess.Popen(interp.argv(interp.script("work.py"), str(rounds)),
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    if proc.stdout.readline().strip() != b"ready":
        proc.kill()
        raise RuntimeError("bench/work.py did not start")
    return proc


def start_peekpy(peekpy, pid, rate):
    """peekpy record, once it has found the interpreter."""
    proc = subprocess.Popen([peekpy, "record", "--pid", str(pid), "-v", "-r", str(rate),
                             "-f", "collapsed", "-o", os.devnull], stderr=subprocess.PIPE)
    for line in proc.stderr:
        if b"found" in line:
            return proc
    raise RuntimeError("peekpy did not attach: " + line.decode(errors="replace"))


def busy_loop():
    return subprocess.Popen(["sh", "-c", "while :; do :; done"])


def timed_work(interp, rounds, peekpy=None, rate=None, hog=False, waker=None, pin=True):
    """(wall, cpu, achieved) of the target's work beside the neighbour asked:
    seconds, and peekpy's samples a second (None for other neighbours)."""
    target = start_target(interp, rounds)
    if pin:
        affine(target.pid, 0)
    neighbour = None
    try:
        if hog:
            neighbour = busy_loop()
        elif waker:
            neighbour = subprocess.Popen([waker, str(rate), "3600"], stdout=subprocess.DEVNULL)
        elif peekpy:
            neighbour = start_peekpy(peekpy, target.pid, rate)
        if neighbour and pin:
            affine(neighbour.pid, 1)
        target.stdin.write(b"go\n")
        target.stdin.flush()
        took = target.stdout.readline().split()
        if len(took) != 3 or took[0] != b"took":
            raise RuntimeError("bench/work.py failed")
        target.wait()   # peekpy sees it end, and stops
        achieved = None
        if neighbour and peekpy:
            err = neighbour.communicate()[1].decode(errors="replace")
            m = re.search(r"\(([\d.]+)/s of ", err)
            achieved = float(m.group(1)) if m else None
        return float(took[1]), float(took[2]), achieved
    finally:
        if neighbour and neighbour.poll() is None:
            neighbour.send_signal(signal.SIGINT if peekpy else signal.SIGKILL)
            neighbour.communicate()
        target.kill()
        target.wait()


def run_configs(interp, configs, rounds, work, pin):
    """{name: [timed_work(), ...]} over rounds, configurations interleaved."""
    times = {name: [] for name, _ in configs}
    for _ in range(rounds):
        for name, kwargs in configs:
            times[name].append(timed_work(interp, work, pin=pin, **kwargs))
    return times


def print_times(configs, times, column):
    """One row per configuration: median wall and CPU seconds, the change of
    column (0: wall, 1: CPU) against the first row's, and for peekpy the
    lowest share of its asked rate it achieved."""
    base = statistics.median(t[column] for t in times[configs[0][0]])
    for name, kwargs in configs:
        wall = statistics.median(t[0] for t in times[name])
        cpu = statistics.median(t[1] for t in times[name])
        rates = [t[2] for t in times[name] if t[2] is not None]
        achieved = ("%8.1f%%" % (100 * min(rates) / kwargs["rate"])
                    if rates and kwargs.get("peekpy") else "")
        print("%-18s %9.3f  %9.3f  %+8.1f%%  %s" % (name, wall, cpu,
                                                    100 * ((wall, cpu)[column] / base - 1),
                                                    achieved), flush=True)


def bench_slowdown(peekpy, waker, interp, quick):
    rounds = 1 if quick else 3
    work = WORK_ROUNDS // 3 if quick else WORK_ROUNDS
    if len(os.sched_getaffinity(0)) < 2:
        print("\ntarget slowdown: needs two cores: not measured")
        return
    interp.install_scripts("bench")
    configs = [("alone", {}), ("CPU hog", {"hog": True})]
    configs += [("waker %d/s" % rate, {"waker": waker, "rate": rate})
                for rate in (1000, 10000) if waker]
    configs += [("peekpy %d/s" % rate, {"peekpy": peekpy, "rate": rate})
                for rate in (100, 1000, 10000)]
    times = run_configs(interp, configs, rounds, work, True)
    print()
    print("target slowdown: %s running bench/work.py pinned to core 0, the neighbour to "
          "core 1; median of %d (goal: under 1%% at 1,000/s)" % (interp.label, rounds))
    print("%-18s %9s  %9s  %9s  %9s" % ("neighbour", "wall s", "CPU s", "slowdown",
                                        "rate got"))
    print_times(configs, times, 0)

    configs = [("alone", {})]
    configs += [("waker %d/s" % rate, {"waker": waker, "rate": rate})
                for rate in (1000, 10000) if waker]
    configs += [("peekpy %d/s" % rate, {"peekpy": peekpy, "rate": rate})
                for rate in (1000, 10000)]
    hogs = [busy_loop() for _ in range(2)]
    try:
        times = run_configs(interp, configs, rounds, work // 2, False)
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()
    print()
    print("the same on a loaded machine: two busy loops, nothing pinned; the target's "
          "own CPU time against alone under the same load, and the lowest share of the "
          "rate asked peekpy achieved (goal: 99%)")
    print("%-18s %9s  %9s  %9s  %9s" % ("neighbour", "wall s", "CPU s", "CPU more",
                                        "rate got"))
    print_times(configs, times, 1)
