"""Threads: idle threads, the GIL's holder, thread names and ids, in
containers and in forked workers."""
import json
import os
import re
import signal
import shutil
import subprocess

from harness import Target, TestSkip, check, per_interpreter
from checks import frame_text, marked_line


def tasks_of(pid):
    return {int(t) for t in os.listdir("/proc/%d/task" % pid)}


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


@per_interpreter
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


@per_interpreter
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


@per_interpreter
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


@per_interpreter
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


@per_interpreter
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
