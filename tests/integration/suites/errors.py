"""Bad input: each gets one clear line on stderr and a non-zero status."""
import os
import subprocess

from harness import Target, TestSkip, check, once
from checks import one_line_error


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


@once
def bad_no_such_pid(interp, peekpy):
    pid = unused_pid()
    one_line_error(peekpy.run(["record", "--pid", pid]), "no process with id %d" % pid)


@once
def bad_not_python(interp, peekpy):
    not_python(peekpy, "record")


@once
def bad_dump_inputs(interp, peekpy):
    pid = unused_pid()
    one_line_error(peekpy.run(["dump", "--pid", pid]), "no process with id %d" % pid)
    not_python(peekpy, "dump")
    one_line_error(peekpy.run(["dump"]), "give --pid PID", status=2)
    one_line_error(peekpy.run(["info", "/nonexistent.peek"]), "cannot read '/nonexistent.peek'")
    one_line_error(peekpy.run(["render", "/nonexistent.txt"]), "cannot read '/nonexistent.txt'")


@once
def bad_missing_program(interp, peekpy):
    one_line_error(peekpy.run(["record", "--", "/nonexistent/program"]),
                   "cannot run '/nonexistent/program'")


@once
def bad_launched_not_python(interp, peekpy):
    one_line_error(peekpy.run(["record", "--", "sleep", "0.2"]),
                   "exited before a Python interpreter started")


@once
def bad_permission_denied(interp, peekpy):
    if os.geteuid() != 0:
        raise TestSkip("needs root to run a target another user cannot read")
    with Target(interp, "workload.py", 0) as target:
        run = peekpy.run(["record", "--pid", target.pid, "-d", "1", "-o", "/dev/null"],
                         user=65534)
    one_line_error(run, "permission denied")


@once
def bad_unknown_flag(interp, peekpy):
    one_line_error(peekpy.run(["record", "--frobnicate", "--pid", "1"]),
                   "unknown option '--frobnicate'", status=2)
    one_line_error(peekpy.run(["record", "-r", "fast", "--pid", "1"]), "--rate", status=2)
    one_line_error(peekpy.run(["frobnicate"]), "unknown command", status=2)
    one_line_error(peekpy.run(["render", "--pid", "5", "x.txt"]),
                   "--pid is an option of record, top, dump, not of render", status=2)


@once
def bad_no_command_prints_the_usage(interp, peekpy):
    run = peekpy.run([])
    check(run.returncode == 2, "peekpy alone: exit %d, expected 2" % run.returncode)
    check(run.stderr.startswith("usage: peekpy <command>") and "  record " in run.stderr,
          "peekpy alone did not print the usage on stderr: %r" % run.stderr[:200])
    check(run.stdout == "", "peekpy alone wrote to stdout: %r" % run.stdout[:200])


@once
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


@once
def bad_help_and_version(interp, peekpy):
    for args in (["--help"], ["record", "--help"], ["--version"]):
        run = peekpy.run(args, name="help.txt")
        check(run.returncode == 0 and run.stdout.strip(), "%s: exit %d" % (args, run.returncode))
