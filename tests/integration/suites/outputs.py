"""Outputs: every format, written whole or streamed, kept through signals,
full disks and sudo, and drawn right in a browser."""
import glob
import json
import os
import re
import signal
import stat
import shutil
import subprocess
import threading
import time

from harness import Target, TestFailure, TestSkip, check, once, per_interpreter, timeout
from checks import (def_line, png_pixels, frame_text, marked_line, one_line_error, page_text,
                    wait_stderr_line)


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


def info_of(peekpy, path):
    run = peekpy.run(["info", path], name="info-unused")
    samples = re.search(r"^samples:\s+(\d+)", run.stdout, re.M)
    return run, int(samples.group(1)) if samples else 0


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


def check_jsonl(path, lines=True):
    """JSON lines: one object a line, times from 0 and never going back,
    each active thread's frames root first from the module; the objects."""
    samples, last = [], 0.0
    with open(path, encoding="utf-8") as fh:
        for n, text in enumerate(fh, 1):
            check(text.endswith("\n"), "line %d is not whole" % n)
            sample = json.loads(text)
            check(sample["time"] >= last, "time goes back at line %d" % n)
            last = sample["time"]
            for thread in sample["threads"]:
                check(isinstance(thread["tid"], int) and not thread["idle"],
                      "line %d: thread %r" % (n, thread))
                for frame in thread["frames"]:
                    check(set(frame) == ({"name", "file", "line", "kind"} if lines
                                         else {"name", "file", "kind"}),
                          "line %d: frame %r" % (n, frame))
            samples.append(sample)
    check(samples and samples[0]["time"] == 0, "no samples, or not from 0")
    mains = [t["frames"] for s in samples for t in s["threads"] if t["frames"]]
    check(mains and all(f[0]["name"] == "<module>" for f in mains if f[-1]["name"] == "heavy"),
          "heavy is not under the module")
    return samples


def check_gecko(path):
    """The Firefox Profiler's processed format, version 70, by the rules of
    its type definitions (src/types/profile.ts of firefox-devtools/profiler):
    every column of a table as long as the table; stacks stored parents
    first, each prefix an offset back; every index inside the table it
    points into; a grey default category; samples in time order.  Returns
    {thread name: [stack as names, root first]}."""
    with open(path, encoding="utf-8") as fh:
        profile = json.load(fh)
    meta, shared = profile["meta"], profile["shared"]
    check(meta["preprocessedProfileVersion"] == 70, "version %r" % meta.get("preprocessedProfileVersion"))
    check(meta["interval"] > 0 and isinstance(meta["startTime"], (int, float)), "meta %r" % meta)
    categories = meta["categories"]
    check(any(c["color"] == "grey" for c in categories), "no grey default category")
    check(all(c["subcategories"] for c in categories), "a category without subcategories")
    check(isinstance(meta["markerSchema"], list) and isinstance(profile["libs"], list), "meta lists")

    def table(name, columns):
        t = shared[name]
        for col in columns:
            check(len(t[col]) == t["length"], "%s.%s: %d long, not %d"
                  % (name, col, len(t[col]), t["length"]))
        return t
    strings = shared["stringArray"]
    stacks = table("stackTable", ["frame", "prefixOffset"])
    frames = table("frameTable", ["address", "lib", "inlineDepth", "category", "subcategory",
                                  "func", "nativeSymbol", "innerWindowID", "line", "column",
                                  "originalLocation"])
    funcs = table("funcTable", ["name", "isJS", "relevantForJS", "resource", "source",
                                "lineNumber", "columnNumber", "originalLocation"])
    sources = table("sources", ["id", "filename", "startLine", "startColumn", "sourceMapURL",
                                "content"])
    table("resourceTable", ["name", "host", "type"])
    table("nativeSymbols", ["libIndex", "address", "name", "functionSize"])
    table("sourceLocationTable", ["source", "line", "column"])
    for i in range(stacks["length"]):
        off = stacks["prefixOffset"][i]
        check(off == 0 or 0 < off <= i, "stack %d: prefix offset %d" % (i, off))
        check(0 <= stacks["frame"][i] < frames["length"], "stack %d: frame out of range" % i)
    for i in range(frames["length"]):
        check(0 <= frames["func"][i] < funcs["length"], "frame %d: func out of range" % i)
        check(0 <= frames["category"][i] < len(categories), "frame %d: category" % i)
        check(frames["subcategory"][i] < len(categories[frames["category"][i]]["subcategories"]),
              "frame %d: subcategory" % i)
        check(frames["lib"][i] == -1 and frames["address"][i] == -1, "frame %d: lib" % i)
        check(frames["line"][i] is None or frames["line"][i] > 0, "frame %d: line" % i)
    for i in range(funcs["length"]):
        check(0 <= funcs["name"][i] < len(strings), "func %d: name out of range" % i)
        src = funcs["source"][i]
        check(src is None or 0 <= src < sources["length"], "func %d: source out of range" % i)
    check(all(0 <= f < len(strings) for f in sources["filename"]), "source file name out of range")

    def names(stack):
        out = []
        while True:
            out.append(strings[funcs["name"][frames["func"][stacks["frame"][stack]]]])
            off = stacks["prefixOffset"][stack]
            if off == 0:
                return out[::-1]
            stack -= off
    by_thread = {}
    check(profile["threads"], "no threads")
    for thread in profile["threads"]:
        samples = thread["samples"]
        check(isinstance(thread["pid"], str) and isinstance(thread["tid"], int), "pid/tid types")
        check(samples["weightType"] == "samples", "weight type")
        for col in ("stack", "time"):
            check(len(samples[col]) == samples["length"], "samples.%s length" % col)
        check(all(a <= b for a, b in zip(samples["time"], samples["time"][1:])),
              "%s: time goes back" % thread["name"])
        check(all(s is None or 0 <= s < stacks["length"] for s in samples["stack"]),
              "%s: a sample's stack out of range" % thread["name"])
        check(thread["markers"]["length"] == 0, "markers")
        by_thread.setdefault(thread["name"], []).extend(
            names(s) for s in samples["stack"] if s is not None)
    return by_thread


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


@per_interpreter
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


@per_interpreter
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


@once
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


@once
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


@once
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
    for fmt in ("collapsed", "raw", "svg", "speedscope", "chrometrace", "jsonl"):
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


@once
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


@once
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


@once
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


def root_box(dom):
    """The first box drawn (the root, boxes being in pre-order): x, y, width."""
    group = dom[dom.index('<g id="r">'):]
    m = re.search(r'<rect\b[^>]*>', group)
    check(m, "no box in the page")
    attrs = dict(re.findall(r'(\w+)="([^"]*)"', m.group(0)))
    return float(attrs["x"]), float(attrs["y"]), float(attrs["width"])


def open_in_window(svg, query, size, screenshot):
    """The page's DOM and a screenshot, in a window of size (w, h)."""
    chromium = shutil.which("chromium")
    check(chromium, "chromium is missing (scripts/deps.sh test installs it)")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--hide-scrollbars", "--window-size=%d,%d" % size,
             "--user-data-dir=" + os.path.join(os.path.dirname(svg), "chromium-window")]
    url = "file://%s?%s" % (os.path.abspath(svg), query)
    dom = subprocess.run([chromium] + flags + ["--dump-dom", url], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, timeout=timeout(120))
    check(dom.returncode == 0, "chromium failed: %s" % dom.stderr.decode()[-500:])
    if os.path.exists(screenshot):
        os.unlink(screenshot)
    subprocess.run([chromium] + flags + ["--screenshot=" + screenshot, url],
                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout(120))
    check(os.path.exists(screenshot), "no screenshot was taken")
    return dom.stdout.decode(errors="replace")


@once
def once_flame_graph_opens_on_the_root(interp, peekpy):
    """A graph taller than the window opens with its root in sight (an
    icicle: root at the top, under the controls), as wide as the window;
    ?v=flame keeps the flame view; the file itself, for pictures without
    the script, stays a 1200-pixel flame graph."""
    path = os.path.join(peekpy.workdir, "tall.txt")
    tower = ";".join("importing_%d (lib.py:%d)" % (i, i) for i in range(60))
    with open(path, "w") as fh:
        fh.write("main (app.py:1);work (app.py:5) 95\n")
        fh.write("main (app.py:1);%s 5\n" % tower)
    svg = os.path.join(peekpy.workdir, "tall.svg")
    run = peekpy.run(["render", path, "-o", svg])
    check(run.returncode == 0, "exit %d: %s" % (run.returncode, run.stderr))
    with open(svg, encoding="utf-8") as fh:
        text = fh.read()
    height = int(re.search(r'<svg [^>]*height="(\d+)"', text).group(1))
    check('width="1200"' in text.split(">", 2)[1], "the file is not 1200 pixels wide")
    _, file_y, _ = root_box(text)
    check(file_y > height - 100, "the file's root is not at the bottom (flame): y=%s" % file_y)
    window = (1000, 700)
    check(height > window[1] + 300, "the test graph (%d px) is not taller than the window"
          % height)

    shot = os.path.join(peekpy.workdir, "opened.png")
    dom = open_in_window(svg, "", window, shot)
    svg_width = float(re.search(r'<svg [^>]*width="([\d.]+)"', dom).group(1))
    check(abs(svg_width - window[0]) <= 20, "the graph is %s wide in a %d-pixel window"
          % (svg_width, window[0]))
    x, y, width = root_box(dom)
    check(y + 16 <= window[1], "the root is below the fold: y=%s in a %d-pixel window"
          % (y, window[1]))
    check(width >= svg_width - 30, "the root box is %s wide, not the graph's width" % width)
    # The screenshot shows it: the root's box is drawn there, not the page.
    png_width, png_height, pixel = png_pixels(shot)
    background = pixel(png_width - 2, png_height - 2)
    inside = pixel(int(x + width / 2), int(y + 8))
    check(inside != background and png_width == window[0],
          "the screenshot does not show the root box at (%d, %d): %s (background %s)"
          % (x + width / 2, y + 8, inside, background))

    dom = open_in_window(svg, "v=flame", window, os.path.join(peekpy.workdir, "flame.png"))
    _, y, _ = root_box(dom)
    check(y > window[1], "?v=flame did not keep the flame view (root at y=%s)" % y)

    # Clicking Flame, then Reversed, puts the view in the page's URL.
    page = os.path.join(peekpy.workdir, "toggle.html")
    with open(page, "w") as fh:
        fh.write(TOGGLE_PAGE % os.path.basename(svg))
    result = page_text(page, "result", os.path.join(peekpy.workdir, "chromium-toggle"))
    check(result == "?v=flame\n?v=flame,reversed",
          "the view clicked is not kept in the URL: %r" % result)


TOGGLE_PAGE = """<html><body><iframe id="page" src="%s" width="1000" height="700"></iframe>
<pre id="result"></pre><script>
document.getElementById("page").addEventListener("load", function () {
  var doc = this.contentDocument, win = this.contentWindow, out = [];
  doc.getElementById("view").dispatchEvent(new MouseEvent("click", {bubbles: true}));
  out.push(win.location.search);
  doc.getElementById("reverse").dispatchEvent(new MouseEvent("click", {bubbles: true}));
  out.push(win.location.search);
  document.getElementById("result").textContent = out.join("\\n");
});
</script></body></html>
"""


@once
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


@once
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


@once
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


@once
def once_every_format_parses(interp, peekpy):
    """speedscope, chrometrace, jsonl and gecko, recorded directly and
    rendered from a recording, follow their formats' rules and show the
    workload."""
    workload = interp.argv(interp.script("workload.py"), "1")
    formats = (("speedscope", check_speedscope), ("chrometrace", check_trace),
               ("jsonl", check_jsonl), ("gecko", check_gecko))
    for fmt, checker in formats:
        run = peekpy.run(["record", "-f", fmt, "-r", "200", "--"] + workload, name="direct." + fmt)
        check(run.returncode == 0, "%s: exit %d: %s" % (fmt, run.returncode, run.stderr))
        checker(run.output_path)
        check("heavy" in open(run.output_path, encoding="utf-8").read(), "%s lacks heavy" % fmt)
    raw = peekpy.run(["record", "-f", "raw", "-r", "200", "--"] + workload, name="run.peek")
    check(raw.returncode == 0, "raw: exit %d: %s" % (raw.returncode, raw.stderr))
    for fmt, checker in formats:
        out = os.path.join(peekpy.workdir, "rendered." + fmt)
        run = peekpy.run(["render", raw.output_path, "-f", fmt, "-o", out])
        check(run.returncode == 0, "render %s: exit %d: %s" % (fmt, run.returncode, run.stderr))
        checker(out)
    stacks = [s for per_thread in check_gecko(os.path.join(peekpy.workdir, "rendered.gecko"))
              .values() for s in per_thread]
    heavy = sum(1 for s in stacks if "heavy" in s)
    medium = sum(1 for s in stacks if "medium" in s)
    check(stacks and all(s[0] == "<module>" for s in stacks if "heavy" in s) and
          1.1 < heavy / max(medium, 1) < 2.0,
          "gecko: heavy %d, medium %d of %d samples (3:2 expected)" % (heavy, medium, len(stacks)))
    trace = check_trace(os.path.join(peekpy.workdir, "rendered.chrometrace"))
    begun = sum(1 for e in trace if e["ph"] == "B" and e["name"].startswith("heavy ("))
    check(begun >= 10, "heavy begins %d times in one second of 30 ms calls" % begun)
    out = os.path.join(peekpy.workdir, "rendered-nolines.jsonl")
    run = peekpy.run(["render", raw.output_path, "-f", "jsonl", "--nolineno", "-o", out])
    check(run.returncode == 0, "render jsonl --nolineno: %s" % run.stderr)
    check_jsonl(out, lines=False)


def pprof_top(path):
    """go tool pprof -top -cum of a file: {function: cumulative %}, and its
    -traces text."""
    go = shutil.which("go")
    if not go:
        raise TestSkip("no go tool (Debian's golang-go; make test installs it)")
    env = dict(os.environ, HOME=os.environ.get("HOME", "/root"), GOFLAGS="-mod=mod")
    top = subprocess.run([go, "tool", "pprof", "-top", "-cum", "-nodecount=50", path],
                         capture_output=True, text=True, env=env, timeout=timeout(120))
    check(top.returncode == 0, "go tool pprof -top: %s" % top.stderr)
    cum = {}
    for line in top.stdout.splitlines():
        fields = line.split()
        # flat flat% sum% cum cum% name
        if len(fields) >= 6 and fields[4].endswith("%"):
            try:
                cum[" ".join(fields[5:])] = float(fields[4][:-1])
            except ValueError:
                pass
    traces = subprocess.run([go, "tool", "pprof", "-traces", path], capture_output=True,
                            text=True, env=env, timeout=timeout(120))
    check(traces.returncode == 0, "go tool pprof -traces: %s" % traces.stderr)
    return cum, top.stdout, traces.stdout


@once
def once_pprof_read_by_go_tool_pprof(interp, peekpy):
    """-f pprof, recorded and rendered from a recording, is read by go tool
    pprof: heavy, medium and Light.run hold 3:2:1 of the time, the thread is
    a label, the period is the sampling interval."""
    workload = interp.argv(interp.script("workload.py"), "3")
    direct = peekpy.run(["record", "-f", "pprof", "-r", "200", "--"] + workload,
                        name="direct.pb.gz")
    check(direct.returncode == 0, "exit %d: %s" % (direct.returncode, direct.stderr))
    raw = peekpy.run(["record", "-f", "raw", "-r", "200", "--"] + workload, name="pprof.peek")
    check(raw.returncode == 0, "raw: exit %d: %s" % (raw.returncode, raw.stderr))
    rendered = os.path.join(peekpy.workdir, "rendered.pb.gz")
    run = peekpy.run(["render", raw.output_path, "-f", "pprof", "-o", rendered])
    check(run.returncode == 0, "render: exit %d: %s" % (run.returncode, run.stderr))
    for path in (direct.output_path, rendered):
        with open(path, "rb") as fh:
            check(fh.read(2) == b"\x1f\x8b", "%s is not gzip-compressed" % path)
        cum, top, traces = pprof_top(path)
        check("Type: cpu" in top, "%s: not a cpu profile:\n%s" % (path, top))
        for name, expect in (("heavy", 50.0), ("medium", 33.3), ("Light.run", 16.7)):
            got = cum.get(name)
            check(got is not None and abs(got - expect) <= 5,
                  "%s: %s holds %s%% of the time, not %.0f%% +-5:\n%s"
                  % (path, name, got, expect, top))
        check(cum.get("<module>", 0) >= 95, "%s: <module> is not the root:\n%s" % (path, top))
        check(re.search(r"thread id:\s+\d+", traces),
              "%s: no thread labels:\n%s" % (path, traces[:2000]))


CLICK_PAGE = """<html><body><iframe id="page" src="%s" width="1300" height="900"></iframe>
<pre id="result"></pre><script>
document.getElementById("page").addEventListener("load", function () {
  var doc = this.contentDocument, out = [];
  var rects = doc.getElementById("r").getElementsByTagName("rect");
  for (var i = 0; i < rects.length; i++) {
    rects[i].dispatchEvent(new MouseEvent("mouseover", {bubbles: true}));
    if (doc.getElementById("details").textContent.indexOf("heavy (") === 0) {
      rects[i].dispatchEvent(new MouseEvent("click", {bubbles: true}));
      break;
    }
  }
  var target = doc.querySelector("tr.target");
  out.push("linked=" + doc.getElementById("linked").textContent);
  out.push("target=" + (target ? target.id + " " + target.textContent : "none"));
  document.getElementById("result").textContent = out.join("\\n");
});
</script></body></html>
"""


@once
def once_html_heatmap_links_frames_to_lines(interp, peekpy):
    """-f html (record, and render --heatmap FILE) is one page: the flame
    graph, and the hottest source with each line's own and total samples;
    the spin line holds every sample, heavy's call about half; clicking
    heavy's frame in headless Chromium outlines its line in the source."""
    workload = interp.argv(interp.script("workload.py"), "2")
    raw = peekpy.run(["record", "-f", "raw", "-r", "200", "--"] + workload, name="heat.peek")
    check(raw.returncode == 0, "raw: exit %d: %s" % (raw.returncode, raw.stderr))
    direct = peekpy.run(["record", "-f", "html", "-r", "200", "--"] + workload, name="direct.html")
    check(direct.returncode == 0, "html: exit %d: %s" % (direct.returncode, direct.stderr))
    page = os.path.join(peekpy.workdir, "heat.html")
    run = peekpy.run(["render", raw.output_path, "--heatmap", "workload.py", "-o", page])
    check(run.returncode == 0, "render --heatmap: exit %d: %s" % (run.returncode, run.stderr))
    spin_line, heavy_line = marked_line("workload.py", "SPIN_LINE"), marked_line("workload.py",
                                                                              "HEAVY_CALL")
    for path in (direct.output_path, page):
        html = open(path, encoding="utf-8").read()
        check(not re.search(r'(src|href)="(https?:)?//', html), "%s loads something" % path)
        check("<svg" in html and "<?xml" not in html, "%s: no inline flame graph" % path)
        rows = dict((int(m.group(1)), (int(m.group(2)), int(m.group(3)))) for m in re.finditer(
            r'<tr id="f0-l(\d+)"[^>]*><td class="n">\d+</td><td class="own">(\d+)</td>'
            r'<td class="tot">(\d+)</td>', html))
        spin, heavy = rows.get(spin_line), rows.get(heavy_line)
        check(spin and heavy, "%s: no counts at lines %d, %d: %r" % (path, spin_line, heavy_line,
                                                                    sorted(rows)[:20]))
        check(spin[0] == spin[1] and spin[1] >= max(t for _, t in rows.values()) * 0.97,
              "%s: the spin line does not hold the samples: %r" % (path, spin))
        # heavy is seen on its own line in the instant it calls spin or
        # returns: about 1 sample in 15,000 (before this stop's changes too).
        check(heavy[0] <= max(1, spin[1] // 100) and 0.4 <= heavy[1] / spin[1] <= 0.6,
              "%s: heavy's call holds %r of %r" % (path, heavy, spin))
        check("SPIN_LINE" in html, "%s: the source is not shown" % path)
    one = open(page, encoding="utf-8").read()
    check(one.count('<h2 id="f') == 1, "--heatmap workload.py shows other files too")
    wrapper = page + ".click.html"
    with open(wrapper, "w") as fh:
        fh.write(CLICK_PAGE % os.path.basename(page))
    result = page_text(wrapper, "result", os.path.join(peekpy.workdir, "chromium-heat"))
    check("linked=heavy (workload.py:%d)" % heavy_line in result and
          "target=f0-l%d " % heavy_line in result,
          "clicking heavy did not outline line %d: %r" % (heavy_line, result))


@once
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


@once
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
