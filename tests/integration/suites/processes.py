"""Processes: attaching, launching, targets that exit, exec or fork, and
--subprocesses."""
import json
import os
import re
import signal
import shlex
import shutil
import subprocess
import tempfile
import time

from harness import Target, check, once, per_interpreter, timeout
from checks import frame_text, marked_line, one_line_error, workload_shares


def process_state(pid):
    try:
        with open("/proc/%d/stat" % pid) as fh:
            return fh.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return None


@per_interpreter
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


@per_interpreter
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


@per_interpreter
def test_launch_from_first_moments(interp, peekpy):
    """A launched program is sampled from its start: module-level work shows."""
    run = peekpy.run(["record", "-r", "200", "--"] + interp.argv(interp.script("startup.py")))
    check(run.returncode == 0, "exit %d: %s" % (run.returncode, run.stderr))
    early = sum(c for s, c in run.stacks().items() if s[-1].startswith("early (startup.py:"))
    # early() runs for its first 0.5 s: all of that time must be sampled,
    # however long the interpreter took to start before it.
    want = 0.5 * run.summary()["rate"]
    check(early >= 0.8 * want, "early() has %d samples, expected about %d" % (early, want))


@per_interpreter
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


@per_interpreter
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


@per_interpreter
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
    # The shell runs no Python: the summary names its children's.
    python = "CPython %d.%d" % interp.version[:2]
    check(python in run.summary_line(), "summary: %s" % run.summary_line())
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
    check(python in run.summary_line(), "launched: summary: %s" % run.summary_line())


@per_interpreter
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


@once
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
