"""Helpers for peekpy's integration tests: interpreters, targets, peekpy runs.

An Interpreter is one CPython found on this machine, with how to run it
(directly or inside a chroot).  A Target is a running test program that has
said "ready" on its standard output.  Nothing here sleeps to wait for
something: processes are waited for by their own signals, or by polling
what /proc says of them, with deadlines scaled by PEEKPY_TEST_TIMEOUT_SCALE
on slow machines.
"""
import glob
import os
import re
import select
import shutil
import subprocess
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TARGET_SOURCES = os.path.join(ROOT, "tests", "integration", "targets")
TARGETS_DIR = os.environ.get("TARGETS", "/var/cache/python-targets")
# A sanitizer build of peekpy runs two to three times slower: longer
# deadlines, and looser bounds on what timing affects (rates, shares).
SANITIZED = os.environ.get("PEEKPY_TEST_SANITIZE") == "1"
SCALE = float(os.environ.get("PEEKPY_TEST_TIMEOUT_SCALE", "3" if SANITIZED else "1"))
SLACK = 1.5 if SANITIZED else 1.0


def timeout(seconds):
    return seconds * SCALE


# The tests, registered where they are defined (tests/integration/suites/).
PER_INTERPRETER = []   # run against every interpreter
ONCE = []              # run once, with one interpreter
SLOW = set()           # started first: they take the longest


def per_interpreter(test=None, slow=False):
    """Register a test to run against every interpreter: @per_interpreter,
    or @per_interpreter(slow=True) for one that takes long."""
    def register(test):
        PER_INTERPRETER.append(test)
        if slow:
            SLOW.add(test)
        return test
    return register(test) if test else register


def once(test):
    """Register a test to run once (bad input, files, the browser)."""
    ONCE.append(test)
    return test


class TestFailure(Exception):
    pass


class TestSkip(Exception):
    pass


def check(condition, message):
    if not condition:
        raise TestFailure(message)


class Interpreter:
    """A CPython to test against: argv prefix (chroot) and executable."""

    def __init__(self, name, executable, chroot=None):
        self.name = name
        self.executable = executable
        self.chroot = chroot
        self.version = None          # (major, minor, micro)
        self.free_threaded = False
        self.debug = False
        self.scripts = None          # directory holding the target scripts, as the target sees it

    @property
    def prefix(self):
        return ["chroot", self.chroot] if self.chroot else []

    def argv(self, *args):
        return self.prefix + [self.executable] + list(args)

    def probe(self):
        code = ("import sys, sysconfig; v = sys.version_info; "
                "print('%d %d %d %d %d' % (v[0], v[1], v[2], "
                "int(bool(sysconfig.get_config_var('Py_GIL_DISABLED'))), "
                "int(hasattr(sys, 'gettotalrefcount'))))")
        out = subprocess.run(self.argv("-c", code), capture_output=True, text=True,
                             timeout=timeout(30))
        if out.returncode != 0:
            raise TestSkip("does not run: %s" % out.stderr.strip()[-200:])
        major, minor, micro, ft, debug = (int(x) for x in out.stdout.split())
        self.version = (major, minor, micro)
        self.free_threaded = bool(ft)
        self.debug = bool(debug)

    @property
    def label(self):
        v = "%d.%d.%d" % self.version if self.version else "?"
        flags = ("t" if self.free_threaded else "") + ("d" if self.debug else "")
        return "%s (%s%s)" % (self.name, v, flags)

    def install_scripts(self, run_id):
        """Make the target scripts reachable from inside the interpreter's root."""
        if not self.chroot:
            self.scripts = TARGET_SOURCES
            return
        inside = "/tmp/peekpy-tests-%s" % run_id
        dest = self.chroot + inside
        if os.path.exists(dest):
            shutil.rmtree(dest)
        shutil.copytree(TARGET_SOURCES, dest, ignore=shutil.ignore_patterns("__pycache__"))
        self.scripts = inside

    def script(self, name):
        return os.path.join(self.scripts, name)

    def host_path(self, path):
        """A path the target sees, as the test (outside any chroot) sees it."""
        return (self.chroot + path) if self.chroot else path


def discover():
    """Every CPython on this machine: pyenv, /usr/bin, and scripts/targets.sh's."""
    found = []
    for exe in sorted(glob.glob("/root/.pyenv/versions/*/bin/python")):
        found.append(Interpreter("pyenv-" + exe.split("/")[4], exe))
    for exe in sorted(glob.glob("/usr/bin/python[23].*")):
        if re.search(r"/python\d\.\d+[td]*$", exe) and os.access(exe, os.X_OK):
            found.append(Interpreter("debian-" + os.path.basename(exe), exe))
    tsv = os.path.join(TARGETS_DIR, "targets.tsv")
    if os.path.exists(tsv):
        with open(tsv) as fh:
            for line in fh:
                parts = line.rstrip("\n").split("\t")
                if len(parts) != 3:
                    continue
                name, how, exe = parts
                chroot = how.split(" ", 1)[1] if how.startswith("chroot ") else None
                if name.startswith("host-"):
                    continue   # the same /usr/bin file the glob above found
                found.append(Interpreter(name, exe, chroot))
    return found


def supported_versions():
    """(major, minor, free_threaded) that peekpy has layouts for."""
    versions = set()
    for path in glob.glob(os.path.join(ROOT, "scripts", "layouts", "*.txt")):
        vals = dict(line.split(None, 1) for line in open(path) if not line.startswith("#"))
        major, minor = (int(x) for x in vals["version"].split(".")[:2])
        versions.add((major, minor, vals["free_threaded"].strip() == "1"))
    return versions


# System calls a thread sleeps in, by machine: time.sleep() uses one of
# these, depending on the Python version and the C library.
SLEEP_SYSCALLS = {
    "x86_64": {7, 23, 35, 230, 270, 271},   # poll select nanosleep clock_nanosleep pselect6 ppoll
    "aarch64": {72, 73, 101, 115},          # pselect6 ppoll nanosleep clock_nanosleep
}


def sleeping_threads(pid):
    """How many of PID's threads are blocked in a sleeping system call."""
    sleeps = SLEEP_SYSCALLS.get(os.uname().machine, set())
    try:
        tids = os.listdir("/proc/%d/task" % pid)
    except OSError:
        return 0
    count = 0
    for tid in tids:
        try:
            with open("/proc/%d/task/%s/syscall" % (pid, tid)) as fh:
                number = fh.read().split()[0]
        except (OSError, IndexError):
            continue
        if number.isdigit() and int(number) in sleeps:
            count += 1
    return count


class Target:
    """A test program started in the background, ready once it says so."""

    def __init__(self, interp, script, *args, env=None, ready=True):
        self.interp = interp
        argv = interp.argv(interp.script(script), *[str(a) for a in args])
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     env=env)
        self.pid = self.proc.pid
        self.lines = []
        if ready:
            self.wait_for("ready")

    def wait_for(self, word, seconds=60):
        deadline = time.monotonic() + timeout(seconds)
        buf = b""
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                self.kill()
                raise TestFailure("target never printed %r" % word)
            ready, _, _ = select.select([self.proc.stdout], [], [], left)
            if not ready:
                continue
            chunk = os.read(self.proc.stdout.fileno(), 4096)
            if not chunk:
                err = self.proc.stderr.read().decode(errors="replace")
                raise TestFailure("target exited before %r: %s" % (word, err[-500:]))
            buf += chunk
            lines = buf.decode(errors="replace").splitlines()
            if any(line.strip() == word for line in lines):
                self.lines = lines
                return

    def wait_for_sleepers(self, count, seconds=60):
        """Wait until COUNT of the target's threads are blocked in a sleep.

        A thread that has said it started can still be on its way to the
        sleep it was started for (on 2.7, waiting its turn for the GIL for
        a long while): sampled then, it is rightly seen running."""
        deadline = time.monotonic() + timeout(seconds)
        while sleeping_threads(self.pid) < count:
            if time.monotonic() > deadline or not self.alive():
                raise TestFailure("target never had %d threads asleep" % count)
            time.sleep(0.01)

    def alive(self):
        return self.proc.poll() is None

    def state(self):
        try:
            with open("/proc/%d/stat" % self.pid) as fh:
                return fh.read().rsplit(")", 1)[1].split()[0]
        except OSError:
            return None

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.kill()


class Run:
    """One finished peekpy run."""

    def __init__(self, returncode, stdout, stderr, output_path):
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        self.output_path = output_path

    @property
    def output(self):
        with open(self.output_path, encoding="utf-8") as fh:
            return fh.read()

    def stacks(self):
        """{stack tuple (root first): count} from collapsed output."""
        stacks = {}
        for line in self.output.splitlines():
            path, _, count = line.rpartition(" ")
            stacks[tuple(path.split(";"))] = stacks.get(tuple(path.split(";")), 0) + int(count)
        return stacks

    def summary_line(self):
        """peekpy's summary line, as written."""
        lines = [l for l in self.stderr.splitlines() if re.match(r"peekpy: \d+ samples", l)]
        if not lines:
            raise TestFailure("no summary line in peekpy's stderr: %r" % self.stderr[-500:])
        return lines[-1]

    def summary(self):
        m = re.search(r"peekpy: (\d+) samples \(([\d.]+)/s of ([\d.]+)/s asked\), (\d+) errors",
                      self.stderr)
        if not m:
            raise TestFailure("no summary line in peekpy's stderr: %r" % self.stderr[-500:])
        return {"samples": int(m.group(1)), "rate": float(m.group(2)),
                "asked": float(m.group(3)), "errors": int(m.group(4))}


class Peekpy:
    def __init__(self, path, workdir):
        self.path = path
        self.workdir = workdir

    def run(self, args, name="out.txt", seconds=120, input_signal=None, signal_after=None,
            user=None, env=None):
        """Run peekpy with args (-o is added unless given); wait for it."""
        output = os.path.join(self.workdir, name)
        if os.path.exists(output):
            os.unlink(output)
        args = [str(a) for a in args]
        argv = [self.path] + args
        if args and args[0] in ("record", "render") and "-o" not in args and \
                "--output" not in args:
            argv[2:2] = ["-o", output]
        # The tests read collapsed stacks unless they ask for a format.
        if args and args[0] == "record" and "-f" not in args and "--format" not in args:
            argv[2:2] = ["-f", "collapsed"]
        if user is not None:
            argv = ["setpriv", "--reuid", str(user), "--regid", str(user),
                    "--clear-groups", "--"] + argv
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                cwd=self.workdir, env=env)
        if signal_after is not None:
            signal_after(proc)
        try:
            out, err = proc.communicate(timeout=timeout(seconds))
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
            raise TestFailure("peekpy %s did not finish in %ss: %s"
                              % (" ".join(args), seconds, err.decode(errors="replace")[-500:]))
        return Run(proc.returncode, out.decode(errors="replace"),
                   err.decode(errors="replace"), output)


def workdir(base, *parts):
    path = os.path.join(base, *[re.sub(r"[^\w.-]", "_", p) for p in parts])
    os.makedirs(path, exist_ok=True)
    return path
