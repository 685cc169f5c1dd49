"""Shell completions (peekpy completions SHELL), run in each shell, and
what make install puts where each shell looks for them."""
import os
import shutil
import subprocess
import time

from harness import ROOT, TestFailure, check, once, timeout


def need(program):
    check(shutil.which(program), "%s is missing (scripts/deps.sh test installs it)" % program)


def script(peekpy, shell, directory, name):
    run = peekpy.run(["completions", shell])
    check(run.returncode == 0, "completions %s: exit %d: %s" % (shell, run.returncode, run.stderr))
    path = os.path.join(directory, name)
    with open(path, "w") as fh:
        fh.write(run.stdout)
    return path


def bash_complete(completions, words):
    """What bash's completion function offers for a command line (the last
    word is the one being completed), with bash-completion loaded as on a
    Debian login shell."""
    code = ('. /usr/share/bash-completion/bash_completion; . "$1"; shift; '
            'COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; '
            'COMP_POINT=${#COMP_LINE}; _peekpy 2>/dev/null; printf "%s\\n" "${COMPREPLY[@]}"')
    out = subprocess.run(["bash", "-c", code, "bash", completions] + words,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout(30))
    check(out.returncode == 0, "bash failed: %s" % out.stderr.decode(errors="replace"))
    return set(out.stdout.decode().split())


def fish_complete(completions, line):
    out = subprocess.run(["fish", "--no-config", "-c", 'source $argv[1]; complete -C $argv[2]',
                          completions, line], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         timeout=timeout(30))
    check(out.returncode == 0, "fish failed: %s" % out.stderr.decode(errors="replace"))
    return {row.split("\t")[0] for row in out.stdout.decode().splitlines()}


def expect(offered, wanted, unwanted, what):
    check(wanted <= offered, "%s: %s missing from %s" % (what, sorted(wanted - offered),
                                                         sorted(offered)))
    check(not (unwanted & offered), "%s: %s offered" % (what, sorted(unwanted & offered)))


@once
def once_completions_in_bash_and_fish(interp, peekpy):
    """Commands, a command's options (and not another's), -f's formats,
    Python processes for --pid, shells, and a command line after --."""
    need("bash")
    need("fish")
    check(os.path.exists("/usr/share/bash-completion/bash_completion"),
          "bash-completion is missing (scripts/deps.sh test installs it)")
    bash = script(peekpy, "bash", peekpy.workdir, "peekpy.bash")
    fish = script(peekpy, "fish", peekpy.workdir, "peekpy.fish")
    python = subprocess.Popen(["python3", "-c", "import time; time.sleep(60)"])
    sleeper = subprocess.Popen(["sleep", "60"])
    try:
        cases = [
            (["peekpy", "re"], {"record", "render"}, {"dump"}),
            (["peekpy", "record", "--na"], {"--native", "--native-internals"}, set()),
            (["peekpy", "record", "--"], {"--quiet", "--rate", "--pid"}, {"--heatmap"}),
            (["peekpy", "top", "--re"], set(), {"--repeat"}),
            (["peekpy", "record", "-f", ""], {"svg", "collapsed", "raw", "speedscope"}, set()),
            (["peekpy", "render", "-f", ""], {"svg", "collapsed"}, {"raw"}),
            (["peekpy", "diff", "-f", ""], {"svg", "collapsed", "json"}, {"raw"}),
            (["peekpy", "check", "--"], {"--threshold", "--budget"}, {"--output"}),
            (["peekpy", "completions", ""], {"bash", "zsh", "fish"}, set()),
            (["peekpy", "record", "--pid", ""], {str(python.pid)}, {str(sleeper.pid)}),
            (["peekpy", "record", "--", "python"], {"python3"}, set()),
        ]
        for words, wanted, unwanted in cases:
            expect(bash_complete(bash, words), wanted, unwanted, "bash, " + " ".join(words))
            line = " ".join(words[:-1]) + " " + words[-1]
            # fish: "--" alone is an option being typed, as "--x" would be.
            expect(fish_complete(fish, line), wanted, unwanted, "fish, " + line)
    finally:
        for process in (python, sleeper):
            process.kill()
            process.wait()


@once
def once_completions_in_zsh(interp, peekpy):
    """zsh, driven in tmux as a user types: TAB lists record's options with
    their help, completes -f's formats, and commands."""
    need("zsh")
    need("tmux")
    home = os.path.join(peekpy.workdir, "zsh")
    functions = os.path.join(home, "functions")
    os.makedirs(functions, exist_ok=True)
    script(peekpy, "zsh", functions, "_peekpy")
    with open(os.path.join(home, ".zshrc"), "w") as fh:
        fh.write("fpath=(%s $fpath)\nautoload -U compinit && compinit -u -d %s/.zcompdump\n"
                 "path=(%s $path)\nPS1='peekpy-zsh> '\n"
                 % (functions, home, os.path.dirname(os.path.abspath(peekpy.path))))
    tmux = ["tmux", "-L", "peekpy-zsh-%d" % os.getpid()]

    def screen():
        return subprocess.run(tmux + ["capture-pane", "-p", "-t", "z"], stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL).stdout.decode(errors="replace")

    def typed(keys, test, what):
        subprocess.run(tmux + ["send-keys", "-t", "z", "C-u"] + keys, check=True)
        deadline = time.monotonic() + timeout(20)
        while time.monotonic() < deadline:
            text = screen()
            if test(text):
                return text
            time.sleep(0.1)
        raise TestFailure("zsh never showed %s; the screen:\n%s" % (what, screen()))

    subprocess.run(tmux + ["new-session", "-d", "-s", "z", "-x", "160", "-y", "50",
                           "env ZDOTDIR=%s zsh -i" % home], check=True)
    try:
        typed([], lambda t: "peekpy-zsh>" in t, "its prompt")
        typed(["peekpy record --", "Tab"],
              lambda t: "--native-internals" in t and "attach to a running process" in t,
              "record's options with their descriptions")
        typed(["C-l", "peekpy render -f ", "Tab"],
              lambda t: "speedscope" in t and "collapsed" in t and " raw " not in t,
              "render's formats")
        typed(["C-l", "peekpy rec", "Tab"], lambda t: "> peekpy record" in t,
              "record completed")
    finally:
        subprocess.run(tmux + ["kill-server"], stderr=subprocess.DEVNULL)


@once
def once_install_puts_completions_where_shells_look(interp, peekpy):
    """make install DESTDIR=...: the binary, the manual page and the three
    completion scripts, each as peekpy completions prints it."""
    dest = os.path.join(peekpy.workdir, "dest")
    shutil.rmtree(dest, ignore_errors=True)
    out = subprocess.run(["make", "-s", "-C", ROOT, "install", "DESTDIR=" + dest,
                          "PREFIX=/usr/local"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         timeout=timeout(300))
    check(out.returncode == 0, "make install failed: %s" % out.stdout.decode()[-1000:])
    share = os.path.join(dest, "usr/local/share")
    places = {"bash": "bash-completion/completions/peekpy",
              "zsh": "zsh/site-functions/_peekpy",
              "fish": "fish/vendor_completions.d/peekpy.fish"}
    for shell, place in places.items():
        path = os.path.join(share, place)
        check(os.path.exists(path), "make install did not write %s" % place)
        with open(path) as fh:
            check(fh.read() == peekpy.run(["completions", shell]).stdout,
                  "the installed %s completions are not peekpy's" % shell)
    check(os.access(os.path.join(dest, "usr/local/bin/peekpy"), os.X_OK), "no peekpy installed")
