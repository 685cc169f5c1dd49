#!/usr/bin/env python3
"""peekpy's integration tests: record real interpreters and check what came out.

Runs every test against every CPython this machine has (discovered: pyenv,
/usr/bin/pythonX.Y, and the interpreters scripts/targets.sh
installed), then the bad-input tests once.  Every supported version without
an interpreter here is reported as SKIP.  Exit status 1 if anything failed.

  run.py --peekpy PATH [--only SUBSTRING] [-k TEST] [--jobs N]
"""
import argparse
import glob
import concurrent.futures
import json
import os
import re
import signal
import stat
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (ROOT, SLACK, Interpreter, Peekpy, Target, TestFailure,  # noqa: E402
                     TestSkip, check, discover, supported_versions, timeout, workdir)

TARGETS = os.path.join(ROOT, "tests", "integration", "targets")


def marked_line(script, marker):
    with open(os.path.join(TARGETS, script), encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            if "# " + marker in line:
                return number
    raise KeyError(marker)


def def_line(script, name):
    with open(os.path.join(TARGETS, script), encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            if re.match(r"\s*def %s\(" % name, line):
                return number
    raise KeyError(name)


def frame_text(name, path, line):
    return "%s (%s:%d)" % (name, path, line)


def qualname(interp, qualified, plain):
    return qualified if interp.version >= (3, 11) else plain


def thread_stacks(run):
    """{tid: {stack without the thread frame: count}} from --threads output."""
    by_tid = {}
    for stack, count in run.stacks().items():
        m = re.match(r'thread (\d+)( "(.*)")?$', stack[0])
        check(m, "first frame is not a thread frame: %r" % stack[0])
        tid = int(m.group(1))
        by_tid.setdefault(tid, {})[stack[1:]] = count
    return by_tid


def wait_stderr_line(proc, needle, seconds=30):
    deadline = time.monotonic() + timeout(seconds)
    seen = b""
    import select
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stderr], [], [], 0.5)
        if ready:
            chunk = os.read(proc.stderr.fileno(), 4096)
            if not chunk:
                break
            seen += chunk
            if needle.encode() in seen:
                return seen
    raise TestFailure("peekpy never printed %r; stderr: %r" % (needle, seen[-300:]))


# --- tests run against every interpreter -------------------------------------

def test_stacks_match_interpreter(interp, peekpy):
    """Every frame of every parked thread (methods, nested functions,
    generators, coroutines, C callbacks, exec'd code, recursion, non-ASCII
    names) equals what the interpreter itself reports."""
    expect_inside = "/tmp/peekpy-expect-%d-%s.json" % (os.getpid(), interp.name)
    expect_host = interp.host_path(expect_inside)
    with Target(interp, "stacks.py", expect_inside, 40) as target:
        run = peekpy.run(["record", "--pid", target.pid, "-d", "0.5", "--idle", "--threads",
                          "--full-filenames", "-f", "collapsed"])
        check(target.alive(), "target died while being sampled")
    with open(expect_host, encoding="utf-8") as fh:
        expected = json.load(fh)["threads"]
    os.unlink(expect_host)
    check(run.returncode == 0, "exit %d: %s" % (run.returncode, run.stderr))
    got = thread_stacks(run)
    for tid, frames in expected.items():
        want = tuple(frame_text(*f) for f in frames)
        stacks = got.get(int(tid))
        check(stacks, "thread %s (%s) missing from the output" % (tid, want[-1]))
        check(list(stacks) == [want],
              "thread %s: expected\n    %s\n  got\n    %s" % (
                  tid, ";".join(want), "\n    ".join(";".join(s) for s in stacks)))
    summary = run.summary()
    check(summary["errors"] <= summary["samples"] // 20,
          "%d errors in %d samples" % (summary["errors"], summary["samples"]))


def workload_shares(run, interp):
    spin = marked_line("workload.py", "SPIN_LINE")
    parts = {"heavy": 0, "medium": 0, "light": 0}
    light = qualname(interp, "Light.run", "run")
    calls = {
        "heavy": frame_text("heavy", "workload.py", marked_line("workload.py", "HEAVY_CALL")),
        "medium": frame_text("medium", "workload.py", marked_line("workload.py", "MEDIUM_CALL")),
        "light": frame_text(light, "workload.py", marked_line("workload.py", "LIGHT_CALL")),
    }
    for stack, count in run.stacks().items():
        for part, call in calls.items():
            if len(stack) >= 2 and stack[-2] == call and stack[-1].startswith("spin (workload.py:"):
                parts[part] += count
    total = sum(parts.values())
    check(total > 0, "no samples in heavy/medium/light; output:\n%s" % run.output[:2000])
    check(any(s[-1] == frame_text("spin", "workload.py", spin) for s in run.stacks()),
          "no sample on the spin loop line %d" % spin)
    return {k: v / float(total) for k, v in parts.items()}, total


def test_launch_workload(interp, peekpy):
    """peekpy record -- python workload.py: names, files, lines, and the
    3:2:1 split of time between three functions."""
    run = peekpy.run(["record", "-r", "200", "-f", "collapsed", "--"] +
                     interp.argv(interp.script("workload.py"), "2"))
    check(run.returncode == 0, "exit %d: %s" % (run.returncode, run.stderr))
    summary = run.summary()
    check(summary["samples"] >= 200, "only %d samples in 2 s at 200/s" % summary["samples"])
    version = "CPython %d.%d.%d" % interp.version
    check(version in run.stderr, "summary does not name %s: %s" % (version, run.stderr))
    shares, total = workload_shares(run, interp)
    for part, want in (("heavy", 3 / 6.0), ("medium", 2 / 6.0), ("light", 1 / 6.0)):
        check(abs(shares[part] - want) < 0.08 * SLACK,
              "%s has %.1f%% of %d samples, expected %.1f%%" % (
                  part, 100 * shares[part], total, 100 * want))


def test_attach_and_detach(interp, peekpy):
    """--pid with -d: samples at the asked rate, detaches, leaves the target
    running and not stopped, and names the exact version."""
    with Target(interp, "workload.py", 0) as target:
        run = peekpy.run(["record", "--pid", target.pid, "-d", "1", "-r", "100"])
        check(run.returncode == 0, "exit %d: %s" % (run.returncode, run.stderr))
        check(target.alive(), "target died")
        check(target.state() in ("R", "S"), "target left in state %s" % target.state())
        summary = run.summary()
        check(summary["samples"] >= 60, "%d samples in 1 s at 100/s" % summary["samples"])
        version = "CPython %d.%d.%d" % interp.version
        check(version in run.stderr, "summary does not name %s: %s" % (version, run.stderr))
        workload_shares(run, interp)


def test_deep_recursion(interp, peekpy):
    """A thread 10,000 calls deep comes out whole."""
    depth = 10000
    with Target(interp, "deep.py", depth) as target:
        run = peekpy.run(["record", "--pid", target.pid, "-d", "0.5", "--idle"])
    check(run.returncode == 0, "exit %d: %s" % (run.returncode, run.stderr))
    deepest = max(run.stacks(), key=len)
    bottom = frame_text("recurse", "deep.py", marked_line("deep.py", "BOTTOM_LINE"))
    middle = frame_text("recurse", "deep.py", marked_line("deep.py", "RECURSE_LINE"))
    check(deepest[-1] == bottom, "innermost frame is %r, not %r" % (deepest[-1], bottom))
    check(deepest.count(middle) == depth, "%d recursive frames, expected %d" % (
        deepest.count(middle), depth))


def test_rendering_options(interp, peekpy):
    """--nolineno, --function and --full-filenames change frames as documented."""
    with Target(interp, "workload.py", 0) as target:
        nolineno = peekpy.run(["record", "--pid", target.pid, "-d", "0.4", "--nolineno"],
                              name="nolineno.txt")
        function = peekpy.run(["record", "--pid", target.pid, "-d", "0.4", "--function"],
                              name="function.txt")
        full = peekpy.run(["record", "--pid", target.pid, "-d", "0.4", "--full-filenames"],
                          name="full.txt")
    for run in (nolineno, function, full):
        check(run.returncode == 0, "exit %d: %s" % (run.returncode, run.stderr))
    frames = {f for s in nolineno.stacks() for f in s}
    check("heavy (workload.py)" in frames and "spin (workload.py)" in frames,
          "--nolineno frames: %s" % sorted(frames)[:10])
    frames = {f for s in function.stacks() for f in s}
    want = frame_text("spin", "workload.py", def_line("workload.py", "spin"))
    check(want in frames, "--function: no %r in %s" % (want, sorted(frames)[:10]))
    frames = {f for s in full.stacks() for f in s}
    path = interp.script("workload.py")
    check(any(f.startswith("spin (%s:" % path) for f in frames),
          "--full-filenames: no spin (%s:...) in %s" % (path, sorted(frames)[:10]))


def test_target_exits(interp, peekpy):
    """A target that exits while being recorded: exit 0 and its samples written."""
    target = Target(interp, "workload.py", 0.8)
    try:
        run = peekpy.run(["record", "--pid", target.pid, "-r", "100"])
    finally:
        target.kill()
    check(run.returncode == 0, "exit %d: %s" % (run.returncode, run.stderr))
    check(run.summary()["samples"] >= 20, "too few samples: %s" % run.stderr)
    workload_shares(run, interp)


def test_signals_write_output(interp, peekpy):
    """Ctrl-C (SIGINT) and SIGTERM stop the recording, write it, exit 0."""
    for signo in (signal.SIGINT, signal.SIGTERM):
        with Target(interp, "workload.py", 0) as target:
            def stop_when_sampling(proc):
                wait_stderr_line(proc, "found CPython")
                time_end = time.monotonic() + 0.3
                while time.monotonic() < time_end:
                    time.sleep(0.05)
                proc.send_signal(signo)
            run = peekpy.run(["record", "--pid", target.pid, "-v"], name="sig.txt",
                             signal_after=stop_when_sampling)
            check(target.alive(), "target died with peekpy")
        check(run.returncode == 0, "%s: exit %d: %s" % (signo, run.returncode, run.stderr))
        check(os.path.exists(run.output_path), "%s: no output written" % signo)
        check(run.output.strip(), "%s: output empty" % signo)


def test_launch_from_first_moments(interp, peekpy):
    """A launched program is sampled from its start: module-level work shows."""
    run = peekpy.run(["record", "-r", "200", "--"] + interp.argv(interp.script("startup.py")))
    check(run.returncode == 0, "exit %d: %s" % (run.returncode, run.stderr))
    early = sum(c for s, c in run.stacks().items() if s[-1].startswith("early (startup.py:"))
    # early() runs for its first 0.5 s: all of that time must be sampled,
    # however long the interpreter took to start before it.
    want = 0.5 * run.summary()["rate"]
    check(early >= 0.8 * want, "early() has %d samples, expected about %d" % (early, want))


def test_idle_threads(interp, peekpy):
    """By default only threads on a CPU are recorded; --idle keeps the rest.
    With --threads each thread is its own root, named as threading names it."""
    with Target(interp, "idle.py") as target:
        target.wait_for_sleepers(3)     # the main thread and both asleep-N
        busy = peekpy.run(["record", "--pid", target.pid, "-d", "0.5"], name="busy.txt")
        idle = peekpy.run(["record", "--pid", target.pid, "-d", "0.5", "--idle"],
                          name="idle.txt")
        busy_roots = peekpy.run(["record", "--pid", target.pid, "-d", "0.5", "--threads"],
                                name="busy-threads.txt")
        idle_roots = peekpy.run(["record", "--pid", target.pid, "-d", "0.5", "--threads",
                                 "--idle"], name="idle-threads.txt")
        pid = target.pid
    asleep = frame_text("asleep", "idle.py", marked_line("idle.py", "ASLEEP_LINE"))
    busy_line = frame_text("busy", "idle.py", marked_line("idle.py", "BUSY_LINE"))
    for run in (busy, idle, busy_roots, idle_roots):
        check(run.returncode == 0, "exit %d: %s" % (run.returncode, run.stderr))
    busy_frames = {f for s in busy.stacks() for f in s}
    check(busy_line in busy_frames, "busy threads missing: %s" % sorted(busy_frames))
    check(asleep not in busy_frames, "sleeping threads recorded without --idle")
    check(asleep in {f for s in idle.stacks() for f in s}, "--idle lost the sleeping threads")

    def roots(run):
        """Each root frame's thread name, and the leaf frames under it."""
        found = {}
        for stack in run.stacks():
            m = re.match(r'thread (\d+) "([^"]*)"$', stack[0])
            check(m, "--threads: root %r is not a named thread" % stack[0])
            found.setdefault(m.group(2), set()).add(stack[-1])
            if m.group(2) == "MainThread":
                check(int(m.group(1)) == pid, "MainThread is thread %s, not %d"
                      % (m.group(1), pid))
        return found

    named = roots(busy_roots)
    check(sorted(named) == ["busy-1", "busy-2"],
          "--threads without --idle: roots %s, expected busy-1 and busy-2" % sorted(named))
    named = roots(idle_roots)
    check(sorted(named) == ["MainThread", "asleep-1", "asleep-2", "busy-1", "busy-2"],
          "--threads --idle: roots %s" % sorted(named))
    for name in ("asleep-1", "asleep-2"):
        check(named[name] == {asleep}, "%s is not asleep at %s: %s" % (name, asleep, named[name]))
    for name in ("busy-1", "busy-2"):
        check(busy_line in named[name], "%s never at %s: %s" % (name, busy_line, named[name]))


def test_nameless_thread_costs_nothing(interp, peekpy):
    """A thread threading never named has no name, and looking for one is
    not paid per sample: threading's table is read about once a second."""
    with Target(interp, "nameless.py") as target:
        run = peekpy.run(["record", "-v", "--threads", "--pid", target.pid, "-r", "500",
                          "-d", "2"])
        pid = target.pid
    check(run.returncode == 0, "exit %d: %s" % (run.returncode, run.stderr))
    roots = {s[0] for s in run.stacks()}
    spin = frame_text("spin", "nameless.py", marked_line("nameless.py", "SPIN_LINE"))
    check('thread %d "MainThread"' % pid in roots, "main thread unnamed: %s" % sorted(roots))
    spinners = {s[0] for s in run.stacks() if s[-1] == spin}
    check(len(spinners) == 1 and re.match(r"thread \d+$", next(iter(spinners))),
          "the low-level thread should be an unnamed root: %s" % sorted(spinners))
    m = re.search(r"threads read (\d+) times", run.stderr)
    check(m, "no thread-name count in -v output: %s" % run.stderr)
    samples = run.summary()["samples"]
    check(samples >= 400 and int(m.group(1)) <= 5,
          "threading's table read %s times in %d samples (2 s)" % (m.group(1), samples))


def test_gil_keeps_its_holder(interp, peekpy):
    """--gil keeps only the thread holding the GIL: a sleeping program gives
    (almost) nothing, a busy one nearly every tick."""
    with Target(interp, "sleeper.py") as target:
        target.wait_for_sleepers(1)
        asleep = peekpy.run(["record", "--gil", "--pid", target.pid, "-d", "0.5", "-r", "200"],
                            name="asleep.txt")
    with Target(interp, "workload.py", 0) as target:
        busy = peekpy.run(["record", "--gil", "--pid", target.pid, "-d", "0.5", "-r", "200"],
                          name="busy.txt")
    for run in (asleep, busy):
        check(run.returncode == 0, "exit %d: %s" % (run.returncode, run.stderr))
    ticks = asleep.summary()["samples"]
    kept = sum(asleep.stacks().values())
    check(kept * 20 <= ticks, "%d of %d ticks of a sleeping program kept with --gil" % (kept, ticks))
    ticks = busy.summary()["samples"]
    kept = sum(busy.stacks().values())
    check(kept >= 0.9 * ticks, "only %d of %d ticks of a busy program kept with --gil"
          % (kept, ticks))


def test_dump_shows_each_thread(interp, peekpy):
    """dump prints every thread once, innermost frame first, with its state;
    --json says the same."""
    with Target(interp, "idle.py") as target:
        target.wait_for_sleepers(3)
        text = peekpy.run(["dump", "--pid", target.pid], name="unused")
        as_json = peekpy.run(["dump", "--json", "--pid", target.pid], name="unused")
        pid = target.pid
    for run in (text, as_json):
        check(run.returncode == 0, "exit %d: %s" % (run.returncode, run.stderr))
    main_sleep = frame_text("main", "idle.py", marked_line("idle.py", "MAIN_SLEEP"))
    asleep = frame_text("asleep", "idle.py", marked_line("idle.py", "ASLEEP_LINE"))
    blocks = text.stdout.split("\n\n")
    names = {}
    check(blocks[0].startswith("process %d: " % pid), "header: %r" % blocks[0])
    check("CPython %d.%d.%d" % interp.version in blocks[0], "header: %r" % blocks[0])
    threads = {}
    for block in blocks[1:]:
        lines = block.strip().splitlines()
        m = re.match(r"thread (\d+) \"([^\"]*)\" \((active|idle|holds GIL)\)$", lines[0])
        check(m, "thread line: %r" % lines[0])
        threads[int(m.group(1))] = (m.group(3), [l.strip() for l in lines[1:]])
        names[int(m.group(1))] = m.group(2)
    check(len(threads) == 5, "%d threads dumped, 5 expected: %s" % (len(threads), text.stdout))
    check(threads.get(pid, (None, [""]))[1][0] == main_sleep,
          "the main thread (%d) is not at %s: %s" % (pid, main_sleep, threads.get(pid)))
    sleepers = [tid for tid, (state, frames) in threads.items() if frames[0] == asleep]
    check(len(sleepers) == 2 and pid not in sleepers and
          all(threads[t][0] == "idle" for t in sleepers),
          "two idle threads should sleep at %s: %s" % (asleep, threads))
    check(names[pid] == "MainThread" and sorted(names[t] for t in sleepers) == ["asleep-1", "asleep-2"]
          and sorted(names.values()) == ["MainThread", "asleep-1", "asleep-2", "busy-1", "busy-2"],
          "thread names: %s" % names)
    data = json.loads(as_json.stdout)
    check({t["tid"]: t["name"] for t in data["threads"]} == names, "json names: %s" % data["threads"])
    check(data["pid"] == pid and len(data["threads"]) == 5, "json: %s" % as_json.stdout[:300])
    by_tid = {t["tid"]: t for t in data["threads"]}
    first = by_tid[pid]["frames"][0]
    check("%s (%s:%d)" % (first["name"], first["short_file"], first["line"]) == main_sleep,
          "json: main thread at %s" % first)
    check(sorted(t["tid"] for t in data["threads"]) == sorted(threads), "json and text differ")


def test_dump_locals(interp, peekpy):
    """dump --locals shows a blocked function's arguments and locals: each
    kind of value as Python's repr has it, a long str cut between
    characters, containers by their first items, other objects by type and
    address; --json says the same."""
    with Target(interp, "locals.py") as target:
        target.wait_for_sleepers(1)
        text = peekpy.run(["dump", "--locals", "--pid", target.pid], name="unused")
        as_json = peekpy.run(["dump", "--locals", "--json", "--pid", target.pid], name="unused")
        said = dict(line.split(" ", 1) for line in target.lines if " " in line)
    for run in (text, as_json):
        check(run.returncode == 0, "exit %d: %s" % (run.returncode, run.stderr))
    expected = json.loads(said["expect"])
    whole_text = json.loads(said["text"])
    held = frame_text("held", "locals.py", marked_line("locals.py", "HELD_LINE"))

    # Text: the held frame's block of "name = repr" lines, under two headings.
    lines = text.stdout.splitlines()
    check(("    " + held) in lines, "no frame %s: %s" % (held, text.stdout[:800]))
    at = lines.index("    " + held) + 1
    shown, heading, arguments = {}, None, set()
    while at < len(lines) and lines[at].startswith("        "):
        line = lines[at].strip()
        if line in ("Arguments:", "Locals:"):
            heading = line
        else:
            name, _, value = line.partition(" = ")
            shown[name] = value
            if heading == "Arguments:":
                arguments.add(name)
        at += 1
    check(arguments == {"count", "ratio", "rest", "options"},
          "arguments: %s" % sorted(arguments))

    def check_values(shown, where):
        for name, want in expected.items():
            check(shown.get(name) == want, "%s: %s = %r, Python says %r"
                  % (where, name, shown.get(name), want))
        m = re.match(r"^u?'(.*)'\.\.\. \((\d+) characters\)$", shown.get("text", ""))
        check(m and int(m.group(2)) == len(whole_text) and m.group(1) and
              whole_text.startswith(m.group(1)),
              "%s: text = %r is not a cut of the str between characters" % (where, shown.get("text")))
        check(shown.get("items") == "[1, 2.5, None, [3, 4], {'k': 'v'}, ... (7 items)]",
              "%s: items = %r" % (where, shown.get("items")))
        check(re.match(r"^<Opaque at 0x[0-9a-f]+>$", shown.get("thing", "")),
              "%s: thing = %r" % (where, shown.get("thing")))
        check(re.match(r"^<Caf\u00e9 at 0x[0-9a-f]+>$", shown.get("odd", "")),
              "%s: odd = %r" % (where, shown.get("odd")))

    check_values(shown, "text")
    data = json.loads(as_json.stdout)
    frames = [f for t in data["threads"] for f in t["frames"]
              if "%s (%s:%d)" % (f["name"], f["short_file"], f["line"]) == held]
    check(len(frames) == 1, "json: frame %s not found once" % held)
    check_values({v["name"]: v["repr"] for v in frames[0]["locals"]}, "json")
    check({v["name"] for v in frames[0]["locals"] if v["argument"]} == arguments,
          "json arguments: %s" % frames[0]["locals"])


def test_subprocesses(interp, peekpy):
    """--subprocesses: a multiprocessing parent and its two busy workers, each
    under its own process frame, the workers' work in the workers."""
    with Target(interp, "workers.py") as target:
        run = peekpy.run(["record", "--subprocesses", "--idle", "--pid", target.pid, "-d", "1"])
        dump = peekpy.run(["dump", "--json", "--subprocesses", "--pid", target.pid],
                          name="unused")
        pid = target.pid
    check(run.returncode == 0, "exit %d: %s" % (run.returncode, run.stderr))
    check(dump.returncode == 0, "dump: exit %d: %s" % (dump.returncode, dump.stderr))
    dumped = json.loads(dump.stdout)
    busy = [p["pid"] for p in dumped
            if any(f["name"] == "work" for t in p["threads"] for f in t["frames"])]
    check(dumped[0]["pid"] == pid and len(busy) == 2,
          "dump --subprocesses: %s, workers %s" % ([p["pid"] for p in dumped], busy))
    work = frame_text("work", "workers.py", marked_line("workers.py", "WORK_LINE"))
    processes = {}
    for stack, count in run.stacks().items():
        m = re.match(r'process (\d+) "', stack[0])
        check(m, "a stack without a process root: %s" % ";".join(stack))
        processes.setdefault(int(m.group(1)), []).append(stack)
    # 3.14+ start workers from a fork server (and run a resource tracker):
    # those are Python processes too.
    workers = [child for child in set(processes) - {pid}
               if any(s[-1] == work for s in processes[child])]
    check(pid in processes and len(workers) == 2,
          "processes %s: expected the target %d and two workers at %s: %s" % (
              sorted(processes), pid, work, {p: s[:1] for p, s in processes.items()}))
    check(not any(work in s for s in processes[pid]), "the parent shows the workers' work")


def tasks_of(pid):
    return {int(t) for t in os.listdir("/proc/%d/task" % pid)}


def test_forked_workers_keep_their_threads(interp, peekpy):
    """Workers forked through the C library, as uWSGI forks them: every
    thread of every process is there (with --idle, those with no Python
    frame too) under its own process and its own thread id, and the thread
    state a fork left behind is no thread."""
    with Target(interp, "forkworkers.py") as target:
        workers = [int(p) for p in subprocess.run(["pgrep", "-P", str(target.pid)],
                                                   capture_output=True, text=True).stdout.split()]
        tasks = {pid: tasks_of(pid) for pid in [target.pid] + workers}
        run = peekpy.run(["record", "--pid", target.pid, "--subprocesses", "--threads",
                          "--idle", "-d", "1"])
        dump = peekpy.run(["dump", "--json", "--subprocesses", "--pid", target.pid],
                          name="unused")
    check(run.returncode == 0, "exit %d: %s" % (run.returncode, run.stderr))
    check(len(workers) == 2, "workers: %s" % workers)
    seen = {}
    for stack in run.stacks():
        m = re.match(r'process (\d+) "', stack[0])
        t = re.match(r"thread (\d+)", stack[1]) if len(stack) > 1 else None
        check(m and t, "a stack without process and thread roots: %s" % ";".join(stack))
        seen.setdefault(int(m.group(1)), set()).add(int(t.group(1)))
    for pid, tids in tasks.items():
        check(seen.get(pid) == tids, "process %d: threads %s sampled, it has %s" % (
            pid, sorted(seen.get(pid, ())), sorted(tids)))
    no_python = [s for s in run.stacks() if s[-1] == "<no Python frame>"]
    check(no_python and all(s[0].startswith('process %d "' % target.pid) for s in no_python),
          "the parent's thread with no Python frame: %s" % no_python)
    check(dump.returncode == 0, "dump: exit %d: %s" % (dump.returncode, dump.stderr))
    for process in json.loads(dump.stdout):
        tids = {t["tid"] for t in process["threads"]}
        check(tids == tasks[process["pid"]], "dump of %d: threads %s, it has %s" % (
            process["pid"], sorted(tids), sorted(tasks[process["pid"]])))


def test_subprocesses_of_a_shell(interp, peekpy):
    """--subprocesses with a target that is not Python (a shell): its Python
    children are sampled and dumped, attached to or launched; without
    --subprocesses it is said to be no Python."""
    # The children let go of the test's pipes: a launched shell's are not
    # stopped with it, and would keep peekpy's output open.  The shell says
    # ready once both children have.
    child = " ".join(shlex.quote(a) for a in interp.argv(interp.script("workload.py"), "6"))
    said = tempfile.mkdtemp(prefix="peekpy-shell-")
    script = ("{c} >{d}/1 2>/dev/null & {c} >{d}/2 2>/dev/null & "
              "until grep -qs ready {d}/1 && grep -qs ready {d}/2; do sleep 0.02; done; "
              "echo ready; wait").format(c=child, d=shlex.quote(said))
    shell = subprocess.Popen(["sh", "-c", script], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        check(shell.stdout.readline().strip() == b"ready", "the shell did not start")
        run = peekpy.run(["record", "--pid", shell.pid, "--subprocesses", "-d", "1"])
        dump = peekpy.run(["dump", "--json", "--subprocesses", "--pid", shell.pid],
                          name="unused")
        plain = peekpy.run(["record", "--pid", shell.pid, "-d", "1"], name="unused")
    finally:
        os.killpg(shell.pid, signal.SIGKILL)
        shell.wait()
        shutil.rmtree(said)
    check(run.returncode == 0, "exit %d: %s" % (run.returncode, run.stderr))
    spin = frame_text("spin", "workload.py", marked_line("workload.py", "SPIN_LINE"))
    pids = {re.match(r"process (\d+)", stack[0]).group(1) for stack in run.stacks()
            if stack[-1] == spin}
    check(len(pids) == 2, "processes spinning: %s" % sorted(pids))
    check(dump.returncode == 0, "dump: exit %d: %s" % (dump.returncode, dump.stderr))
    check(len(json.loads(dump.stdout)) == 2, "dump: %s" % dump.stdout[:300])
    one_line_error(plain, "is not running Python")
    # Launched, it runs until the shell ends, after its children: each spins
    # for 2 s once started, however long a loaded machine takes to start it.
    short = " ".join(shlex.quote(a) for a in interp.argv(interp.script("workload.py"), "2"))
    launched = "%s >/dev/null 2>&1 & %s >/dev/null 2>&1 & wait" % (short, short)
    run = peekpy.run(["record", "--subprocesses", "--", "sh", "-c", launched],
                     name="launched.txt")
    check(run.returncode == 0, "launched: exit %d: %s" % (run.returncode, run.stderr))
    pids = {re.match(r"process (\d+)", stack[0]).group(1) for stack in run.stacks()
            if stack[-1] == spin}
    check(len(pids) == 2, "launched: processes spinning: %s" % sorted(pids))


def test_attach_right_after_start(interp, peekpy):
    """Attaching at once to a process just started (its interpreter maybe not
    mapped yet) waits for Python instead of saying it is not Python."""
    for attempt in range(10):
        proc = subprocess.Popen(interp.argv(interp.script("workload.py"), "3"),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            run = peekpy.run(["record", "--pid", proc.pid, "-d", "0.3"],
                             name="young-%d.txt" % attempt)
        finally:
            proc.kill()
            proc.wait()
        check(run.returncode == 0, "attempt %d: exit %d: %s" % (
            attempt, run.returncode, run.stderr))


def test_exec_is_followed(interp, peekpy):
    """A program that executes another Python goes on being sampled (both
    are in the profile); one that executes a program
    that is not Python ends the recording with one line, and what was
    sampled is written."""
    run = peekpy.run(["record", "--"] + interp.argv(interp.script("execer.py"),
                                                    interp.executable,
                                                    interp.script("second.py")))
    check(run.returncode == 0, "exit %d: %s" % (run.returncode, run.stderr))
    names = {f.split(" (")[0] for stack in run.stacks() for f in stack}
    check({"first", "second"} <= names, "functions sampled: %s" % sorted(names)[:20])
    check("sampling goes on" in run.stderr and "CPython" in run.summary_line(),
          "stderr: %s" % run.stderr)
    started = time.monotonic()
    run = peekpy.run(["record", "--"] + interp.argv(interp.script("execer.py"), "/bin/sleep",
                                                    "60"), name="second.txt")
    check(run.returncode == 0, "exit %d: %s" % (run.returncode, run.stderr))
    check("which does not run Python: the recording stops here" in run.stderr, run.stderr)
    check(time.monotonic() - started < timeout(20), "the recording did not stop")
    check(any(f.startswith("first (") for stack in run.stacks() for f in stack),
          "what was sampled before is not written")


def test_init_calls_keep_their_frames(interp, peekpy):
    """A class's __init__ shows under its caller, even where the interpreter
    puts a frame of its own between them (3.13+, once the call is
    specialized)."""
    init = qualname(interp, "Counter.__init__", "__init__") + " (inits.py:"
    make = frame_text("make", "inits.py", marked_line("inits.py", "MAKE_CALL"))
    with Target(interp, "inits.py") as target:
        run = peekpy.run(["record", "--pid", target.pid, "-d", "1", "-r", "200"])
    check(run.returncode == 0, "exit %d: %s" % (run.returncode, run.stderr))
    in_make = sum(c for s, c in run.stacks().items() if make in s)
    in_init = sum(c for s, c in run.stacks().items()
                  if make in s and any(f.startswith(init) for f in s[s.index(make):]))
    check(in_make >= 50 and in_init >= 0.6 * in_make,
          "%d of %d samples under make() are in %s" % (in_init, in_make, init))


def descendants_running(pid, script):
    """pid's descendants whose command line names script, outermost first."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open("/proc/%s/stat" % entry) as fh:
                    parent = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(parent, []).append(int(entry))
    found, todo = [], list(children.get(pid, []))
    while todo:
        child = todo.pop(0)
        try:
            with open("/proc/%d/cmdline" % child, "rb") as fh:
                if script.encode() in fh.read():
                    found.append(child)
        except OSError:
            pass
        todo.extend(children.get(child, []))
    return found


def test_container_thread_ids(interp, peekpy):
    """A target in its own PID namespace (a container) knows its threads by
    other ids than the host: peekpy still finds which are on a CPU, and
    names them by the host's ids."""
    if os.geteuid() != 0 or not shutil.which("unshare"):
        raise TestSkip("needs root and unshare(1) for a PID namespace")
    proc = subprocess.Popen(["unshare", "--pid", "--fork", "--mount-proc"] +
                            interp.argv(interp.script("idle.py")),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    target = Target.__new__(Target)     # adopt the process: wait for its "ready"
    target.interp, target.proc, target.pid, target.lines = interp, proc, proc.pid, []
    pythons = []
    try:
        target.wait_for("ready")
        pythons = descendants_running(proc.pid, "idle.py")
        check(pythons, "no Python process under unshare %d" % proc.pid)
        pid = target.pid = pythons[-1]
        target.wait_for_sleepers(3)
        run = peekpy.run(["record", "--pid", pid, "--threads", "-d", "0.5"])
        tasks = {int(t) for t in os.listdir("/proc/%d/task" % pid)}
    finally:
        # The namespace's first process ignores all but SIGKILL.
        for victim in pythons + [proc.pid]:
            try:
                os.kill(victim, signal.SIGKILL)
            except OSError:
                pass
        proc.wait()
    check(run.returncode == 0, "exit %d: %s" % (run.returncode, run.stderr))
    busy = {int(s[0].split()[1]) for s in run.stacks() if s[0].startswith("thread ")}
    check(len(busy) == 2 and busy <= tasks,
          "busy threads %s; the host knows the process's threads as %s" % (busy, sorted(tasks)))


def test_changing_stacks_are_never_wrong(interp, peekpy):
    """Sampling a stack that changes every microsecond at a high rate: what
    the target changed while it was copied is settled into one moment's
    stack, or retried, never written as a stack that cannot be."""
    recurse = frame_text("fib", "churn.py", marked_line("churn.py", "FIB_RECURSE"))
    fib_lines = {frame_text("fib", "churn.py", marked_line("churn.py", m))
                 for m in ("FIB_TEST", "FIB_BASE", "FIB_RECURSE")}
    fib_lines.add(frame_text("fib", "churn.py", def_line("churn.py", "fib")))
    main_call = frame_text("main", "churn.py", marked_line("churn.py", "MAIN_CALL"))
    with Target(interp, "churn.py", 0) as target:
        run = peekpy.run(["record", "--pid", target.pid, "-d", "1", "-r", "20000"])
    check(run.returncode == 0, "exit %d: %s" % (run.returncode, run.stderr))
    bad, total = [], 0
    for stack, count in run.stacks().items():
        total += count
        fibs = [i for i, f in enumerate(stack) if f.startswith("fib (")]
        if not fibs:
            continue
        first = fibs[0]
        ok = (first >= 2 and stack[0].startswith("<module> (churn.py:") and
              stack[first - 1] == main_call and fibs == list(range(first, len(stack))) and
              all(f == recurse for f in stack[first:-1]) and stack[-1] in fib_lines)
        if not ok:
            bad.append((count, ";".join(stack)))
    # Without stopping the target, a frame's fields can be copied a few
    # hundred nanoseconds apart when the target writes them meanwhile: a
    # caller's line may then come from just before its call.  3.11+ settle
    # this away; on <= 3.10 about one sample in 100,000 keeps it
    # (docs/design.md, "One frame, two moments").  At a call every ~100 ns
    # it must stay below one sample in 5,000 everywhere.
    wrong = sum(count for count, _ in bad)
    check(wrong * 5000 <= total, "%d impossible stacks in %d samples, e.g. %s" % (
        wrong, total, bad[:2]))
    # Discarding the samples taken while the stack changed would bias the
    # profile: they must be rare even here.  3.11+ settle every one; on
    # <= 3.10, whose frame objects are copied one by one, about a fifth of
    # these samples stay torn after three tries (docs/design.md).
    summary = run.summary()
    least = 0.9 if interp.version >= (3, 11) else 0.7
    check(total >= least * summary["samples"], "only %d consistent samples of %d" % (
        total, summary["samples"]))


def generator_callers():
    """{function: allowed callers} as generators.py declares them."""
    with open(os.path.join(TARGETS, "generators.py"), encoding="utf-8") as fh:
        source = fh.read()
    start = source.index("CALLERS = {")
    return eval(source[start + len("CALLERS = "):source.index("}", start) + 1])


def test_generators_keep_their_callers(interp, peekpy):
    """Frames that leave the stack and come back every microsecond (nested
    generators, generator expressions consumed by C, yield from, coroutines
    driven by send): every sample hangs from the module, each function from
    one of its true callers, and every sample is written or counted as an
    error, never dropped unsaid."""
    callers = generator_callers()
    with Target(interp, "generators.py") as target:
        run = peekpy.run(["record", "--pid", target.pid, "-d", "1", "-r", "5000"])
    check(run.returncode == 0, "exit %d: %s" % (run.returncode, run.stderr))
    bad, total = [], 0
    for stack, count in run.stacks().items():
        total += count
        names = [f.split(" (", 1)[0].rsplit(".", 1)[-1] for f in stack]
        ok = names[0] == "<module>" and all(
            name not in callers or names[i - 1] in callers[name]
            for i, name in enumerate(names) if i)
        if not ok:
            bad.append((count, ";".join(stack)))
    # <= 3.10 copy frame objects one by one: as in
    # test_changing_stacks_are_never_wrong, a caller's fields may rarely
    # come from just before its call.  At most one sample in 5,000.
    wrong = sum(count for count, _ in bad)
    check(wrong * 5000 <= total, "%d impossible stacks in %d samples, e.g. %s" % (
        wrong, total, bad[:2]))
    summary = run.summary()
    check(total + summary["errors"] == summary["samples"],
          "%d samples, %d errors, but %d written" % (summary["samples"], summary["errors"], total))
    # Here a generator yields every ~100 ns, faster than two ranges can be
    # copied: a sample caught with one on top is refused more often than
    # not (real generator code, pygments, loses ~1%: docs/design.md).
    check(summary["errors"] * 10 <= summary["samples"] * 4,
          "%d errors in %d samples" % (summary["errors"], summary["samples"]))
    seen = {f.split(" (", 1)[0].rsplit(".", 1)[-1] for stack in run.stacks() for f in stack}
    want = {"loop", "middle", "leaf", "<genexpr>"}
    if interp.version >= (3, 5):
        want |= {"delegate", "co_leaf"}
    check(want <= seen, "never seen: %s" % ", ".join(sorted(want - seen)))


def test_loops_keep_their_lines(interp, peekpy):
    """A thread waiting for the GIL waits at a jump back to a loop's start,
    which 3.10 and 3.11 give no line of their own: it is shown at the
    loop's line, and no frame anywhere is at line 0."""
    first, last = marked_line("loops.py", "LOOP_FIRST"), marked_line("loops.py", "LOOP_LAST")
    with Target(interp, "loops.py") as target:
        run = peekpy.run(["record", "--pid", target.pid, "-d", "1", "-r", "1000", "--idle"])
    check(run.returncode == 0, "exit %d: %s" % (run.returncode, run.stderr))
    lines, zero = {}, []
    for stack, count in run.stacks().items():
        zero += [f for f in stack if f.endswith(":0)")]
        for frame in stack:
            m = re.match(r"spin \(loops\.py:(\d+)\)$", frame)
            if m:
                lines[int(m.group(1))] = lines.get(int(m.group(1)), 0) + count
    check(not zero, "frames at line 0: %s" % sorted(set(zero))[:3])
    check(lines, "spin never sampled")
    check(all(first <= line <= last for line in lines),
          "spin at lines %s, outside %d-%d" % (sorted(lines), first, last))


def short_calls_keep_their_share(interp, peekpy, microseconds):
    run = peekpy.run(["record", "-r", "2000", "--"] +
                     interp.argv(interp.script("fastcalls.py"), "3", str(microseconds)),
                     name="fastcalls-%dus.txt" % microseconds)
    check(run.returncode == 0, "exit %d: %s" % (run.returncode, run.stderr))
    m = re.search(r"shares ([\d.]+) ([\d.]+) ([\d.]+)", run.stdout)
    check(m, "the target did not report its shares: %r" % run.stdout[-300:])
    truth = [float(x) for x in m.groups()]
    counts = [0, 0, 0]
    for stack, count in run.stacks().items():
        for i, name in enumerate(("thirty", "twenty", "ten")):
            if any(f.startswith(name + " (") for f in stack):
                counts[i] += count
    total = float(sum(counts))
    check(total >= 1500, "only %d samples in the three functions" % total)
    # 2 us calls: the program's own clock readings weigh on what it measures,
    # and runs here scatter by up to ~5 points (docs/design.md).
    bound = 0.04 if microseconds >= 10 else 0.06
    for name, want, got in zip(("thirty", "twenty", "ten"), truth, counts):
        check(abs(got / total - want) < bound * SLACK,
              "%s (%d us calls): %.1f%% sampled, %.1f%% measured by the program (%s)" % (
                  name, microseconds, 100 * got / total, 100 * want,
                  run.stderr.strip().splitlines()[-1]))


def test_short_calls_keep_their_share(interp, peekpy):
    """Calls of 30, 20 and 10 us, then (3.11+) of 6, 4 and 2 us: the shares peekpy
    measures match the ones the program measures itself (settling or
    retrying samples taken while the stack changed must not bias the
    profile against short calls).  Below that, the program's own clock
    readings and the cost of each call blur what it measures."""
    short_calls_keep_their_share(interp, peekpy, 10)
    # Up to 3.10 a stack is a chain of frame objects copied one by one, and
    # many samples of calls of a few microseconds are torn and walked again
    # a moment later, which shifts a few points from one call to the next
    # (up to 12 in some runs on 3.6; docs/design.md).  Only 3.11+ frames,
    # copied with their chunk, hold to 2 us.
    if interp.version[:2] >= (3, 11):
        short_calls_keep_their_share(interp, peekpy, 2)


PER_INTERPRETER = [
    test_changing_stacks_are_never_wrong,
    test_generators_keep_their_callers,
    test_loops_keep_their_lines,
    test_short_calls_keep_their_share,
    test_stacks_match_interpreter,
    test_launch_workload,
    test_attach_and_detach,
    test_deep_recursion,
    test_rendering_options,
    test_target_exits,
    test_signals_write_output,
    test_launch_from_first_moments,
    test_idle_threads,
    test_nameless_thread_costs_nothing,
    test_gil_keeps_its_holder,
    test_dump_shows_each_thread,
    test_dump_locals,
    test_subprocesses,
    test_init_calls_keep_their_frames,
    test_container_thread_ids,
    test_forked_workers_keep_their_threads,
    test_attach_right_after_start,
    test_subprocesses_of_a_shell,
    test_exec_is_followed,
]


# --- bad input, once ----------------------------------------------------------

def one_line_error(run, needle, status=1):
    lines = [l for l in run.stderr.splitlines() if l.strip()]
    check(run.returncode == status, "exit %d, expected %d: %s" % (run.returncode, status,
                                                                   run.stderr))
    check(len(lines) == 1, "expected one line on stderr, got %d: %r" % (len(lines), run.stderr))
    check(needle in lines[0], "expected %r in %r" % (needle, lines[0]))


def unused_pid():
    """A process id no process has now."""
    with open("/proc/sys/kernel/pid_max") as fh:
        pid = int(fh.read()) - 1
    while os.path.exists("/proc/%d" % pid):
        pid -= 1
    return pid


def not_python(peekpy, command):
    """peekpy COMMAND --pid of a running process that is not Python."""
    sleeper = subprocess.Popen(["sleep", "60"])
    try:
        one_line_error(peekpy.run([command, "--pid", sleeper.pid]), "is not running Python")
    finally:
        sleeper.kill()
        sleeper.wait()


def bad_no_such_pid(interp, peekpy):
    pid = unused_pid()
    one_line_error(peekpy.run(["record", "--pid", pid]), "no process with id %d" % pid)


def bad_not_python(interp, peekpy):
    not_python(peekpy, "record")


def bad_dump_inputs(interp, peekpy):
    pid = unused_pid()
    one_line_error(peekpy.run(["dump", "--pid", pid]), "no process with id %d" % pid)
    not_python(peekpy, "dump")
    one_line_error(peekpy.run(["dump"]), "give --pid PID", status=2)
    one_line_error(peekpy.run(["info", "/nonexistent.peek"]), "cannot read '/nonexistent.peek'")
    one_line_error(peekpy.run(["render", "/nonexistent.txt"]), "cannot read '/nonexistent.txt'")


def bad_missing_program(interp, peekpy):
    one_line_error(peekpy.run(["record", "--", "/nonexistent/program"]),
                   "cannot run '/nonexistent/program'")


def bad_launched_not_python(interp, peekpy):
    one_line_error(peekpy.run(["record", "--", "sleep", "0.2"]),
                   "exited before a Python interpreter started")


def bad_permission_denied(interp, peekpy):
    if os.geteuid() != 0:
        raise TestSkip("needs root to run a target another user cannot read")
    with Target(interp, "workload.py", 0) as target:
        run = peekpy.run(["record", "--pid", target.pid, "-d", "1", "-o", "/dev/null"],
                         user=65534)
    one_line_error(run, "permission denied")


def bad_unknown_flag(interp, peekpy):
    one_line_error(peekpy.run(["record", "--frobnicate", "--pid", "1"]),
                   "unknown option '--frobnicate'", status=2)
    one_line_error(peekpy.run(["record", "-r", "fast", "--pid", "1"]), "--rate", status=2)
    one_line_error(peekpy.run(["frobnicate"]), "unknown command", status=2)


def bad_attach_while_starting(interp, peekpy):
    """Attaching the moment Python was started: peekpy waits for it to be ready."""
    proc = subprocess.Popen(interp.argv(interp.script("workload.py"), "1.5"),
                            stdout=subprocess.DEVNULL)
    try:
        run = peekpy.run(["record", "--pid", proc.pid, "-d", "0.5"])
    finally:
        proc.kill()
        proc.wait()
    check(run.returncode == 0, "exit %d: %s" % (run.returncode, run.stderr))
    check(run.summary()["samples"] > 0, "no samples: %s" % run.stderr)


NOBODY = 65534
SUDO_NOBODY = dict(os.environ, SUDO_UID=str(NOBODY), SUDO_GID=str(NOBODY))


def needs_root_and_a_shared_interpreter(interp):
    if os.geteuid() != 0:
        raise TestSkip("needs root")
    if interp.chroot or interp.executable.startswith("/root/"):
        raise TestSkip("needs an interpreter outside /root that another user can run")


def owned_dir(peekpy, name, uid):
    """A fresh directory in the work directory, belonging to uid."""
    path = os.path.join(peekpy.workdir, name)
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    os.chown(path, uid, uid)
    os.chmod(path, 0o755)
    return path


def once_sudo_runs_the_command_as_the_invoking_user(interp, peekpy):
    """Under sudo (SUDO_UID/SUDO_GID), a launched command runs as the user who
    ran sudo, and the output file is theirs."""
    needs_root_and_a_shared_interpreter(interp)
    out = os.path.join(owned_dir(peekpy, "theirs", NOBODY), "out.txt")
    run = peekpy.run(["record", "-o", out, "--"] + interp.argv(interp.script("whoami.py")),
                     env=SUDO_NOBODY)
    check(run.returncode == 0, "exit %d: %s" % (run.returncode, run.stderr))
    check("uid 65534 gid 65534" in run.stdout, "the command said %r" % run.stdout)
    check(os.stat(out).st_uid == NOBODY, "the output belongs to uid %d" % os.stat(out).st_uid)
    text = open(out).read()
    check("whoami" in text or "<module> (whoami.py" in text,
          "no samples of the command: %r" % text[:300])


def once_sudo_writes_only_where_the_user_may(interp, peekpy):
    """Under sudo every file is written as the user who ran sudo would: a
    root file (directly, through a symlink, or with render) is refused
    before anything runs and left as it was; a root-only file is not read;
    the user's own file keeps its mode and owner."""
    needs_root_and_a_shared_interpreter(interp)
    root_dir = owned_dir(peekpy, "roots", 0)
    victim = os.path.join(root_dir, "victim")
    with open(victim, "w") as fh:
        fh.write("secret\n")
    os.chmod(victim, 0o600)
    theirs = owned_dir(peekpy, "theirs", NOBODY)
    link = os.path.join(theirs, "link")
    os.symlink(victim, link)
    os.lchown(link, NOBODY, NOBODY)
    marker = os.path.join(theirs, "ran")
    command = interp.argv("-c", "open(%r, 'w').close()" % marker)
    for target in (victim, link):
        run = peekpy.run(["record", "-o", target, "--"] + command, env=SUDO_NOBODY)
        one_line_error(run, "cannot write")
        check("Permission denied" in run.stderr, run.stderr)
        check(not os.path.exists(marker), "the command ran although -o %s was refused" % target)
        st = os.stat(victim)
        check((st.st_uid, st.st_mode & 0o777, open(victim).read()) == (0, 0o600, "secret\n"),
              "the root file was changed: uid %d mode %o" % (st.st_uid, st.st_mode & 0o777))
        check(os.path.islink(link), "the link was replaced")
    stacks = os.path.join(theirs, "stacks.txt")
    with open(stacks, "w") as fh:
        fh.write("a;b 1\n")
    run = peekpy.run(["render", stacks, "-o", victim], env=SUDO_NOBODY)
    one_line_error(run, "cannot write")
    check(open(victim).read() == "secret\n", "render wrote the root file")
    run = peekpy.run(["render", victim, "-o", os.path.join(theirs, "x.svg")], env=SUDO_NOBODY)
    one_line_error(run, "cannot read")
    # The user's own file: replaced, still theirs, still private.
    own = os.path.join(theirs, "own.txt")
    with open(own, "w") as fh:
        fh.write("old\n")
    os.chown(own, NOBODY, NOBODY)
    os.chmod(own, 0o600)
    run = peekpy.run(["record", "-o", own, "--"] + interp.argv(interp.script("whoami.py")),
                     env=SUDO_NOBODY)
    check(run.returncode == 0, "exit %d: %s" % (run.returncode, run.stderr))
    st = os.stat(own)
    check((st.st_uid, st.st_mode & 0o777) == (NOBODY, 0o600),
          "own file now uid %d mode %o" % (st.st_uid, st.st_mode & 0o777))
    check("whoami" in open(own).read(), "own file not written")


def once_output_files_follow_links_and_keep_modes(interp, peekpy):
    """-o through a symlink replaces the file the link names and keeps the
    link; an existing file keeps its mode and owner; /dev/stdout is written,
    not replaced; a path that cannot be written fails before the command
    starts; every format goes through a temporary file."""
    base = os.path.join(peekpy.workdir, "files")
    shutil.rmtree(base, ignore_errors=True)
    os.makedirs(base)
    workload = interp.argv(interp.script("workload.py"), "0.3")
    real = os.path.join(base, "real.txt")
    with open(real, "w") as fh:
        fh.write("old\n")
    os.chmod(real, 0o600)
    if os.geteuid() == 0:
        os.chown(real, NOBODY, NOBODY)
    link = os.path.join(base, "link.txt")
    os.symlink("real.txt", link)
    for fmt in ("collapsed", "raw", "svg", "speedscope", "chrometrace"):
        run = peekpy.run(["record", "-f", fmt, "-o", link, "--"] + workload, name="unused")
        check(run.returncode == 0, "%s: exit %d: %s" % (fmt, run.returncode, run.stderr))
        check(os.path.islink(link) and os.readlink(link) == "real.txt", "%s: link replaced" % fmt)
        st = os.stat(real)
        check(st.st_mode & 0o777 == 0o600, "%s: mode now %o" % (fmt, st.st_mode & 0o777))
        if os.geteuid() == 0:
            check(st.st_uid == NOBODY, "%s: owner now %d" % (fmt, st.st_uid))
        check(os.path.getsize(real) > 100, "%s: nothing written" % fmt)
        check(sorted(os.listdir(base)) == ["link.txt", "real.txt"],
              "%s: left behind: %s" % (fmt, os.listdir(base)))
    run = peekpy.run(["record", "-f", "collapsed", "-o", "/dev/stdout", "--"] + workload,
                     name="unused")
    check(run.returncode == 0 and "spin (workload.py:" in run.stdout,
          "-o /dev/stdout: exit %d: %r" % (run.returncode, run.stdout[:200]))
    check(os.path.islink("/dev/stdout"), "/dev/stdout was replaced")
    marker = os.path.join(base, "ran")
    started = time.monotonic()
    run = peekpy.run(["record", "-o", os.path.join(base, "missing", "x.svg"), "--"] +
                     interp.argv("-c", "open(%r, 'w').close()" % marker), name="unused")
    one_line_error(run, "No such file or directory")
    check(not os.path.exists(marker), "the command ran although its output cannot be written")
    check(time.monotonic() - started < timeout(5), "the missing directory was found late")


def once_disk_full_keeps_what_was_flushed(interp, peekpy):
    """A disk that fills during -f raw: one line says so and where the
    samples written before are, which info then reads; a disk full from the
    start leaves no file; a flame graph that cannot be written goes to the
    temporary directory instead."""
    if os.geteuid() != 0:
        raise TestSkip("needs root to mount a small tmpfs")
    disk = os.path.join(peekpy.workdir, "disk")
    os.makedirs(disk, exist_ok=True)
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24k", "tmpfs", disk],
                      stderr=subprocess.DEVNULL).returncode != 0:
        raise TestSkip("cannot mount a tmpfs here")
    try:
        workload = interp.argv(interp.script("workload.py"), "30")
        rec = os.path.join(disk, "rec.peek")
        run = peekpy.run(["record", "-f", "raw", "-r", "2000", "-o", rec, "--"] + workload,
                         name="unused")
        lines = [l for l in run.stderr.splitlines() if "No space left" in l]
        check(run.returncode == 1, "exit %d: %s" % (run.returncode, run.stderr))
        check(len(lines) == 1 and "written before are in %s" % rec in lines[0],
              "expected one line saying what is kept: %s" % run.stderr)
        check("lost" not in run.stderr and "stops here" not in run.stderr, run.stderr)
        info, samples = info_of(peekpy, rec)
        check(samples > 0 and str(samples) in lines[0], "info reads %d samples; %s" % (
            samples, lines[0]))
        check(sorted(os.listdir(disk)) == ["rec.peek"], "left: %s" % os.listdir(disk))
        # Full from the start.
        run = peekpy.run(["record", "-f", "raw", "-o", os.path.join(disk, "second.peek"),
                          "--"] + interp.argv(interp.script("workload.py"), "0.5"),
                         name="unused")
        one_line_error(run, "No space left on device")
        check(sorted(os.listdir(disk)) == ["rec.peek"], "left: %s" % os.listdir(disk))
        # A flame graph, written at the end: rescued.
        env = dict(os.environ, TMPDIR=peekpy.workdir)
        run = peekpy.run(["record", "-f", "svg", "-o", os.path.join(disk, "flame.svg"), "--"] +
                         interp.argv(interp.script("workload.py"), "0.5"), name="unused",
                         env=env)
        m = re.search(r"written to (\S+) instead", run.stderr)
        check(run.returncode == 1 and m, "exit %d: %s" % (run.returncode, run.stderr))
        xml_valid(m.group(1))
        os.unlink(m.group(1))
    finally:
        subprocess.run(["umount", disk])


def process_state(pid):
    try:
        with open("/proc/%d/stat" % pid) as fh:
            return fh.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return None


def once_launched_command_ends_with_peekpy(interp, peekpy):
    """record -- CMD passes on CMD's failing status (CI steps depend on
    it); a CMD stopped at -d prints no KeyboardInterrupt traceback; a CMD
    whose peekpy is killed is killed too."""
    busy = "import sys, time\nt = time.time()\nwhile time.time() - t < 0.3: pass\n"
    run = peekpy.run(["record", "--"] + interp.argv("-c", busy + "sys.exit(3)"), name="unused")
    check(run.returncode == 3, "exit %d after the command's 3: %s" % (run.returncode, run.stderr))
    check("samples" in run.stderr, "no summary: the profile was not written")
    run = peekpy.run(["record", "--"] + interp.argv("-c", busy), name="unused")
    check(run.returncode == 0, "exit %d after the command's 0: %s" % (run.returncode, run.stderr))
    run = peekpy.run(["record", "-d", "0.5", "--"] +
                     interp.argv(interp.script("workload.py"), "30"), name="unused")
    check(run.returncode == 0, "exit %d at -d: %s" % (run.returncode, run.stderr))
    check("Traceback" not in run.stderr and "KeyboardInterrupt" not in run.stderr,
          "the stopped command printed: %s" % run.stderr[-300:])
    proc = subprocess.Popen([peekpy.path, "record", "-o", os.path.join(peekpy.workdir, "k.svg"),
                             "--"] + interp.argv(interp.script("workload.py"), "60"),
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        ready = proc.stdout.readline()
        check(ready.strip() == b"ready", "the command did not start: %r" % ready)
        children = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True,
                                  text=True).stdout.split()
        check(len(children) == 1, "children of peekpy: %s" % children)
        child = int(children[0])
        proc.kill()
        proc.wait()
        deadline = time.monotonic() + timeout(10)
        while process_state(child) not in (None, "Z") and time.monotonic() < deadline:
            time.sleep(0.01)
        check(process_state(child) in (None, "Z"), "the command runs on after peekpy was killed")
    finally:
        if proc.poll() is None:
            proc.kill()


def bad_help_and_version(interp, peekpy):
    for args in (["--help"], ["record", "--help"], ["--version"]):
        run = peekpy.run(args, name="help.txt")
        check(run.returncode == 0 and run.stdout.strip(), "%s: exit %d" % (args, run.returncode))


# --- flame graphs ---------------------------------------------------------------

def xml_valid(path):
    check(shutil.which("xmllint"), "xmllint is missing (scripts/deps.sh test installs it)")
    lint = subprocess.run(["xmllint", "--noout", path], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE)
    check(lint.returncode == 0, "%s is not valid XML: %s" % (path, lint.stderr.decode()[-500:]))


def browse(svg, query, screenshot=None):
    """The page's DOM after headless Chromium loaded svg?query and ran its
    script; and a screenshot when asked."""
    chromium = shutil.which("chromium")
    check(chromium, "chromium is missing (scripts/deps.sh test installs it)")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--user-data-dir=" + os.path.join(os.path.dirname(svg), "chromium-profile")]
    url = "file://%s?%s" % (os.path.abspath(svg), query)
    dom = subprocess.run([chromium] + flags + ["--dump-dom", url], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, timeout=timeout(120))
    check(dom.returncode == 0, "chromium failed: %s" % dom.stderr.decode()[-500:])
    if screenshot:
        subprocess.run([chromium] + flags + ["--window-size=1200,900",
                                             "--screenshot=" + screenshot, url],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout(120))
        check(os.path.exists(screenshot), "no screenshot was taken")
    return dom.stdout.decode(errors="replace")


def matched(dom):
    m = re.search(r'<text id="matched"[^>]*>Matched: ([\d.]+)%</text>', dom)
    check(m, "the page shows no Matched percentage: %s" % dom[-800:])
    return float(m.group(1))


def share(stacks, within, match):
    """Of the samples whose stack has a frame starting with `within` (all
    when None), the percentage that also has, at or above it, a frame
    starting with `match`."""
    inside = hit = 0
    for stack, count in stacks.items():
        start = next((i for i, f in enumerate(stack) if within is None or f.startswith(within)),
                     None)
        if start is None:
            continue
        inside += count
        if any(f.startswith(match) for f in stack[start:]):
            hit += count
    return 100.0 * hit / inside if inside else 0.0


def once_flame_graph_is_valid_and_complete(interp, peekpy):
    """record writes an SVG flame graph by default: valid XML, the workload's
    functions in it, the version and sample count in its notes."""
    run = peekpy.run(["record", "-f", "svg", "-r", "200", "--"] +
                     interp.argv(interp.script("workload.py"), "1"), name="flame.svg")
    check(run.returncode == 0, "exit %d: %s" % (run.returncode, run.stderr))
    xml_valid(run.output_path)
    svg = open(run.output_path, encoding="utf-8").read()
    for name in ("heavy (workload.py:", "medium (workload.py:", "spin (workload.py:"):
        check(name in svg, "%r is not in the flame graph" % name)
    version = "CPython %d.%d.%d" % interp.version
    check(version in svg, "the notes do not name %s" % version)
    check(re.search(r"\b%d samples at 200/s" % run.summary()["samples"], svg),
          "the notes do not give the sample count")


def once_flame_graph_works_in_a_browser(interp, peekpy):
    """Headless Chromium runs the flame graph's script: searching and zooming
    through the URL show the Matched share the stacks say."""
    run = peekpy.run(["record", "-r", "300", "--"] +
                     interp.argv(interp.script("workload.py"), "1"), name="stacks.txt")
    check(run.returncode == 0, "exit %d: %s" % (run.returncode, run.stderr))
    stacks = run.stacks()
    svg = os.path.join(peekpy.workdir, "flame.svg")
    render = peekpy.run(["render", run.output_path, "-o", svg])
    check(render.returncode == 0, "render: exit %d: %s" % (render.returncode, render.stderr))
    xml_valid(svg)
    shown = matched(browse(svg, "s=%5Espin", os.path.join(peekpy.workdir, "search.png")))
    want = share(stacks, None, "spin (")
    check(abs(shown - want) < 0.06, "Matched %.1f%%, the stacks say %.2f%%" % (shown, want))
    shown = matched(browse(svg, "zoom=%5Emedium&s=%5Espin"))
    want = share(stacks, "medium (", "spin (")
    check(abs(shown - want) < 0.06, "zoomed to medium: Matched %.1f%%, the stacks say %.2f%%"
          % (shown, want))
    check(want > 90, "medium is mostly spin, not %.1f%%" % want)
    shown = matched(browse(svg, "s=HEAVY&i=1&v=reversed"))
    want = share(stacks, None, "heavy (")
    check(abs(shown - want) < 0.06, "reversed, ignoring case: Matched %.1f%%, the stacks say "
          "%.2f%%" % (shown, want))


def once_flame_graph_of_any_bytes(interp, peekpy):
    """Collapsed stacks from elsewhere, with names no XML parser would take
    as they are: render writes valid XML that a browser searches."""
    path = os.path.join(peekpy.workdir, "odd.txt")
    with open(path, "wb") as fh:
        fh.write(b"main (app.py:1);f\xff\xfe<&>]]> (odd\x01.py:2) 3\n"
                 b"main (app.py:1);caf\xc3\xa9 (\xed\xa0\x80.py:3) 1\n"
                 b"perl_frame;[kernel] 6\n")
    svg = os.path.join(peekpy.workdir, "odd.svg")
    run = peekpy.run(["render", path, "-o", svg])
    check(run.returncode == 0, "exit %d: %s" % (run.returncode, run.stderr))
    xml_valid(svg)
    shown = matched(browse(svg, "s=%5Emain"))
    check(abs(shown - 40.0) < 0.06, "Matched %.1f%% of main, expected 40.0%%" % shown)


# --- recordings -----------------------------------------------------------------

def info_of(peekpy, path):
    run = peekpy.run(["info", path], name="info-unused")
    samples = re.search(r"^samples:\s+(\d+)", run.stdout, re.M)
    return run, int(samples.group(1)) if samples else 0


def once_recording_renders_any_way(interp, peekpy):
    """record -f raw keeps every sample with its time and thread: info says
    what it holds; render draws it whole, by time range, by thread, with or
    without the idle threads."""
    with Target(interp, "idle.py") as target:
        target.wait_for_sleepers(3)
        run = peekpy.run(["record", "-f", "raw", "--pid", target.pid, "-d", "1", "-r", "200"],
                         name="run.peek")
    check(run.returncode == 0, "exit %d: %s" % (run.returncode, run.stderr))
    info, samples = info_of(peekpy, run.output_path)
    check(info.returncode == 0, "info: exit %d: %s" % (info.returncode, info.stderr))
    check("status:    complete" in info.stdout, "info: %s" % info.stdout)
    check(samples == run.summary()["samples"], "info counts %d samples, record took %d"
          % (samples, run.summary()["samples"]))
    check("CPython %d.%d.%d" % interp.version in info.stdout, "info: %s" % info.stdout)
    check(re.search(r"^threads:\s+5$", info.stdout, re.M), "info: %s" % info.stdout)

    def rendered(*args):
        out = peekpy.run(["render", run.output_path, "-f", "collapsed", "-o", "-"] +
                         list(args), name="unused")
        check(out.returncode == 0, "render %s: exit %d: %s" % (args, out.returncode, out.stderr))
        stacks = {}
        for line in out.stdout.splitlines():
            path, _, count = line.rpartition(" ")
            stacks[tuple(path.split(";"))] = int(count)
        return stacks

    def count(stacks, word):
        return sum(c for s, c in stacks.items() if any(f.startswith(word) for f in s))

    whole, idle = rendered(), rendered("--idle")
    check(count(whole, "busy (") > 0 and count(whole, "asleep (") == 0,
          "by default, only the busy threads: %s" % sorted(whole)[:3])
    check(count(idle, "asleep (") > 0, "--idle lost the sleeping threads")
    first, second = rendered("--time-range", ":0.5"), rendered("--time-range", "0.5:")
    total = sum(whole.values())
    halves = sum(first.values()), sum(second.values())
    check(sum(halves) == total and min(halves) > total / 4,
          "time ranges :0.5 and 0.5: hold %s of %d samples" % (halves, total))
    threads = rendered("--threads")
    tids = sorted({s[0] for s in threads})
    check(len(tids) == 2 and all(t.startswith("thread ") for t in tids),
          "--threads: roots %s" % tids)
    one = rendered("--thread", tids[0].split()[1])
    check(0 < sum(one.values()) < total, "--thread %s kept %d of %d" % (
        tids[0], sum(one.values()), total))
    svg = peekpy.run(["render", run.output_path, "-o", os.path.join(peekpy.workdir, "run.svg")])
    check(svg.returncode == 0, "render to svg: %s" % svg.stderr)
    xml_valid(os.path.join(peekpy.workdir, "run.svg"))


def once_recording_survives_a_killed_peekpy(interp, peekpy):
    """kill -9 of a recording peekpy loses at most the last second: the
    recording goes to PATH.XXXXXX until it is whole, and that file reads up
    to its last second, info says it was cut short, render still draws it.
    The file PATH held before is left as it was."""
    path = os.path.join(peekpy.workdir, "killed.peek")
    for old in glob.glob(path + "*"):
        os.unlink(old)     # files from an earlier run must not be taken for this one
    with open(path, "w") as fh:
        fh.write("an older recording\n")
    partial = []

    def kill_when_flushed(proc):
        deadline = time.monotonic() + timeout(60)
        while time.monotonic() < deadline and proc.poll() is None:
            partial[:] = [p for p in glob.glob(path + ".??????")]
            if partial and info_of(peekpy, partial[0])[1] >= 100:
                proc.kill()
                return
            time.sleep(0.1)
    run = peekpy.run(["record", "-f", "raw", "-r", "200", "-o", path, "--"] +
                     interp.argv(interp.script("workload.py"), "5"), name="unused",
                     signal_after=kill_when_flushed)
    check(run.returncode == -signal.SIGKILL, "peekpy was not killed: exit %d" % run.returncode)
    check(open(path).read() == "an older recording\n", "the older file was changed")
    check(len(partial) == 1, "recording into %s" % partial)
    info, samples = info_of(peekpy, partial[0])
    check(info.returncode == 1 and "incomplete" in info.stdout and samples >= 100,
          "info of a cut recording: exit %d, %s %s" % (info.returncode, info.stdout, info.stderr))
    svg = os.path.join(peekpy.workdir, "killed.svg")
    render = peekpy.run(["render", partial[0], "-o", svg], name="unused")
    check(render.returncode == 1 and "rendering what came before" in render.stderr,
          "render of a cut recording: exit %d: %s" % (render.returncode, render.stderr))
    xml_valid(svg)
    check("heavy (workload.py:" in open(svg, encoding="utf-8").read(), "heavy is not drawn")


def check_speedscope(path):
    """speedscope's schema rules: shared frames, sampled profiles whose
    samples index them, one weight per sample adding up to endValue."""
    data = json.load(open(path, encoding="utf-8"))
    check(data.get("$schema") == "https://www.speedscope.app/file-format-schema.json",
          "no speedscope $schema")
    frames = data["shared"]["frames"]
    check(frames and all(isinstance(f.get("name"), str) for f in frames), "bad shared frames")
    check(data["profiles"], "no profiles")
    for profile in data["profiles"]:
        check(profile["type"] == "sampled" and profile["unit"] in ("seconds", "none"),
              "profile %s: type %s unit %s" % (profile["name"], profile["type"], profile["unit"]))
        check(len(profile["samples"]) == len(profile["weights"]), "samples and weights differ")
        check(all(0 <= i < len(frames) for s in profile["samples"] for i in s),
              "a sample names a frame that is not shared")
        check(abs(sum(profile["weights"]) - (profile["endValue"] - profile["startValue"])) < 1e-6,
              "weights do not add up to endValue")
    return data


def check_trace(path):
    """Trace events: B and E properly nested per thread, in time order."""
    events = json.load(open(path, encoding="utf-8"))
    check(isinstance(events, list) and events, "not a JSON array of events")
    open_frames, last_ts = {}, {}
    for e in events:
        if e["ph"] == "M":
            continue
        key = (e["pid"], e["tid"])
        check(e["ts"] >= last_ts.get(key, 0), "time goes back on thread %s" % (key,))
        last_ts[key] = e["ts"]
        stack = open_frames.setdefault(key, [])
        if e["ph"] == "B":
            stack.append(e["name"])
        else:
            check(e["ph"] == "E" and stack and stack[-1] == e["name"],
                  "an end event that closes nothing: %s" % e)
            stack.pop()
    check(all(not s for s in open_frames.values()), "frames left open at the end")
    return events


def once_every_format_parses(interp, peekpy):
    """speedscope and chrometrace, recorded directly and rendered from a
    recording, follow their formats' rules and show the workload."""
    workload = interp.argv(interp.script("workload.py"), "1")
    for fmt, checker in (("speedscope", check_speedscope), ("chrometrace", check_trace)):
        run = peekpy.run(["record", "-f", fmt, "-r", "200", "--"] + workload, name="direct." + fmt)
        check(run.returncode == 0, "%s: exit %d: %s" % (fmt, run.returncode, run.stderr))
        checker(run.output_path)
        check("heavy" in open(run.output_path, encoding="utf-8").read(), "%s lacks heavy" % fmt)
    raw = peekpy.run(["record", "-f", "raw", "-r", "200", "--"] + workload, name="run.peek")
    check(raw.returncode == 0, "raw: exit %d: %s" % (raw.returncode, raw.stderr))
    for fmt, checker in (("speedscope", check_speedscope), ("chrometrace", check_trace)):
        out = os.path.join(peekpy.workdir, "rendered." + fmt)
        run = peekpy.run(["render", raw.output_path, "-f", fmt, "-o", out])
        check(run.returncode == 0, "render %s: exit %d: %s" % (fmt, run.returncode, run.stderr))
        checker(out)
    trace = check_trace(os.path.join(peekpy.workdir, "rendered.chrometrace"))
    begun = sum(1 for e in trace if e["ph"] == "B" and e["name"].startswith("heavy ("))
    check(begun >= 10, "heavy begins %d times in one second of 30 ms calls" % begun)


def once_output_to_a_pipe(interp, peekpy):
    """-o naming a FIFO (or /dev/null) writes into it, and leaves it a FIFO:
    renaming a finished file over it would replace it."""
    fifo = os.path.join(peekpy.workdir, "stacks.fifo")
    if os.path.exists(fifo):
        os.unlink(fifo)
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(open(fifo).read()), daemon=True)
    reader.start()
    run = peekpy.run(["record", "-r", "200", "-o", fifo, "--"] +
                     interp.argv(interp.script("workload.py"), "0.5"), name="unused")
    reader.join(timeout(30))
    check(run.returncode == 0, "exit %d: %s" % (run.returncode, run.stderr))
    check(stat.S_ISFIFO(os.stat(fifo).st_mode), "the FIFO was replaced by a file")
    check(got and "spin (workload.py:" in got[0], "nothing came through the FIFO")


def once_recording_of_subprocesses(interp, peekpy):
    """record -f raw --subprocesses keeps each sample's process: render puts
    the workers' stacks under their own process frames, and the timeline
    has a process per worker."""
    with Target(interp, "workers.py") as target:
        raw = peekpy.run(["record", "-f", "raw", "--subprocesses", "--pid", target.pid,
                          "-d", "1"], name="family.peek")
        pid = target.pid
    check(raw.returncode == 0, "exit %d: %s" % (raw.returncode, raw.stderr))
    out = peekpy.run(["render", raw.output_path, "-f", "collapsed", "-o", "-"], name="unused")
    check(out.returncode == 0, "render: exit %d: %s" % (out.returncode, out.stderr))
    work = frame_text("work", "workers.py", marked_line("workers.py", "WORK_LINE"))
    workers = set()
    for line in out.stdout.splitlines():
        stack = line.rpartition(" ")[0].split(";")
        m = re.match(r'process (\d+) "', stack[0])
        check(m, "a stack without a process root: %s" % line)
        if stack[-1] == work:
            workers.add(int(m.group(1)))
    check(len(workers) == 2 and pid not in workers, "workers at %s: %s" % (work, workers))
    trace = os.path.join(peekpy.workdir, "family.trace.json")
    run = peekpy.run(["render", raw.output_path, "-f", "chrometrace", "-o", trace])
    check(run.returncode == 0, "render chrometrace: %s" % run.stderr)
    pids = {e["pid"] for e in check_trace(trace) if e["ph"] == "B"}
    check(workers <= pids, "the timeline's processes %s lack workers %s" % (pids, workers))


# --- top ------------------------------------------------------------------------

def once_top_in_a_terminal(interp, peekpy):
    """peekpy top in tmux: the busy function tops the table, 2 sorts by total,
    a resized terminal gets a fitting table, q quits."""
    check(shutil.which("tmux"), "tmux is missing (scripts/deps.sh test installs it)")
    tmux = ["tmux", "-L", "peekpy-test-%d" % os.getpid()]
    spin = frame_text("spin", "workload.py", marked_line("workload.py", "SPIN_LINE"))

    def screen():
        out = subprocess.run(tmux + ["capture-pane", "-p", "-t", "top"], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL)
        return out.stdout.decode(errors="replace")

    def wait_screen(test, what):
        deadline = time.monotonic() + timeout(30)
        while time.monotonic() < deadline:
            text = screen()
            if test(text):
                return text
            time.sleep(0.1)
        raise TestFailure("top never showed %s; the screen:\n%s" % (what, screen()))

    def first_row(text):
        lines = text.splitlines()
        for i, line in enumerate(lines):
            if "Function (file:line)" in line and i + 1 < len(lines):
                return lines[i + 1]
        return ""

    with Target(interp, "workload.py", 0) as target:
        command = "%s top --pid %d; echo top-exited-$?; sleep 60" % (peekpy.path, target.pid)
        subprocess.run(tmux + ["new-session", "-d", "-s", "top", "-x", "140", "-y", "30",
                               command], check=True)
        try:
            wait_screen(lambda t: first_row(t).endswith(spin), "%s on top" % spin)
            subprocess.run(tmux + ["send-keys", "-t", "top", "2"], check=True)
            wait_screen(lambda t: "sorted by %Total" in t and spin not in first_row(t),
                        "the table sorted by %Total")
            # A smaller terminal gets a table that fits it.
            subprocess.run(tmux + ["resize-window", "-t", "top", "-x", "60", "-y", "12"],
                           check=True)
            wait_screen(lambda t: "Function (file:line)" in t and
                        max(len(l.rstrip()) for l in t.splitlines()) <= 60 and
                        len(t.rstrip("\n").splitlines()) <= 12, "a table fitting 60x12")
            subprocess.run(tmux + ["send-keys", "-t", "top", "q"], check=True)
            wait_screen(lambda t: "top-exited-0" in t, "peekpy quitting with status 0 on q")
            check(target.alive(), "the target died with top")
        finally:
            subprocess.run(tmux + ["kill-server"], stderr=subprocess.DEVNULL)


def once_top_without_a_terminal(interp, peekpy):
    """Not on a terminal, top prints the table plainly every second."""
    run = peekpy.run(["top", "-d", "2.5", "--"] + interp.argv(interp.script("workload.py"), "5"),
                     name="unused")
    check(run.returncode == 0, "exit %d: %s" % (run.returncode, run.stderr))
    check("\033[" not in run.stdout, "escape sequences written to a pipe")
    tables = run.stdout.count("Function (file:line)")
    check(tables == 2, "%d tables in 2.5 s, expected 2" % tables)
    check("spin (workload.py:" in run.stdout, "spin is not in the table")


ONCE = [
    bad_no_such_pid,
    bad_not_python,
    bad_dump_inputs,
    bad_missing_program,
    bad_launched_not_python,
    bad_permission_denied,
    bad_unknown_flag,
    bad_attach_while_starting,
    bad_help_and_version,
    once_sudo_runs_the_command_as_the_invoking_user,
    once_sudo_writes_only_where_the_user_may,
    once_launched_command_ends_with_peekpy,
    once_output_files_follow_links_and_keep_modes,
    once_disk_full_keeps_what_was_flushed,
    once_flame_graph_is_valid_and_complete,
    once_flame_graph_works_in_a_browser,
    once_flame_graph_of_any_bytes,
    once_recording_renders_any_way,
    once_recording_survives_a_killed_peekpy,
    once_every_format_parses,
    once_top_in_a_terminal,
    once_top_without_a_terminal,
    once_output_to_a_pipe,
    once_recording_of_subprocesses,
]


# --- runner -------------------------------------------------------------------

def run_test(test, interp, peekpy_path, base):
    peekpy = Peekpy(peekpy_path, workdir(base, interp.name if interp else "once", test.__name__))
    started = time.monotonic()
    try:
        test(interp, peekpy)
        status, detail = "PASS", ""
    except TestSkip as skip:
        status, detail = "SKIP", str(skip)
    except TestFailure as failure:
        status, detail = "FAIL", str(failure)
    except Exception:
        status, detail = "FAIL", traceback.format_exc()
    return status, detail, time.monotonic() - started


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--peekpy", required=True)
    ap.add_argument("--only", help="run interpreters whose name or version contains this")
    ap.add_argument("-k", help="run tests whose name contains this")
    ap.add_argument("--jobs", type=int, default=int(os.environ.get("PEEKPY_TEST_JOBS", "2")))
    ap.add_argument("--out", default=os.path.join(ROOT, "build", "test-output"))
    args = ap.parse_args()
    args.peekpy = os.path.abspath(args.peekpy)   # tests run in other directories

    run_id = "%d" % os.getpid()
    interps, results = [], []
    for interp in discover():
        try:
            interp.probe()
        except TestSkip as skip:
            results.append(("SKIP", interp.name, "interpreter", str(skip), 0))
            continue
        if args.only and args.only not in interp.label:
            continue
        interp.install_scripts(run_id)
        interps.append(interp)
    have = {(i.version[0], i.version[1], i.free_threaded) for i in interps}
    for major, minor, ft in sorted(supported_versions()):
        if (major, minor, ft) not in have and not args.only:
            results.append(("SKIP", "CPython %d.%d%s" % (major, minor, "t" if ft else ""),
                            "all tests", "no such interpreter on this machine "
                            "(see scripts/targets.sh; make targets-full builds the free-threaded ones)", 0))

    jobs = []
    for interp in interps:
        for test in PER_INTERPRETER:
            if not args.k or args.k in test.__name__:
                jobs.append((test, interp))
    host = next((i for i in interps if i.name.startswith("debian-python3")), None) or \
        (interps[0] if interps else None)
    for test in ONCE:
        if host and (not args.k or args.k in test.__name__) and not args.only:
            jobs.append((test, host))

    print("peekpy integration tests: %d interpreters, %d test runs, %d at a time"
          % (len(interps), len(jobs), args.jobs), flush=True)
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        futures = {pool.submit(run_test, test, interp, args.peekpy, args.out): (test, interp)
                   for test, interp in jobs}
        for future in concurrent.futures.as_completed(futures):
            test, interp = futures[future]
            status, detail, seconds = future.result()
            where = interp.label if test in PER_INTERPRETER else "once"
            results.append((status, where, test.__name__, detail, seconds))
            line = "%s %-36s %-34s %5.1fs" % (status, where, test.__name__, seconds)
            if status != "PASS":
                line += "\n      " + detail.replace("\n", "\n      ")
            print(line, flush=True)
    for interp in interps:
        if interp.chroot and interp.scripts:
            subprocess.run(["rm", "-rf", interp.chroot + interp.scripts])

    counts = {s: sum(1 for r in results if r[0] == s) for s in ("PASS", "FAIL", "SKIP")}
    print()
    for status, where, name, detail, _ in sorted(results):
        if status == "SKIP":
            print("SKIP %s: %s: %s" % (where, name, detail))
    print("%d passed, %d failed, %d skipped" % (counts["PASS"], counts["FAIL"], counts["SKIP"]))
    sys.exit(1 if counts["FAIL"] else 0)


if __name__ == "__main__":
    main()
