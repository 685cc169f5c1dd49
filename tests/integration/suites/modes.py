"""Modes of record: garbage collection as its own frame, only the samples
taken in exception paths, and threads waiting for the GIL told from
threads waiting for anything else."""
import glob
import json
import os
import shutil
import subprocess

from harness import Target, TestSkip, check, once, per_interpreter
from checks import frame_text, marked_line, root_task, unstarted_helper


@per_interpreter
def test_gc_is_its_own_frame(interp, peekpy):
    """--gc: a program that spends half its time in gc.collect() shows <GC>
    on top of collect()'s frame for that half (+-5 points), in the stacks
    and in the summary, and nowhere else."""
    collect = frame_text("collect", "gcloop.py", marked_line("gcloop.py", "COLLECT_CALL"))
    with Target(interp, "gcloop.py", 0) as target:
        run = peekpy.run(["record", "--gc", "--pid", target.pid, "-d", "2", "-r", "200",
                          "-f", "collapsed"])
    check(run.returncode == 0, "exit %d: %s" % (run.returncode, run.stderr))
    stacks = run.stacks()
    total = sum(stacks.values())
    in_gc = sum(n for s, n in stacks.items() if s[-1] == "<GC>")
    check(total >= 200, "only %d samples" % total)
    # A collection the interpreter starts on its own, from an allocation,
    # is on top of whatever allocated: rarely anything but collect().
    under = [s for s in stacks for _ in range(stacks[s]) if s[-1] == "<GC>"]
    elsewhere = [s[-3:] for s in under if s[-2] != collect]
    check(len(elsewhere) <= max(3, len(under) // 20),
          "<GC> above something other than collect() %d times in %d: %r"
          % (len(elsewhere), len(under), elsewhere[:3]))
    check(all("<GC>" not in s[:-1] for s in stacks), "<GC> below another frame")
    share = 100.0 * in_gc / total
    check(abs(share - 50) <= 5, "<GC> holds %.1f%% of %d samples, not 50%% +-5" % (share, total))
    said = [l for l in run.stderr.splitlines() if "garbage collection:" in l]
    check(said, "the summary gives no share of time in GC: %r" % run.stderr[-300:])
    summary_share = float(said[0].split("garbage collection:")[1].split("%")[0])
    check(abs(summary_share - share) <= 1,
          "the summary says %.1f%%, the stacks %.1f%%" % (summary_share, share))


@per_interpreter
def test_exceptions_keep_only_exception_paths(interp, peekpy):
    """--exceptions: of a program that spends half its time in except
    blocks (a function's, and a generator's resumed by its caller), only
    those samples are kept, both kinds, and the plain half never."""
    handler = frame_text("handled", "raiser.py", marked_line("raiser.py", "HANDLER_LINE"))
    in_generator = frame_text("generator_handler", "raiser.py",
                              marked_line("raiser.py", "GENERATOR_HANDLER_LINE"))
    with Target(interp, "raiser.py", 0) as target:
        run = peekpy.run(["record", "--exceptions", "--pid", target.pid, "-d", "2", "-r", "200",
                          "-f", "collapsed"])
    check(run.returncode == 0, "exit %d: %s" % (run.returncode, run.stderr))
    stacks = run.stacks()
    kept = sum(stacks.values())
    samples = run.summary()["samples"]
    through = {frame: sum(n for s, n in stacks.items() if frame in s)
               for frame in (handler, in_generator)}
    # Raising (fails(), on its way to the handler) is an exception path
    # too.  A thread state and the frames are copied microseconds apart:
    # a sample taken as a handler returns may pair its exception with the
    # next call's frames, rarely.
    raising = "fails (raiser.py:%d)" % marked_line("raiser.py", "RAISE_LINE")
    outside = [(s, n) for s, n in stacks.items()
               if handler not in s and in_generator not in s and raising not in s]
    check(sum(n for _, n in outside) * 100 <= kept,
          "kept outside an exception path: %r" % [s[-3:] for s, _ in outside][:3])
    check(all(n >= kept // 4 for n in through.values()),
          "both handlers should be seen: %r of %d" % (through, kept))
    share = 100.0 * kept / max(samples, 1)
    check(abs(share - 50) <= 8, "kept %d of %d samples (%.1f%%), not half" % (kept, samples, share))
    check("exceptions: %d of %d samples" % (kept, samples) in run.stderr,
          "the summary does not say what was kept: %r" % run.stderr[-300:])


@per_interpreter
def test_gil_waits_are_told_from_io_waits(interp, peekpy):
    """--gil --idle: two threads spinning in Python take turns with the
    GIL, and the one waiting is under <waiting for GIL> (3.x: a fifth of
    the time or more; 2.7's GIL changes hands so often that its waiters are
    mostly seen running); a thread blocked reading a pipe is never, nor is
    any thread of a free-threaded build, which has no GIL to wait for."""
    spin_line = frame_text("spin", "gilwait.py", marked_line("gilwait.py", "SPIN_LINE"))
    read_line = frame_text("read_nothing", "gilwait.py", marked_line("gilwait.py", "READ_LINE"))
    with Target(interp, "gilwait.py", 0) as target:
        run = peekpy.run(["record", "--gil", "--idle", "--threads", "--pid", target.pid,
                          "-d", "2", "-r", "200", "-f", "collapsed"])
    check(run.returncode == 0, "exit %d: %s" % (run.returncode, run.stderr))
    stacks = run.stacks()
    by_thread = {}
    for stack, n in stacks.items():
        name = stack[0].split('"')[1] if '"' in stack[0] else stack[0]
        counts = by_thread.setdefault(name, {"all": 0, "waiting": 0})
        counts["all"] += n
        if stack[-1] == "<waiting for GIL>":
            counts["waiting"] += n
    reader = [s for s in stacks if read_line in s]
    check(reader, "the reading thread was never seen: %r" % sorted(by_thread))
    check(all(s[-1] == read_line for s in reader),
          "the thread blocked on I/O is marked: %r" % [s[-2:] for s in reader if s[-1] != read_line])
    check(all("<waiting for GIL>" not in s[:-1] for s in stacks), "a mark below a frame")
    if interp.free_threaded:
        check(all(c["waiting"] == 0 for c in by_thread.values()),
              "a free-threaded build waits for no GIL: %r" % by_thread)
        return
    for name in ("spinner0", "spinner1"):
        counts = by_thread.get(name)
        check(counts and counts["all"] >= 100, "%s: too few samples: %r" % (name, by_thread))
        if interp.version[0] >= 3:
            check(counts["waiting"] >= counts["all"] // 5,
                  "%s waited for the GIL in %d of %d samples" % (name, counts["waiting"],
                                                                 counts["all"]))
    waiting = [s for s in stacks if s[-1] == "<waiting for GIL>"]
    check(all(s[-2] == spin_line or "threading.py" in s[-2] or "gilwait.py" in s[-2]
              for s in waiting), "waiting for the GIL elsewhere: %r" % [s[-2:] for s in waiting])


@once
def once_modes_say_when_a_stripped_build_hides_them(interp, peekpy):
    """A stripped libpython2.7 names neither its collector's flag nor its
    GIL (both statics): --gc and --gil --idle say so in one line each, and
    the profile is written all the same."""
    found = sorted(glob.glob("/root/.pyenv/versions/2.7*/lib/libpython2.7.so.1.0"))
    if not found or not shutil.which("strip"):
        raise TestSkip("no shared pyenv 2.7 (or no strip) to strip a copy of")
    lib = os.path.join(peekpy.workdir, "stripped")
    os.makedirs(lib, exist_ok=True)
    shutil.copy(found[-1], lib)
    subprocess.run(["strip", "--strip-all", os.path.join(lib, "libpython2.7.so.1.0")], check=True)
    python = os.path.join(os.path.dirname(os.path.dirname(found[-1])), "bin", "python")
    env = dict(os.environ, LD_LIBRARY_PATH=lib)
    script = os.path.join(os.path.dirname(os.path.dirname(__file__)), "targets", "gcloop.py")
    run = peekpy.run(["record", "--gc", "--gil", "--idle", "-d", "1", "-f", "collapsed", "--",
                      python, script, "1"], env=env)
    check(run.returncode == 0, "exit %d: %s" % (run.returncode, run.stderr))
    check(run.output.strip(), "nothing was written")
    for needle in ("--gc: CPython 2.7", "--gil --idle: CPython 2.7"):
        check(sum(needle in l for l in run.stderr.splitlines()) == 1,
              "no one line saying %r: %r" % (needle, run.stderr))
    check("garbage collection:" not in run.stderr, "a GC share it could not measure")


def task_line(marker):
    return marked_line("tasks.py", marker)


@per_interpreter
def test_async_says_when_it_cannot(interp, peekpy):
    """--async before 3.7 (no _asyncio objects to read) says so in one line
    and samples as usual."""
    if interp.version >= (3, 7):
        raise TestSkip("asyncio's tasks are readable from 3.7 (the tests below)")
    with Target(interp, "sleeper.py") as target:
        run = peekpy.run(["record", "--async", "--idle", "--pid", target.pid, "-d", "1",
                          "-r", "100", "-f", "collapsed"])
    check(run.returncode == 0, "exit %d: %s" % (run.returncode, run.stderr))
    check(sum("--async:" in l for l in run.stderr.splitlines()) == 1,
          "no one line saying --async cannot work: %r" % run.stderr[-400:])
    stacks = run.stacks()
    check(sum(stacks.values()) >= 50, "only %d samples" % sum(stacks.values()))
    check(not any(f.startswith("task ") for s in stacks for f in s), "task frames")


@per_interpreter
def test_async_stacks_go_on_into_awaiting_tasks(interp, peekpy):
    """--async: the running task's frames hang under the tasks awaiting it,
    each under 'task "NAME"', through gather and a task awaiting a task,
    instead of under the event loop; with --idle the tasks waiting are
    there too, each where it waits.  3.14+ read what the interpreter lists,
    3.7 - 3.13 asyncio's own objects."""
    if interp.version < (3, 7):
        raise TestSkip("asyncio.run and the _asyncio objects are 3.7+ (see the test above)")
    with Target(interp, "tasks.py", 0) as target:
        run = peekpy.run(["record", "--async", "--idle", "--pid", target.pid, "-d", "2",
                          "-r", "200", "-f", "collapsed"])
    check(run.returncode == 0, "exit %d: %s" % (run.returncode, run.stderr))
    check("--async:" not in run.stderr, "a notice: %r" % run.stderr[-400:])
    stacks = run.stacks()
    root = root_task(interp)
    main = [f for s in stacks for f in s if f.startswith("main (tasks.py:")]
    check(main, "no main frame: %r" % list(stacks)[:5])
    crunch_spin = frame_text("crunch", "tasks.py", task_line("CRUNCH_SPIN"))
    crunch_wait = frame_text("crunch", "tasks.py", task_line("AWAIT_HELPER"))
    helper_spin = frame_text("helper", "tasks.py", task_line("HELPER_SPIN"))
    sleeper_wait = frame_text("sleeper", "tasks.py", task_line("SLEEP_LINE"))
    tasks = [s for s in stacks if s[0].startswith("task ")]
    check(tasks, "no stack starts at a task: %r" % list(stacks)[:5])
    unstarted = unstarted_helper()
    check(all((s[0] == root and s[1].startswith("main (tasks.py:")) or s[1:] == (unstarted,)
              for s in tasks),
          "a task chain not rooted at main's task: %r"
          % [s[:3] for s in tasks if s[0] != root][:3])

    def count(*frames):
        return sum(n for s, n in stacks.items()
                   if all(f in s for f in frames) and
                   [s.index(f) for f in frames] == sorted(s.index(f) for f in frames))
    running_crunch = count('task "crunch"', crunch_spin)
    running_helper = count('task "crunch"', crunch_wait, 'task "helper"', helper_spin)
    waiting_sleeper = count('task "sleeper"', sleeper_wait)
    check(running_crunch >= 100, "crunch seen spinning under its task %d times"
          % running_crunch)
    check(running_helper >= 20, "helper seen spinning under crunch's await %d times"
          % running_helper)
    check(waiting_sleeper >= 300, "the sleeping task seen waiting %d times in 400 samples"
          % waiting_sleeper)
    check(not any("BaseEventLoop._run_once" in f for s in tasks for f in s),
          "the event loop's frames under a task")


@per_interpreter
def test_async_stacks_through_taskgroups_and_wait_for(interp, peekpy):
    """--async: a task given to wait_for hangs under the task waiting for
    it, and (3.11+) a task of a TaskGroup under the task whose "async with"
    waits for the group."""
    if interp.version < (3, 7):
        raise TestSkip("asyncio.run and the _asyncio objects are 3.7+")
    with Target(interp, "taskgroups.py", 0) as target:
        run = peekpy.run(["record", "--async", "--pid", target.pid, "-d", "2", "-r", "200",
                          "-f", "collapsed"])
    check(run.returncode == 0, "exit %d: %s" % (run.returncode, run.stderr))
    spin = frame_text("leaf", "taskgroups.py", marked_line("taskgroups.py", "SPIN_CALL"))
    chains = {}
    for stack, n in run.stacks().items():
        if spin in stack and stack[0].startswith("task "):
            tasks = tuple(f for f in stack if f.startswith("task "))
            chains[tasks] = chains.get(tasks, 0) + n
    root = root_task(interp)
    in_group = chains.get((root, 'task "group-owner"', 'task "in-group"'), 0)
    waited = chains.get((root, 'task "waiter"',
                         'task "waited-for"' if interp.version >= (3, 8) else 'task "leaf"'), 0)
    check(waited >= 50 and (in_group >= 50 or interp.version < (3, 11)),
          "spinning leaves by their task chains: %r" % chains)


@per_interpreter
def test_dump_says_what_threads_wait_for(interp, peekpy):
    """dump marks a thread asleep waiting for the GIL ("waiting for GIL",
    its frame <waiting for GIL> on top), never one blocked reading a pipe;
    and a thread in an except block "in an exception"."""
    if interp.free_threaded:
        raise TestSkip("a free-threaded build has no GIL to wait for")
    seen_wait = False
    with Target(interp, "gilwait.py", 0) as target:
        # One spinner holds the GIL while the other waits for it, most of
        # the time; a dump may catch both between turns.
        for _ in range(20):
            run = peekpy.run(["dump", "--json", "--pid", target.pid], name="unused")
            check(run.returncode == 0, "exit %d: %s" % (run.returncode, run.stderr))
            threads = {t["name"]: t for t in json.loads(run.stdout)["threads"]}
            check(not threads["reader"]["waiting_for_gil"], "the reader waits for the GIL")
            waiting = [t for t in threads.values() if t["waiting_for_gil"]]
            check(all(t["frames"][0]["name"] == "<waiting for GIL>" and
                      t["state"] == "waiting for GIL" for t in waiting),
                  "a waiting thread without its mark: %r" % waiting)
            if any(t["name"].startswith("spinner") for t in waiting):
                seen_wait = True
                break
    # 2.7 hands the GIL over every 100 instructions: its waiters are seen
    # running, as by record --gil --idle.
    check(seen_wait or interp.version < (3, 0), "no spinner seen waiting in 20 dumps")
    with Target(interp, "raiser.py", 0) as target:
        for _ in range(20):
            run = peekpy.run(["dump", "--pid", target.pid], name="unused")
            if ", in an exception)" in run.stdout:
                break
    check(", in an exception)" in run.stdout, "no dump caught the except block:\n%s"
          % run.stdout)
