"""What a user sees of a recording: the live status line (redrawn in place
on a terminal, driven in tmux; cleared before the summary; never on a pipe
or with -q), the summary's two counts, and the name a launched command's
profile gets."""
import os
import re
import shutil
import subprocess
import time

from harness import TestFailure, check, once, per_interpreter, timeout

STATUS = re.compile(r"peekpy: process (\d+): (\d+) samples \(([\d.]+)/s\), (\d+) errors, "
                    r"([\d.]+) s of 8.0 s - Ctrl-C to stop and write")


class Terminal:
    """A tmux session of its own, running one shell command."""

    def __init__(self, name, command, columns=150):
        check(shutil.which("tmux"), "tmux is missing (scripts/deps.sh test installs it)")
        self.tmux = ["tmux", "-L", "peekpy-%s-%d" % (name, os.getpid())]
        subprocess.run(self.tmux + ["new-session", "-d", "-s", "t", "-x", str(columns),
                                    "-y", "20", command + "; echo exited-$?; sleep 120"],
                       check=True)

    def screen(self):
        return subprocess.run(self.tmux + ["capture-pane", "-p", "-t", "t"],
                              stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL).stdout.decode(errors="replace")

    def wait(self, test, what, seconds=30):
        deadline = time.monotonic() + timeout(seconds)
        while time.monotonic() < deadline:
            text = self.screen()
            found = test(text)
            if found:
                return found
            time.sleep(0.05)
        raise TestFailure("the terminal never showed %s; the screen:\n%s" % (what, self.screen()))

    def keys(self, *keys):
        subprocess.run(self.tmux + ["send-keys", "-t", "t"] + list(keys), check=True)

    def close(self):
        subprocess.run(self.tmux + ["kill-server"], stderr=subprocess.DEVNULL)


def record_command(interp, peekpy, output, extra=""):
    workload = " ".join("'%s'" % a for a in interp.argv(interp.script("workload.py"), "60"))
    return "%s record -d 8 -f collapsed -o %s %s -- %s" % (peekpy.path, output, extra, workload)


@once
def once_status_line_on_a_terminal(interp, peekpy):
    """The line counts up in place (one line, not one per update), says the
    duration and how to stop; Ctrl-C clears it, and the summary and the
    profile follow."""
    output = os.path.join(peekpy.workdir, "status.txt")
    term = Terminal("status", record_command(interp, peekpy, output))
    try:
        first = term.wait(lambda t: STATUS.search(t), "the status line with a rate")
        later = term.wait(lambda t: (STATUS.search(t) and
                                     int(STATUS.search(t).group(2)) > int(first.group(2)) + 50
                                     and STATUS.search(t)), "the status line counting up")
        check(float(later.group(5)) > float(first.group(5)), "the time did not go on")
        lines = [l for l in term.screen().splitlines() if "Ctrl-C to stop" in l]
        check(len(lines) == 1, "%d status lines on the screen, expected 1 redrawn in "
              "place:\n%s" % (len(lines), term.screen()))
        term.keys("C-c")
        text = term.wait(lambda t: "exited-" in t and t, "peekpy exiting after Ctrl-C")
        check("exited-0" in text, "peekpy's status after Ctrl-C was not 0:\n" + text)
        check("Ctrl-C to stop" not in text, "the status line was left on the screen:\n" + text)
        check(re.search(r"peekpy: \d+ samples \(.*\), \d+ errors, \d+ stacks written", text),
              "no summary after Ctrl-C:\n" + text)
        check(os.path.getsize(output) > 0, "Ctrl-C lost the profile")
    finally:
        term.close()


@once
def once_status_line_never_with_quiet_or_a_pipe(interp, peekpy):
    """-q on a terminal: neither the line nor the summary.  On a pipe: the
    summary only, no escape sequence."""
    output = os.path.join(peekpy.workdir, "quiet.txt")
    term = Terminal("quiet", record_command(interp, peekpy, output, "-q").replace("-d 8",
                                                                                  "-d 2"))
    try:
        seen = []

        def done(text):
            seen.append(text)
            return "exited-" in text and text
        text = term.wait(done, "peekpy -q exiting")
        check("exited-0" in text, "peekpy -q failed:\n" + text)
        check(not any("Ctrl-C to stop" in t for t in seen), "a status line with -q")
        check("samples (" not in text, "a summary with -q:\n" + text)
    finally:
        term.close()
    run = peekpy.run(["record", "-d", "2", "--"] + interp.argv(interp.script("workload.py"),
                                                                "60"))
    check(run.returncode == 0, "exit %d: %s" % (run.returncode, run.stderr))
    check("\033" not in run.stderr and "Ctrl-C to stop" not in run.stderr,
          "a status line on a pipe: %r" % run.stderr[:300])


@once
def once_summary_says_samples_and_stacks_written(interp, peekpy):
    """Samples taken and stacks written are both said; the stacks written
    are what the profile holds."""
    run = peekpy.run(["record", "-d", "2", "--"] + interp.argv(interp.script("workload.py"),
                                                                "60"))
    check(run.returncode == 0, "exit %d: %s" % (run.returncode, run.stderr))
    m = re.search(r"peekpy: (\d+) samples .*, (\d+) errors, (\d+) stacks written", run.stderr)
    check(m, "no stacks written in the summary: %r" % run.stderr)
    total = sum(int(line.rsplit(" ", 1)[1]) for line in run.output.splitlines() if line.strip())
    check(total == int(m.group(3)), "the summary says %s stacks written, the file holds %d"
          % (m.group(3), total))


@per_interpreter
def test_launched_wrapper_named_by_what_it_runs(interp, peekpy):
    """record -- env ... python app.py: the flame graph names the command the
    target runs once Python started, not the wrapper that launched it."""
    script = interp.script("workload.py")
    run = peekpy.run(["record", "-f", "svg", "-d", "1.5", "--", "env", "PEEKPY_WRAPPED=1"] +
                     interp.argv(script, "60"), name="wrapped.svg")
    check(run.returncode == 0, "exit %d: %s" % (run.returncode, run.stderr))
    with open(os.path.join(peekpy.workdir, "wrapped.svg")) as fh:
        m = re.search(r'<text id="command"[^>]*>([^<]*)</text>', fh.read())
    check(m, "no command in the flame graph")
    named = m.group(1)
    check("PEEKPY_WRAPPED" not in named and not named.startswith("env"),
          "the flame graph is named by the wrapper: %r" % named)
    check(named.endswith("workload.py 60") and interp.executable.split("/")[-1] in named,
          "the flame graph is not named by the Python command: %r" % named)
