"""peekpy check and diff, and record --repeat: a slower function caught and
named in every report, budgets, the examples/ci project end to end, and
every way a comparison cannot be made (exit status 2, one line)."""
import json
import os
import re
import shutil
import subprocess

from harness import ROOT, check, once, timeout
from checks import one_line_error, page_text

EXAMPLE = os.path.join(ROOT, "examples", "ci")
APP = os.path.join(EXAMPLE, "app.py")


def record_app(peekpy, interp, name, cost="1.0", runs=3, rounds=2, rate=200):
    """examples/ci/app.py recorded RUNS times into one file, parse() COST
    times as costly; the recording's path."""
    path = os.path.join(peekpy.workdir, name)
    argv = ["record", "-r", rate, "-f", "raw", "-o", path]
    if runs > 1:
        argv += ["--repeat", runs]
    run = peekpy.run(argv + ["--"] + interp.argv(APP, "--rounds", rounds, "--parse-cost", cost))
    check(run.returncode == 0, "record exit %d: %s" % (run.returncode, run.stderr))
    return path


def svg_frame_colours(svg_text, frame_prefix):
    """The colour classes of the boxes of frames starting with frame_prefix
    in a flame graph's first layout (P)."""
    data = svg_text[svg_text.index("var P={"):]
    frames = json.loads("[" + re.search(r"\nf:\[(.*?)\],\nd:\[", data, re.S).group(1) + "]")
    def array(label):
        return [int(x) for x in re.search(r"\n%s:\[([\d,\n]*)\]" % label, data).group(1)
                .replace("\n", "").split(",")]
    boxes_frame, boxes_colour = array("fr"), array("c")
    return [c for f, c in zip(boxes_frame, boxes_colour) if frames[f].startswith(frame_prefix)]


HOVER_PAGE = """<html><body><object id="graph" data="%s" type="image/svg+xml"></object>
<pre id="lines"></pre><script>
document.getElementById("graph").addEventListener("load", function () {
  var doc = this.contentDocument, lines = [];
  function hoverAll() {
    var rects = doc.getElementById("r").getElementsByTagName("rect");
    for (var i = 0; i < rects.length; i++) {
      if (rects[i].getAttribute("display") === "none") continue;
      rects[i].dispatchEvent(new MouseEvent("mouseover", {bubbles: true}));
      lines.push(doc.getElementById("details").textContent);
    }
  }
  hoverAll();
  lines.push("-- before --");
  doc.getElementById("before").dispatchEvent(new MouseEvent("click", {bubbles: true}));
  hoverAll();
  document.getElementById("lines").textContent = lines.join("\\n");
});
</script></body></html>
"""


def hover_lines(svg):
    """What hovering each frame of a differential graph says, in the NEW
    view, then "-- before --", then in the Before view (headless Chromium)."""
    page = svg + ".html"
    with open(page, "w") as fh:
        fh.write(HOVER_PAGE % os.path.basename(svg))
    return page_text(page, "lines", os.path.join(os.path.dirname(svg), "chromium")).split("\n")


@once
def once_check_names_the_slower_function(interp, peekpy):
    """parse() twice as costly: check fails, parse heads the table, the JSON
    and the Markdown; diff draws it red and its text says so."""
    base = record_app(peekpy, interp, "base.peek")
    new = record_app(peekpy, interp, "new.peek", cost="2.0")
    report, summary = (os.path.join(peekpy.workdir, n) for n in ("check.json", "summary.md"))
    # Runs of 2 s: start-up (imports) is a few percent of them, and varies
    # by itself; 5% leaves it out.
    run = peekpy.run(["check", base, new, "--min-share", "5%", "--json", report, "--markdown",
                      summary])
    check(run.returncode == 1, "exit %d, expected 1: %s%s" % (run.returncode, run.stdout,
                                                              run.stderr))
    rows = [l for l in run.stdout.splitlines() if "(app.py)" in l]
    check(rows and rows[0].startswith("parse (app.py)") and "SLOWER" in rows[0],
          "parse does not head the table as slower:\n%s" % run.stdout)
    # main's total time holds parse's, and may be slower too; no other
    # function's own time is.
    check(sum(" own " in l and "SLOWER" in l for l in rows) == 1,
          "more than parse is slower:\n%s" % run.stdout)
    check("noise: measured over 3 + 3 runs" in run.stdout, "runs not counted:\n%s" % run.stdout)
    with open(report) as fh:
        data = json.load(fh)
    check(data["result"] == "failed" and data["exit_status"] == 1, "JSON result: %r" % data)
    check(data["base"]["runs"] == 3 and data["new"]["runs"] == 3, "runs: %r" % data)
    first = data["rows"][0]
    check(first["dotted"] == "app.parse" and first["verdict"] == "SLOWER",
          "first JSON row: %r" % first)
    # Twice as costly, against the functions that kept still.
    check(1.7 < first["change"] + 1 < 2.3 and first["low"] > 0, "parse's change: %r" % first)
    with open(summary) as fh:
        markdown = fh.read()
    check(markdown.startswith("### peekpy check: failed"), "Markdown: %s" % markdown[:200])
    check("| `parse (app.py)` | own |" in markdown and "**SLOWER**" in markdown,
          "Markdown table: %s" % markdown)
    check("http" not in markdown and "](" not in markdown, "Markdown links out: %s" % markdown)

    svg = os.path.join(peekpy.workdir, "diff.svg")
    run = peekpy.run(["diff", base, new, "-o", svg])
    check(run.returncode == 0, "diff exit %d: %s" % (run.returncode, run.stderr))
    lint = subprocess.run(["xmllint", "--noout", svg], capture_output=True, text=True)
    check(lint.returncode == 0, "diff.svg is not valid XML: %s" % lint.stderr[-500:])
    with open(svg, encoding="utf-8") as fh:
        text = fh.read()
    # The diverging shades follow the 6 kinds x 16 shades; grey is 106.
    parse = svg_frame_colours(text, "parse (app.py)")
    check(parse and all(c > 106 for c in parse), "parse is not red: %r" % parse)
    others = svg_frame_colours(text, "render (app.py)") + svg_frame_colours(text, "transform (")
    check(others and all(c <= 106 for c in others), "render/transform drawn slower: %r" % others)
    check("P.b={" in text and 'id="before"' in text, "no Before view in diff.svg")
    lines = hover_lines(svg)
    split = lines.index("-- before --")
    parse = [l for l in lines[:split] if l.startswith("parse (app.py) \u2014 own: ")]
    check(parse and re.search(r"before \([\d,]+ samples\), .* after \([\d,]+ samples\), "
                              r"\+\d+\.\d% \(\+\d+\.\d% \.\. \+\d+\.\d%\), slower;",
                              parse[0]), "parse's hover line: %r" % parse)
    check(any(l.startswith("parse (app.py)") for l in lines[split + 1:]),
          "no parse frame in the Before view: %r" % lines[split + 1:])

    run = peekpy.run(["diff", base, new, "-f", "collapsed", "-o", "-"])
    line = [l for l in run.stdout.splitlines() if l.endswith(tuple("0123456789")) and
            ";parse (app.py) " in l]
    check(len(line) == 1, "no parse line in diff -f collapsed: %s" % run.stdout[-1000:])
    before, after = (int(x) for x in line[0].split()[-2:])
    check(after > 1.3 * before, "parse's counts: %s" % line[0])
    run = peekpy.run(["diff", base, new, "-f", "json", "-o", "-"])
    stacks = json.loads(run.stdout)["stacks"]
    parse = [s for s in stacks if s["frames"][-1] == "parse (app.py)"]
    check(parse and parse[0]["verdict"] == "SLOWER", "diff -f json: %r" % parse)


@once
def once_check_same_program_passes(interp, peekpy):
    """The same program on both sides: check passes (a threshold of 30%
    leaves no room for chance, with the noise measured over the runs).  One
    run a side is compared too, and the report says its noise is sampling
    error only."""
    base = record_app(peekpy, interp, "base.peek", rounds=3)
    new = record_app(peekpy, interp, "new.peek", rounds=3)
    run = peekpy.run(["check", "--threshold", "30%", "--min-share", "5%", base, new])
    check(run.returncode == 0, "exit %d: %s%s" % (run.returncode, run.stdout, run.stderr))
    check("result: no regression beyond 30%" in run.stdout, run.stdout)
    one = record_app(peekpy, interp, "one.peek", runs=1)
    another = record_app(peekpy, interp, "another.peek", runs=1)
    run = peekpy.run(["check", "--threshold", "30%", "--min-share", "5%", one, another])
    # A machine that stalls during one run moves time between functions,
    # and one run a side cannot see that: either verdict may come.
    check(run.returncode in (0, 1), "exit %d: %s%s" % (run.returncode, run.stdout, run.stderr))
    check("sampling error only" in run.stdout, "one run a side not said:\n%s" % run.stdout)


@once
def once_check_budgets(interp, peekpy):
    """Budgets on one recording, as a share and as a time per run."""
    new = record_app(peekpy, interp, "new.peek")
    run = peekpy.run(["check", new, "--budget", "app.parse=5%"])
    check(run.returncode == 1 and "budget app.parse=5%" in run.stdout and
          "EXCEEDED" in run.stdout, "exit %d: %s" % (run.returncode, run.stdout))
    run = peekpy.run(["check", new, "--budget", "app.parse=90%", "--budget", "*render*=10s"])
    check(run.returncode == 0, "exit %d: %s%s" % (run.returncode, run.stdout, run.stderr))
    run = peekpy.run(["check", new, "--budget", "app.*=1ms"])
    check(run.returncode == 1 and "(5 functions)" in run.stdout,
          "exit %d: %s" % (run.returncode, run.stdout))
    collapsed = os.path.join(peekpy.workdir, "new.txt")
    peekpy.run(["render", new, "-f", "collapsed", "-o", collapsed])
    one_line_error(peekpy.run(["check", collapsed, "--budget", "app.*=1ms"]),
                   "collapsed stacks hold no time", status=2)
    one_line_error(peekpy.run(["check", new, "--budget", "app.parse"]),
                   "--budget needs PATTERN=LIMIT", status=2)


@once
def once_check_cannot_compare(interp, peekpy):
    """Exit status 2 and one line, for each thing that makes a comparison
    impossible."""
    base = record_app(peekpy, interp, "base.peek", runs=1)
    one_line_error(peekpy.run(["check", base, "missing.peek"]), "cannot read 'missing.peek'",
                   status=2)
    cut = os.path.join(peekpy.workdir, "cut.peek")
    with open(base, "rb") as src, open(cut, "wb") as dst:
        data = src.read()
        dst.write(data[:len(data) * 2 // 3])
    one_line_error(peekpy.run(["check", base, cut]), "cut.peek:", status=2)
    garbage = os.path.join(peekpy.workdir, "garbage.txt")
    with open(garbage, "w") as fh:
        fh.write("main;parse 10\nthis is not a stack\n")
    one_line_error(peekpy.run(["diff", base, garbage]), "is not a collapsed stack", status=2)
    few = os.path.join(peekpy.workdir, "few.txt")
    with open(few, "w") as fh:
        fh.write("main (app.py:1);parse (app.py:2) 20\n")
    one_line_error(peekpy.run(["check", base, few]), "too few to compare", status=2)
    other = os.path.join(peekpy.workdir, "other.txt")
    with open(other, "w") as fh:
        fh.write("serve (web.py:1);handle (web.py:9) 900\n")
    one_line_error(peekpy.run(["check", base, other]), "look like different programs", status=2)
    one_line_error(peekpy.run(["check", "--threshold", "lots", base, base]),
                   "--threshold needs a percentage", status=2)
    one_line_error(peekpy.run(["check", base]), "check needs BASE and NEW", status=2)
    one_line_error(peekpy.run(["check", "--function", "(", base, base]),
                   "is not a regular expression", status=2)


@once
def once_record_repeat_runs_apart(interp, peekpy):
    """--repeat 3 runs the command three times (and once without it), and
    a recording keeps the runs apart."""
    marks = os.path.join(peekpy.workdir, "marks.txt")
    if os.path.exists(marks):   # from an earlier run of the tests
        os.unlink(marks)
    code = ("import time\nopen(%r, 'a').write('run\\n')\nend = time.time() + 0.5\n"
            "while time.time() < end: pass\n" % marks)
    script = os.path.join(peekpy.workdir, "marker.py")
    with open(script, "w") as fh:
        fh.write(code)
    path = os.path.join(peekpy.workdir, "three.peek")
    run = peekpy.run(["record", "--repeat", "3", "-f", "raw", "-o", path, "--"] +
                     interp.argv(script))
    check(run.returncode == 0, "exit %d: %s" % (run.returncode, run.stderr))
    with open(marks) as fh:
        check(fh.read().count("run") == 3, "the command did not run 3 times")
    info = subprocess.run([peekpy.path, "info", path], capture_output=True, text=True)
    check("runs:      3" in info.stdout, "info: %s" % info.stdout)
    os.unlink(marks)
    run = peekpy.run(["record", "-f", "raw", "-o", path, "--"] + interp.argv(script))
    with open(marks) as fh:
        check(fh.read().count("run") == 1, "without --repeat the command ran more than once")
    info = subprocess.run([peekpy.path, "info", path], capture_output=True, text=True)
    check("status:    complete" in info.stdout and "runs:" not in info.stdout,
          "info: %s" % info.stdout)
    # -d limits each run, and the next one starts.
    os.unlink(marks)
    with open(script, "w") as fh:
        fh.write(code.replace("0.5", "30"))
    run = peekpy.run(["record", "--repeat", "2", "-d", "0.5", "-f", "raw", "-o", path, "--"] +
                     interp.argv(script))
    check(run.returncode == 0, "exit %d: %s" % (run.returncode, run.stderr))
    with open(marks) as fh:
        check(fh.read().count("run") == 2, "-d ended the repeated runs")
    one_line_error(peekpy.run(["record", "--repeat", "2", "--pid", "1"]),
                   "--repeat runs a command again", status=2)


@once
def once_examples_ci_shell(interp, peekpy):
    """examples/ci/check.sh, the plain shell CI: a tree whose parse() got
    slower fails with a summary and a diff; the same tree passes."""
    base, new, same = (os.path.join(peekpy.workdir, n) for n in ("base", "new", "same"))
    for tree in (base, new, same):
        if os.path.exists(tree):
            shutil.rmtree(tree)
        shutil.copytree(EXAMPLE, tree)
    app = os.path.join(new, "app.py")
    with open(app) as fh:
        source = fh.read()
    check("parse(int(3000000 " in source, "examples/ci/app.py changed: update this test")
    with open(app, "w") as fh:
        fh.write(source.replace("parse(int(3000000 ", "parse(int(6000000 "))
    # Short runs: the interpreter's start-up (imports) is a few percent
    # of them, and differs between two trees for reasons of its own.
    env = dict(os.environ, PEEKPY=peekpy.path, PYTHON=" ".join(interp.argv()), RUNS="2",
               RATE="200", APP_ARGS="--rounds 2", MIN_SHARE="5%")
    script = os.path.join(EXAMPLE, "check.sh")
    out = os.path.join(peekpy.workdir, "slower")
    run = subprocess.run([script, base, new, out], env=env, capture_output=True, text=True,
                         timeout=timeout(300))
    check(run.returncode == 1, "exit %d, expected 1: %s%s" % (run.returncode, run.stdout,
                                                              run.stderr))
    with open(os.path.join(out, "summary.md")) as fh:
        check("| `parse (app.py)` | own |" in fh.read(), "no parse row in the summary")
    check(os.path.getsize(os.path.join(out, "diff.svg")) > 1000, "no diff.svg")
    out = os.path.join(peekpy.workdir, "unchanged")
    env["THRESHOLD"] = "30%"
    run = subprocess.run([script, base, same, out], env=env, capture_output=True, text=True,
                         timeout=timeout(300))
    check(run.returncode == 0, "exit %d, expected 0: %s%s" % (run.returncode, run.stdout,
                                                              run.stderr))
