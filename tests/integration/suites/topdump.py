"""top and dump: the live view and the one-shot stack dump."""
import json
import os
import re
import shutil
import subprocess
import time

from harness import Target, TestFailure, TestSkip, check, once, per_interpreter, timeout
from checks import frame_text, marked_line


@per_interpreter
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
        m = re.match(r"thread (\d+) \"([^\"]*)\" \((active|idle|holds GIL|waiting for GIL)"
                     r"(, in an exception)?\)$", lines[0])
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


@per_interpreter
def test_dump_async_prints_the_task_tree(interp, peekpy):
    """dump --async prints the threads, then each asyncio task under the
    task awaiting it with its frames down to where it waits (--json: the
    same tree): through wait_for, and through a TaskGroup where asyncio has
    one (3.11+).  3.14+ read the tasks the interpreter lists, 3.7 - 3.13
    asyncio's own objects; 3.7's tasks are named by their coroutine."""
    if interp.version < (3, 7):
        raise TestSkip("the target needs asyncio.run (3.7+); older versions' one-line "
                       "notice is checked in modes.py")
    with Target(interp, "taskgroups.py", 0) as target:
        text = peekpy.run(["dump", "--async", "--pid", target.pid], name="unused")
        as_json = peekpy.run(["dump", "--async", "--json", "--pid", target.pid], name="unused")
    for run in (text, as_json):
        check(run.returncode == 0, "exit %d: %s" % (run.returncode, run.stderr))
        check("--async:" not in run.stderr, "a notice: %r" % run.stderr)
    data = json.loads(as_json.stdout)
    named = interp.version >= (3, 8)
    root = "Task-1" if named else "main"
    waited = "waited-for" if named else "leaf"
    grouped = interp.version >= (3, 11)
    tree = text.stdout.split("asyncio tasks, each under the task awaiting it:\n", 1)
    check(len(tree) == 2, "no task tree: %s" % text.stdout[-800:])
    lines = tree[1].splitlines()
    depth = {l.strip().split(":")[0].replace(" (running)", ""): (len(l) - len(l.lstrip())) // 2
             for l in lines if l.strip()}
    check(depth.get('task "%s"' % root) == 1 and depth.get('task "waiter"') == 2 and
          depth.get('task "%s"' % waited) == 3, "tree: %s" % tree[1])
    if grouped:
        check(depth.get('task "group-owner"') == 2 and depth.get('task "in-group"') == 3,
              "tree: %s" % tree[1])
        owner = [l for l in lines if 'task "group-owner"' in l][0]
        check("grouped (taskgroups.py:" in owner and "TaskGroup" in owner,
              "the group's owner does not wait in its TaskGroup: %r" % owner)
    roots = data["tasks"]
    check(len(roots) == 1 and roots[0]["name"] == root, "json roots: %r" % roots)
    below = {t["name"]: t for t in roots[0]["awaits"]}
    check(set(below) == ({"group-owner", "waiter"} if grouped else {"waiter"}) and
          [t["name"] for t in below["waiter"]["awaits"]] == [waited],
          "json tree: %r" % roots)
    if grouped:
        check([t["name"] for t in below["group-owner"]["awaits"]] == ["in-group"],
              "json tree: %r" % roots)
    leaf = below["waiter"]["awaits"][0]["frames"]
    check(leaf and leaf[0]["name"] == "leaf", "%s's frames: %r" % (waited, leaf))


@per_interpreter
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


@once
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


@once
def once_top_without_a_terminal(interp, peekpy):
    """Not on a terminal, top prints the table plainly every second."""
    run = peekpy.run(["top", "-d", "2.5", "--"] + interp.argv(interp.script("workload.py"), "5"),
                     name="unused")
    check(run.returncode == 0, "exit %d: %s" % (run.returncode, run.stderr))
    check("\033[" not in run.stdout, "escape sequences written to a pipe")
    tables = run.stdout.count("Function (file:line)")
    check(tables == 2, "%d tables in 2.5 s, expected 2" % tables)
    check("spin (workload.py:" in run.stdout, "spin is not in the table")
