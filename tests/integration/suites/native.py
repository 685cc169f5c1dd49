"""--native: C frames merged into the Python stacks, in the order the calls
were made, checked against known programs and against gdb."""
import json
import os
import re
import shutil
import signal
import subprocess
import time

from harness import (SLACK, TARGET_SOURCES, Target, TestSkip, check, once, per_interpreter,
                     timeout)
from checks import (frame_text, marked_line, one_line_error, root_task, unstarted_helper,
                    wait_stderr_line)

LOST = "[native unwind lost]"


def is_python(frame):
    return " (native.py:" in frame or frame.endswith(".py)") or ".py:" in frame


def lost_count(run):
    m = re.search(r"native stacks: (\d+) merged, (\d+) with the native unwind lost", run.stderr)
    check(m, "no native summary in stderr: %r" % run.stderr[-500:])
    return int(m.group(1)), int(m.group(2))


def record_native(peekpy, target, name, seconds="1.5", extra=()):
    run = peekpy.run(["record", "--native", "-d", seconds, "-r", "200"] + list(extra) +
                     ["--pid", target.pid], name=name)
    check(run.returncode == 0, "exit %d: %s" % (run.returncode, run.stderr))
    merged, lost = lost_count(run)
    check(merged > 0, "no native stacks merged: %s" % run.stderr)
    check(lost == 0, "%d of %d stacks lost their native part: %s" % (lost, merged, run.output[:3000]))
    return run


def python_frames(stack):
    return [f for f in stack if is_python(f)]


@per_interpreter
def test_native_leaf_under_its_line(interp, peekpy):
    """zlib.compress and hashlib.sha256: the leaf is native, below the
    Python line that called it, and the Python frames are all there."""
    with Target(interp, "native.py", "zlib") as target:
        run = record_native(peekpy, target, "native-zlib.txt")
    compress = frame_text("compress", "native.py", marked_line("native.py", "ZLIB_LINE"))
    digest = frame_text("digest", "native.py", marked_line("native.py", "HASH_LINE"))
    total = under = in_zlib = 0
    for stack, count in run.stacks().items():
        total += count
        for line in (compress, digest):
            if line in stack:
                i = stack.index(line)
                below = stack[i + 1:]
                # Nothing below: the loop itself was running the line.
                check(not any(is_python(f) for f in below),
                      "a Python frame above %s: %r" % (line, stack))
                check(python_frames(stack)[-1] == line and
                      python_frames(stack)[-3].startswith("<module> (native.py:"),
                      "Python frames missing around %s: %r" % (line, stack))
                under += count
                if line == compress and any("libz" in f or f.startswith("deflate") for f in below):
                    in_zlib += count
    check(under >= 0.8 * total, "only %d of %d samples under compress/digest" % (under, total))
    check(in_zlib > 0, "no sample reached libz under %s:\n%s" % (compress, run.output[:3000]))


def named(frame, function):
    """Whether frame runs function (a plain or a qualified name)."""
    name = frame.split(" (")[0]
    return name == function or name.endswith("." + function)


@per_interpreter
def test_native_calls_interleave(interp, peekpy):
    """sorted() with a Python key and qsort() with a Python comparison:
    Python -> C -> Python -> C, every level in order."""
    with Target(interp, "native.py", "calls") as target:
        run = record_native(peekpy, target, "native-calls.txt", seconds="2")
    levels = (("key", "sort_with_key", marked_line("native.py", "SORTED_LINE")),
              ("compare", "sort_with_qsort", marked_line("native.py", "QSORT_LINE")))
    seen = {"key": 0, "compare": 0}
    for stack, count in run.stacks().items():
        for inner, outer, line in levels:
            outer_at = [i for i, f in enumerate(stack)
                        if named(f, outer) and f.endswith(":%d)" % line)]
            if not outer_at:
                continue
            inner_at = [i for i, f in enumerate(stack)
                        if i > outer_at[0] and is_python(f) and named(f, inner)]
            check(not any(is_python(f) for f in stack[outer_at[0] + 1:
                                                        inner_at[0] if inner_at else None]),
                  "a Python frame between %s and %s: %r" % (outer, inner, stack))
            if not inner_at:
                continue
            between = stack[outer_at[0] + 1:inner_at[0]]
            check(between, "no C frame between %s and %s: %r" % (outer, inner, stack))
            if inner_at[0] + 1 < len(stack):
                check(not is_python(stack[-1]), "leaf is not native: %r" % (stack,))
                seen[inner] += count
    check(seen["key"] > 0, "no stack sort_with_key -> C -> key -> C:\n%s" % run.output[:4000])
    check(seen["compare"] > 0, "no stack qsort -> C -> compare -> C:\n%s" % run.output[:4000])


def gdb_functions(interp, pid):
    """The main thread's functions as gdb names them, innermost first."""
    sysroot = ["-ex", "set sysroot " + interp.chroot] if interp.chroot else []
    out = subprocess.run(["gdb", "-batch", "-nx", "-ex", "set backtrace past-main on"] +
                         sysroot + ["-p", str(pid), "-ex", "bt"],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         timeout=timeout(120)).stdout.decode(errors="replace")
    names = []
    for line in out.splitlines():
        m = re.match(r"#\d+\s+(?:0x[0-9a-f]+ in )?(\S+) \(", line)
        if m:
            names.append(m.group(1))
    return names


def dump_native_functions(peekpy, pid):
    run = peekpy.run(["dump", "--native", "--native-internals", "--pid", pid], name="unused")
    check(run.returncode == 0, "exit %d: %s" % (run.returncode, run.stderr))
    blocks = run.stdout.split("\n\n")
    main = [b for b in blocks if b.startswith("thread %d " % pid)]
    check(main, "no main thread in the dump: %s" % run.stdout)
    frames = [l.strip() for l in main[0].splitlines()[1:]]
    return frames


@per_interpreter
def test_native_matches_gdb(interp, peekpy):
    """A stack that stays put (time.sleep under sorted's key function),
    read by dump --native, then by gdb: the same C functions, in the same
    order, and the Python frames where the loop ran them."""
    with Target(interp, "native.py", "sleep") as target:
        target.wait_for_sleepers(1)
        frames = dump_native_functions(peekpy, target.pid)
        gdb = gdb_functions(interp, target.pid) if shutil.which("gdb") else None
    sleep_line = frame_text("sleeping_key", "native.py", marked_line("native.py", "SLEEP_LINE"))
    check(sleep_line in frames, "%s not in the dump: %r" % (sleep_line, frames))
    at = frames.index(sleep_line)
    check(at > 0 and not is_python(frames[0]), "the leaf is not native: %r" % frames)
    check(frames[at + 1:] and not is_python(frames[at + 1]),
          "no C frame (the loop, sorted) below %s: %r" % (sleep_line, frames))
    check(LOST not in frames, "the unwind was lost: %r" % frames)
    native = [f.split(" (")[0] for f in frames if not is_python(f)]
    if gdb is None:
        return
    check(gdb, "gdb printed no frames")
    # gdb names an address without a symbol "??" (peekpy: lib+0xOFFSET),
    # and adds frames for tail calls from call-site records (peekpy does
    # not): peekpy's frames must be gdb's in order, with at most a quarter
    # of gdb's missing.
    at = matched = 0
    for name in native:
        while at < len(gdb) and not same_function(gdb[at], name):
            at += 1
        check(at < len(gdb), "peekpy's %r is not in gdb's stack, or out of order:\n"
              "gdb: %r\npeekpy: %r" % (name, gdb, native))
        at += 1
        matched += 1
    check(len(gdb) - matched <= len(gdb) // 4,
          "gdb sees %d native frames, peekpy %d:\ngdb: %r\npeekpy: %r"
          % (len(gdb), len(native), gdb, native))


def same_function(gdb_name, name):
    return gdb_name == name or (gdb_name == "??" and "+0x" in name) or aliases(gdb_name, name)


def aliases(a, b):
    """Names of one function in the C library (__GI___clock_nanosleep,
    clock_nanosleep, __clock_nanosleep)."""
    strip = lambda s: s.split("@")[0].replace("__GI_", "").lstrip("_")
    return strip(a) == strip(b)


def in_pause(pid):
    """Whether a thread of pid waits in pause() (x86-64 system call 34)."""
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/syscall" % (pid, tid)) as fh:
                if fh.read().split()[0] == "34":
                    return True
        except (OSError, IndexError):
            pass
    return False


@per_interpreter
def test_native_thread_without_python(interp, peekpy):
    """A C thread made with ctypes runs no Python: dump --native shows it
    with its native frames only."""
    with Target(interp, "native.py", "cthread") as target:
        target.wait_for_sleepers(1)
        deadline = time.monotonic() + timeout(30)
        while not in_pause(target.pid):
            check(time.monotonic() < deadline, "the C thread never reached pause()")
            time.sleep(0.01)
        run = peekpy.run(["dump", "--native", "--pid", target.pid], name="unused")
        pid = target.pid
    check(run.returncode == 0, "exit %d: %s" % (run.returncode, run.stderr))
    blocks = [b for b in run.stdout.split("\n\n") if b.startswith("thread ")]
    others = [b for b in blocks if not b.startswith("thread %d " % pid)]
    check(others, "only the main thread was dumped: %s" % run.stdout)
    frames = [l.strip() for l in others[0].splitlines()[1:]]
    check(frames and not any(is_python(f) for f in frames),
          "the C thread shows Python frames: %r" % frames)
    check(any("pause" in f.split(" (")[0] for f in frames) and LOST not in frames,
          "the C thread is not in pause(): %r" % frames)


@per_interpreter
def test_native_async_stacks(interp, peekpy):
    """--native --async: a running task's merged stack keeps its native
    leaves and goes on into the tasks awaiting it, with none of the event
    loop's frames, Python or native, below; the tasks waiting (--idle) have
    no native frames (a suspended coroutine is on no C stack).  dump says
    the same tree."""
    if interp.version < (3, 7):
        raise TestSkip("asyncio's tasks are readable from 3.7 (modes.py checks the notice)")
    with Target(interp, "tasks.py", 0) as target:
        run = record_native(peekpy, target, "native-async.txt", "2", ["--async", "--idle"])
        dump = peekpy.run(["dump", "--native", "--async", "--json", "--pid", target.pid],
                          name="unused")

    def native(frame):
        return not is_python(frame) and not frame.startswith("task ")
    root = root_task(interp)
    spin = frame_text("spin", "tasks.py", marked_line("tasks.py", "SPIN_LINE"))
    tasks = {s: n for s, n in run.stacks().items() if s[0].startswith("task ")}
    check(tasks, "no stack starts at a task: %r" % list(run.stacks())[:3])
    unstarted = unstarted_helper()
    check(all(s[0] == root or s[1:] == (unstarted,) for s in tasks),
          "a chain not rooted at %s: %r" % (root, [s[:2] for s in tasks if s[0] != root][:3]))
    running = {s: n for s, n in tasks.items() if spin in s}
    native_leaf = sum(n for s, n in running.items() if native(s[-1]))
    check(sum(running.values()) >= 100 and native_leaf >= 10,
          "spinning under a task %d times, %d of them in C: %r"
          % (sum(running.values()), native_leaf, list(running)[:3]))
    for stack in running:
        python_part = stack[:stack.index(spin)]
        check(not any(native(f) or "_run_once" in f for f in python_part),
              "a loop or native frame between the tasks: %r" % (stack,))
    # The sleeper waits nearly always: where it waits, its stack ends in
    # Python.  The loop thread's own native frames (its start, its wait
    # for I/O) are under no task.
    sleeper = {s: n for s, n in tasks.items() if 'task "sleeper"' in s}
    waiting = sum(n for s, n in sleeper.items() if not native(s[-1]))
    check(waiting >= 300, "the sleeper seen waiting %d times in 400 samples: %r"
          % (waiting, list(sleeper)[:3]))
    # spin() reads the clock through the vDSO: unwound (no stack lost, see
    # record_native) and named as the maps name it, with no pid in it.
    vdso = {f for s in run.stacks() for f in s if "vdso" in f}
    check(all(f.endswith(" ([vdso])") for f in vdso), "vDSO frames: %r" % sorted(vdso))
    loop_native = [s for s in tasks
                   if any(re.search(r"^(_start|Py_RunMain|Py_BytesMain|epoll_wait|select|poll)\b",
                                    f) for f in s)]
    check(not loop_native, "the loop thread's native frames under a task: %r" % loop_native[:2])
    check(dump.returncode == 0, "dump exit %d: %s" % (dump.returncode, dump.stderr))
    roots = json.loads(dump.stdout)["tasks"]
    below = sorted(t["name"] for t in roots[0]["awaits"]) if len(roots) == 1 else []
    check(below == ["crunch", "sleeper"], "dump's task tree: %r" % roots)


@per_interpreter
def test_native_gc_frames(interp, peekpy):
    """gc.collect() in a loop: the collector's own functions show under the
    line that called it, where the interpreter's symbols name them."""
    with Target(interp, "native.py", "gc") as target:
        run = record_native(peekpy, target, "native-gc.txt")
    gc_line = frame_text("run_gc", "native.py", marked_line("native.py", "GC_LINE"))
    under = [s for s in run.stacks() if gc_line in s]
    check(under, "no sample under %s:\n%s" % (gc_line, run.output[:2000]))
    below = [f for s in under for f in s[s.index(gc_line) + 1:]]
    check(below and not any(is_python(f) for f in below),
          "Python frames above gc.collect(): %r" % under[:3])
    named = any(re.search(r"collect|gc_|_PyGC|visit|traverse|subtract_refs|move_unreachable",
                          f) for f in below)
    stripped = any(re.match(r"python[\d.]*t?\+0x[0-9a-f]+ ", f) for f in below)
    check(named or stripped, "no collector function named under gc.collect(): %r" % under[:3])


@per_interpreter
def test_native_recording_renders_with_and_without(interp, peekpy):
    """-f raw keeps the native frames; render shows them, and
    render --no-native the same samples with Python frames only."""
    with Target(interp, "native.py", "zlib") as target:
        run = peekpy.run(["record", "--native", "-f", "raw", "-d", "1", "-r", "200",
                          "--pid", target.pid], name="native.peek")
    check(run.returncode == 0, "exit %d: %s" % (run.returncode, run.stderr))
    both = peekpy.run(["render", "-f", "collapsed", run.output_path], name="both.txt")
    python = peekpy.run(["render", "-f", "collapsed", "--no-native", run.output_path],
                        name="python.txt")
    for r in (both, python):
        check(r.returncode == 0, "render exit %d: %s" % (r.returncode, r.stderr))
    compress = frame_text("compress", "native.py", marked_line("native.py", "ZLIB_LINE"))
    check(any(compress in s and s[-1] != compress for s in both.stacks()),
          "no native frame under %s in the recording:\n%s" % (compress, both.output[:2000]))
    check(all(is_python(f) for s in python.stacks() for f in s),
          "render --no-native kept native frames:\n%s" % python.output[:2000])
    # The same samples either way: dropping native frames keeps every
    # Python frame, in order.
    from_both = {}
    for stack, count in both.stacks().items():
        key = tuple(f for f in stack if is_python(f))
        from_both[key] = from_both.get(key, 0) + count
    check(from_both == python.stacks(), "Python stacks differ:\n%r\n%r"
          % (sorted(from_both.items())[:5], sorted(python.stacks().items())[:5]))


@once
def once_native_refused_while_a_debugger_traces(interp, peekpy):
    """A process gdb is attached to cannot be held: one line naming the
    tracer, status 1; without --native it is still sampled."""
    if not shutil.which("gdb"):
        raise TestSkip("gdb is not installed")
    with Target(interp, "native.py", "sleep") as target:
        gdb = subprocess.Popen(["gdb", "-batch", "-nx", "-p", str(target.pid), "-ex",
                                "shell sleep 30"], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + timeout(30)
            while tracer_of(target.pid) == 0:
                check(time.monotonic() < deadline, "gdb never attached")
                time.sleep(0.05)
            for command in (["record", "--native", "-d", "1", "--pid", target.pid],
                            ["dump", "--native", "--pid", target.pid]):
                one_line_error(peekpy.run(command, name="traced.txt"),
                               "is traced by process %d (gdb)" % gdb.pid)
            plain = peekpy.run(["record", "-d", "0.5", "--pid", target.pid], name="plain.txt")
            check(plain.returncode == 0, "without --native: exit %d: %s"
                  % (plain.returncode, plain.stderr))
        finally:
            gdb.kill()
            gdb.wait()


def tracer_of(pid):
    with open("/proc/%d/status" % pid) as fh:
        for line in fh:
            if line.startswith("TracerPid:"):
                return int(line.split()[1])
    return 0


@per_interpreter
def test_native_target_lives_on(interp, peekpy):
    """Ctrl-C during record --native writes the profile, and the target is
    let go: not traced, not stopped, and it still answers signals."""
    with Target(interp, "native.py", "zlib") as target:
        def interrupt(proc):
            time.sleep(1)
            proc.send_signal(signal.SIGINT)
        run = peekpy.run(["record", "--native", "--pid", target.pid], name="sigint.txt",
                         signal_after=interrupt)
        check(run.returncode == 0, "exit %d: %s" % (run.returncode, run.stderr))
        check(run.output.strip(), "nothing written")
        check(tracer_of(target.pid) == 0, "still traced after peekpy ended")
        check(target.state() in ("R", "S"), "target left in state %s" % target.state())
        target.proc.terminate()
        target.proc.wait(timeout=timeout(30))


@per_interpreter
def test_native_launched_command_ends_with_its_status(interp, peekpy):
    """record --native -- COMMAND: a command that exits by itself ends the
    recording, its status is passed on, and its samples are written."""
    code = ("import runpy, sys, time, zlib\n"
            "end = time.time() + 1.0\n"
            "while time.time() < end: zlib.compress(b'x' * 65536, 9)\n"
            "sys.exit(3)\n")
    run = peekpy.run(["record", "--native", "--"] + interp.argv("-c", code), name="launch.txt")
    check(run.returncode == 3, "exit %d, expected the command's 3: %s"
          % (run.returncode, run.stderr))
    merged, lost = lost_count(run)
    # The first sample reads the debug information (on a loaded machine,
    # up to a second): a one-second command gets few samples.
    check(merged > 0, "no stack merged: %s" % run.stderr)
    check(lost <= 1, "%d stacks lost their native part" % lost)
    check(any("deflate" in f or "libz" in f for s in run.stacks() for f in s),
          "no libz frame in the launched command's stacks:\n%s" % run.output[:2000])


@once
def once_native_cython_lines(interp, peekpy):
    """A Cython module built with debug information: its frames are its
    .pyx lines and Python names, under the Python line that called it."""
    python = "/usr/bin/python3.11"
    if not (shutil.which("cython3") and os.path.exists(python) and shutil.which("gcc")):
        raise TestSkip("needs cython3, gcc and Debian's python3.11 (scripts/deps.sh test)")
    build = os.path.join(peekpy.workdir, "cython")
    os.makedirs(build, exist_ok=True)
    source = os.path.join(TARGET_SOURCES, "cython", "spinner.pyx")
    shutil.copy(source, build)
    suffix = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_config_var("
                             "'EXT_SUFFIX'))"], stdout=subprocess.PIPE).stdout.decode().strip()
    includes = subprocess.run(["python3.11-config", "--includes"],
                              stdout=subprocess.PIPE).stdout.decode().split()
    subprocess.run(["cython3", "-3", "spinner.pyx", "-o", "spinner.c"], cwd=build, check=True)
    subprocess.run(["gcc", "-O1", "-g", "-fPIC", "-shared"] + includes +
                   ["spinner.c", "-o", "spinner" + suffix], cwd=build, check=True)
    proc = subprocess.Popen([python, os.path.join(TARGET_SOURCES, "compiled_loop.py"), "cython",
                             build], stdout=subprocess.PIPE)
    try:
        check(proc.stdout.readline().strip() == b"ready", "the target did not start")
        run = peekpy.run(["record", "--native", "-d", "1", "--pid", proc.pid], name="cython.txt")
    finally:
        proc.kill()
        proc.wait()
    check(run.returncode == 0, "exit %d: %s" % (run.returncode, run.stderr))
    call = "work (compiled_loop.py:%d)" % marked_line("compiled_loop.py", "CALL_LINE")
    spin_line = marked_line(os.path.join("cython", "spinner.pyx"), "SPIN_LINE")
    loop = "spinner.spin (spinner.pyx:%d)" % (spin_line - 1)
    body = "spinner.spin (spinner.pyx:%d)" % spin_line
    under = [s for s in run.stacks() if call in s]
    check(under, "no sample under %s:\n%s" % (call, run.output[:2000]))
    check(any(loop in s[s.index(call):] or body in s[s.index(call):] for s in under),
          "no frame at the loop of spinner.pyx (%d or %d) under %s:\n%s"
          % (spin_line - 1, spin_line, call, run.output[:3000]))


@per_interpreter
def test_native_top(interp, peekpy):
    """top --native lists native functions beside Python ones (on a pipe:
    the table printed every second)."""
    with Target(interp, "native.py", "zlib") as target:
        run = peekpy.run(["top", "--native", "--function", "-d", "2.5", "--pid", target.pid],
                         name="unused")
    check(run.returncode == 0, "exit %d: %s" % (run.returncode, run.stderr))
    tables = run.stdout.split("Function (file:line)")
    check(len(tables) >= 2, "no table printed: %r" % run.stdout[-1000:])
    # Sorted by own time, the table's rows are the native leaves.
    last = tables[-1]
    check(re.search(r"(deflate\w*|libz[\w.]*\+0x[0-9a-f]+|adler32\w*|zlib\w*) \(", last),
          "no libz function in the table:\n%s" % last[:2000])
    check(re.search(r"(sha\w*|libcrypto[\w.]*\+0x[0-9a-f]+) \(", last),
          "no hash function in the table:\n%s" % last[:2000])


@once
def once_native_debuglink(interp, peekpy):
    """A stripped library whose DWARF is in a file beside it, named by its
    .gnu_debuglink: its frames still have their functions, inlined ones
    included, and their lines."""
    if not (shutil.which("gcc") and shutil.which("objcopy")):
        raise TestSkip("needs gcc and objcopy (binutils)")
    build = os.path.join(peekpy.workdir, "clib")
    os.makedirs(build, exist_ok=True)
    library = os.path.join(build, "libspin.so")
    subprocess.run(["gcc", "-O2", "-g", "-fPIC", "-shared", "-o", library,
                    os.path.join(TARGET_SOURCES, "clib", "spin.c")], check=True)
    subprocess.run(["objcopy", "--only-keep-debug", library, library + ".debug"], check=True)
    subprocess.run(["objcopy", "--strip-debug", "--add-gnu-debuglink=" + library + ".debug",
                    library], check=True)
    out = subprocess.run(["readelf", "-S", library], stdout=subprocess.PIPE).stdout.decode()
    check(".debug_info" not in out and ".gnu_debuglink" in out, "the library was not split")
    with Target(interp, "compiled_loop.py", "ctypes", library) as target:
        run = peekpy.run(["record", "--native", "-d", "1", "--pid", target.pid], name="clib.txt")
    check(run.returncode == 0, "exit %d: %s" % (run.returncode, run.stderr))
    with open(os.path.join(TARGET_SOURCES, "clib", "spin.c")) as fh:
        spin_line = next(n for n, l in enumerate(fh, 1) if "SPIN_LINE" in l)
    want = "inner (spin.c:%d)" % spin_line
    check(any(s[-1] == want and s[-2].startswith("spin (spin.c:") for s in run.stacks()),
          "no %s under spin (spin.c:...):\n%s" % (want, run.output[:3000]))


@per_interpreter
def test_native_signals_are_not_held_up(interp, peekpy):
    """Between two samples the target is not traced: a signal sent to it
    then is handled at once, not at the next sample (a traced thread
    stops at every signal until its tracer lets it go on)."""
    with Target(interp, "native.py", "signals") as target:
        recording = subprocess.Popen(
            [peekpy.path, "record", "--native", "-v", "-r", "1", "-d", "30", "-f",
             "collapsed", "-o", os.devnull, "--pid", str(target.pid)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            # Sampling starts as soon as peekpy has found the interpreter.
            wait_stderr_line(recording, "found CPython")
            waits = []
            for _ in range(5):
                time.sleep(0.3)
                sent = time.monotonic()
                os.kill(target.pid, signal.SIGUSR1)
                target.wait_for("signal", seconds=30)
                waits.append(time.monotonic() - sent)
        finally:
            recording.kill()
            recording.wait()
    check(max(waits) < 0.2 * SLACK, "signals handled after %s s (samples are 1 s apart)"
          % ", ".join("%.3f" % w for w in waits))
