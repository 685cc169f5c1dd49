#!/usr/bin/env python3
"""peekpy's integration tests: record real interpreters and check what came out.

The tests live in suites/, one file per subject (stacks, threads, processes,
outputs, top and dump, bad input), each registered where it is defined
(harness.per_interpreter, harness.once).  Runs every per-interpreter test
against every CPython this machine has (discovered: pyenv,
/usr/bin/pythonX.Y, and the interpreters scripts/targets.sh installed),
then the others once.  Every supported version without an interpreter here
is reported as SKIP.  Exit status 1 if anything failed.

  run.py --peekpy PATH [--only SUBSTRING | --python PATH] [-k TEST] [--jobs N]
"""
import argparse
import concurrent.futures
import glob
import importlib
import os
import subprocess
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from harness import (ONCE, PER_INTERPRETER, ROOT, SLOW, Interpreter, Peekpy,  # noqa: E402
                     TestFailure, TestSkip, discover, supported_versions, workdir)


def load_suites():
    """Import every suite: its tests register themselves."""
    for path in sorted(glob.glob(os.path.join(HERE, "suites", "*.py"))):
        importlib.import_module("suites." + os.path.basename(path)[:-3])


# --- runner -------------------------------------------------------------------

def run_test(test, interp, peekpy_path, base):
    peekpy = Peekpy(peekpy_path, workdir(base, interp.name if interp else "once", test.__name__))
    started = time.monotonic()
    try:
        test(interp, peekpy)
        status, detail = "PASS", ""
    except TestSkip as skip:
        status, detail = "SKIP", str(skip)
    except TestFailure as failure:
        status, detail = "FAIL", str(failure)
    except Exception:
        status, detail = "FAIL", traceback.format_exc()
    return status, detail, time.monotonic() - started


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--peekpy", required=True)
    ap.add_argument("--only", help="run interpreters whose name or version contains this")
    ap.add_argument("--python", metavar="PATH",
                    help="run the per-interpreter tests against this interpreter only")
    ap.add_argument("-k", help="run tests whose name contains this")
    ap.add_argument("--jobs", type=int, default=int(os.environ.get("PEEKPY_TEST_JOBS", "2")))
    ap.add_argument("--out", default=os.path.join(ROOT, "build", "test-output"))
    args = ap.parse_args()
    args.peekpy = os.path.abspath(args.peekpy)   # tests run in other directories
    if args.python and args.only:
        ap.error("give --python or --only, not both")
    load_suites()
    chosen = bool(args.python or args.only)   # not every interpreter: no SKIP per version

    run_id = "%d" % os.getpid()
    interps, results = [], []
    found = [Interpreter("given-" + os.path.basename(args.python), os.path.abspath(args.python))] \
        if args.python else discover()
    for interp in found:
        try:
            interp.probe()
        except TestSkip as skip:
            results.append(("SKIP", interp.name, "interpreter", str(skip), 0))
            continue
        if args.only and args.only not in interp.label:
            continue
        interp.install_scripts(run_id)
        interps.append(interp)
    have = {(i.version[0], i.version[1], i.free_threaded) for i in interps}
    for major, minor, ft in sorted(supported_versions()):
        if (major, minor, ft) not in have and not chosen:
            results.append(("SKIP", "CPython %d.%d%s" % (major, minor, "t" if ft else ""),
                            "all tests", "no such interpreter on this machine "
                            "(see scripts/targets.sh; make targets-full builds the free-threaded ones)", 0))

    jobs = []
    for interp in interps:
        for test in sorted(PER_INTERPRETER, key=lambda test: test not in SLOW):
            if not args.k or args.k in test.__name__:
                jobs.append((test, interp))
    host = next((i for i in interps if i.name.startswith("debian-python3")), None) or \
        (interps[0] if interps else None)
    for test in ONCE:
        if host and (not args.k or args.k in test.__name__) and not chosen:
            jobs.append((test, host))

    print("peekpy integration tests: %d interpreters, %d test runs, %d at a time"
          % (len(interps), len(jobs), args.jobs), flush=True)
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        futures = {pool.submit(run_test, test, interp, args.peekpy, args.out): (test, interp)
                   for test, interp in jobs}
        for future in concurrent.futures.as_completed(futures):
            test, interp = futures[future]
            status, detail, seconds = future.result()
            where = interp.label if test in PER_INTERPRETER else "once"
            results.append((status, where, test.__name__, detail, seconds))
            line = "%s %-36s %-34s %5.1fs" % (status, where, test.__name__, seconds)
            if status != "PASS":
                line += "\n      " + detail.replace("\n", "\n      ")
            print(line, flush=True)
    for interp in interps:
        if interp.chroot and interp.scripts:
            subprocess.run(["rm", "-rf", interp.chroot + interp.scripts])

    counts = {s: sum(1 for r in results if r[0] == s) for s in ("PASS", "FAIL", "SKIP")}
    print()
    for status, where, name, detail, _ in sorted(results):
        if status == "SKIP":
            print("SKIP %s: %s: %s" % (where, name, detail))
    print("%d passed, %d failed, %d skipped" % (counts["PASS"], counts["FAIL"], counts["SKIP"]))
    sys.exit(1 if counts["FAIL"] else 0)


if __name__ == "__main__":
    main()
