"""What the suites share: markers in the target scripts, stacks out of
runs, errors as peekpy words them."""
import os
import re
import select
import shutil
import subprocess
import time

from harness import TARGET_SOURCES, TestFailure, check, timeout


def marked_line(script, marker):
    with open(os.path.join(TARGET_SOURCES, script), encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            if "# " + marker in line:
                return number
    raise KeyError(marker)


def def_line(script, name):
    with open(os.path.join(TARGET_SOURCES, script), encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            if re.match(r"\s*def %s\(" % name, line):
                return number
    raise KeyError(name)


def frame_text(name, path, line):
    return "%s (%s:%d)" % (name, path, line)


def root_task(interp):
    """The name peekpy gives asyncio.run's task: 3.7's tasks have no names,
    and are named by their coroutine's function."""
    return 'task "Task-1"' if interp.version >= (3, 8) else 'task "main"'


def unstarted_helper():
    """tasks.py's helper task as it is between its making and crunch's
    await: not begun, at its def line, a root of its own for that moment."""
    return frame_text("helper", "tasks.py", marked_line("tasks.py", "HELPER_SPIN") - 1)


def qualname(interp, qualified, plain):
    return qualified if interp.version >= (3, 11) else plain


def workload_shares(run, interp):
    spin = marked_line("workload.py", "SPIN_LINE")
    parts = {"heavy": 0, "medium": 0, "light": 0}
    light = qualname(interp, "Light.run", "run")
    calls = {
        "heavy": frame_text("heavy", "workload.py", marked_line("workload.py", "HEAVY_CALL")),
        "medium": frame_text("medium", "workload.py", marked_line("workload.py", "MEDIUM_CALL")),
        "light": frame_text(light, "workload.py", marked_line("workload.py", "LIGHT_CALL")),
    }
    for stack, count in run.stacks().items():
        for part, call in calls.items():
            if len(stack) >= 2 and stack[-2] == call and stack[-1].startswith("spin (workload.py:"):
                parts[part] += count
    total = sum(parts.values())
    check(total > 0, "no samples in heavy/medium/light; output:\n%s" % run.output[:2000])
    check(any(s[-1] == frame_text("spin", "workload.py", spin) for s in run.stacks()),
          "no sample on the spin loop line %d" % spin)
    return {k: v / float(total) for k, v in parts.items()}, total


def one_line_error(run, needle, status=1):
    lines = [l for l in run.stderr.splitlines() if l.strip()]
    check(run.returncode == status, "exit %d, expected %d: %s" % (run.returncode, status,
                                                                   run.stderr))
    check(len(lines) == 1, "expected one line on stderr, got %d: %r" % (len(lines), run.stderr))
    check(needle in lines[0], "expected %r in %r" % (needle, lines[0]))


def wait_stderr_line(proc, needle, seconds=30):
    """Read proc's stderr until needle appears; what was read."""
    deadline = time.monotonic() + timeout(seconds)
    seen = b""
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stderr], [], [], 0.5)
        if ready:
            chunk = os.read(proc.stderr.fileno(), 4096)
            if not chunk:
                break
            seen += chunk
            if needle.encode() in seen:
                return seen
    raise TestFailure("peekpy never printed %r; stderr: %r" % (needle, seen[-300:]))


def page_text(page, element_id, profile_dir):
    """The text of <pre id="element_id"> after headless Chromium loaded the
    local page (which may load files beside it) and ran its scripts, with
    HTML's escapes undone; fails when the page wrote none."""
    chromium = shutil.which("chromium")
    check(chromium, "chromium is missing (scripts/deps.sh test installs it)")
    dom = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu",
                          "--allow-file-access-from-files", "--virtual-time-budget=10000",
                          "--user-data-dir=" + profile_dir, "--dump-dom", "file://" + page],
                         capture_output=True, text=True, timeout=timeout(120))
    m = re.search(r'<pre id="%s">(.*?)</pre>' % re.escape(element_id), dom.stdout, re.S)
    check(m and m.group(1).strip(), "no %s from %s: %s"
          % (element_id, page, dom.stdout[-500:] + dom.stderr[-500:]))
    return m.group(1).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def png_pixels(path):
    """A PNG's (width, height, pixel(x, y) -> (r, g, b)): 8-bit RGB or RGBA,
    not interlaced, as Chromium writes screenshots."""
    import struct
    import zlib
    with open(path, "rb") as fh:
        data = fh.read()
    check(data[:8] == b"\x89PNG\r\n\x1a\n", "%s is not a PNG" % path)
    at, idat, header = 8, b"", None
    while at < len(data):
        length, kind = struct.unpack(">I4s", data[at:at + 8])
        body = data[at + 8:at + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        at += 12 + length
    width, height, depth, colour, _, _, interlace = header
    check(depth == 8 and colour in (2, 6) and not interlace,
          "%s: a PNG this reader does not take (depth %d, colour %d)" % (path, depth, colour))
    step = 3 if colour == 2 else 4
    raw, stride = zlib.decompress(idat), width * step
    rows, previous = [], bytearray(stride)
    for y in range(height):
        kind, row = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            left = row[i - step] if i >= step else 0
            up, corner = previous[i], previous[i - step] if i >= step else 0
            if kind == 1:
                row[i] = (row[i] + left) & 255
            elif kind == 2:
                row[i] = (row[i] + up) & 255
            elif kind == 3:
                row[i] = (row[i] + (left + up) // 2) & 255
            elif kind == 4:
                guess = left + up - corner
                pa, pb, pc = abs(guess - left), abs(guess - up), abs(guess - corner)
                row[i] = (row[i] + (left if pa <= pb and pa <= pc else up if pb <= pc
                                    else corner)) & 255
        rows.append(row)
        previous = row
    return width, height, lambda x, y: tuple(rows[y][x * step:x * step + 3])
