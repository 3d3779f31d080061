#!/usr/bin/python3
"""Training curves from cnn and Caffe logs, drawn with matplotlib (`cnn plot`).

Reads, per file, whichever form it holds:
  * cnn's JSON Lines log (`cnn train --log_json`),
  * glog text as cnn or BVLC Caffe write it, with either date prefix
    (I1123 12:00:00.000000 ... or I20261123 12:00:00.000000 ...).
Each metric gets its own panel; every run is one colour, train curves solid,
test curves dashed. The output's extension (.png, .svg, .pdf) picks the format.
"""
import argparse
import datetime
import json
import os
import re
import sys

GLOG = re.compile(r"^[IWEF](\d{4}|\d{8}) (\d\d):(\d\d):(\d\d)(?:\.(\d+))?\s+\S+\s+\S+\] (.*)$")
DISPLAY = re.compile(r"^Iteration (\d+)(?: \(([^)]*)\))?, loss = (\S+)")
TESTING = re.compile(r"^Iteration (\d+), Testing net \(#(\d+)\)")
OUTPUT = re.compile(r"^\s*(Train|Test) net output #\d+: (\S+) = (\S+)")
LR = re.compile(r"^Iteration (\d+), lr = (\S+)")


class Run:
    def __init__(self, label):
        self.label = label
        self.series = {}  # (phase, metric) -> [(iteration, seconds, value)]

    def add(self, phase, metric, iteration, seconds, value):
        self.series.setdefault((phase, metric), []).append((iteration, seconds, value))


def fail(message):
    sys.stderr.write("cnn plot: " + message + "\n")
    sys.exit(1)


def number(text):
    try:
        return float(text)
    except ValueError:
        return float("nan")


def glog_seconds(date, h, m, s, frac):
    # Caffe's older glog prints MMDD, newer ones YYYYMMDD; a year is assumed
    # for the first so a run across midnight still counts forward.
    year, md = (int(date[:4]), date[4:]) if len(date) == 8 else (2000, date)
    try:
        d = datetime.datetime(year, int(md[:2]), int(md[2:]), int(h), int(m), int(s))
    except ValueError:
        return None
    return d.timestamp() + (float("0." + frac) if frac else 0.0)


def read_json(path, lines, run):
    start = None
    for n, line in enumerate(lines, 1):
        line = line.strip()
        if not line:
            continue
        try:
            e = json.loads(line)
        except ValueError as err:
            fail("%s:%d: not a JSON object (%s)" % (path, n, err))
        if not isinstance(e, dict) or "event" not in e or "iter" not in e:
            fail("%s:%d: a JSON line without \"event\" and \"iter\"" % (path, n))
        t = e.get("elapsed_s", e.get("time"))
        if start is None and t is not None:
            start = t
        secs = (t - start) if t is not None else None
        it = e["iter"]
        if e["event"] == "train":
            if e.get("loss") is not None:
                run.add("train", "loss", it, secs, e["loss"])
            for k, v in e.get("outputs", {}).items():
                if k != "loss" and v is not None:
                    run.add("train", k, it, secs, v)
            if e.get("lr") is not None:
                run.add("train", "lr", it, secs, e["lr"])
        elif e["event"] == "test":
            phase = "test" if e.get("net", 0) == 0 else "test#%d" % e["net"]
            for k, v in e.get("outputs", {}).items():
                if v is not None:
                    run.add(phase, k, it, secs, v)


def read_glog(path, lines, run):
    start = None
    test_iter, test_net, seen = None, 0, False
    display_iter = None
    for line in lines:
        g = GLOG.match(line.rstrip("\n"))
        if not g:
            continue
        seen = True
        t = glog_seconds(*g.groups()[:5])
        if start is None and t is not None:
            start = t
        secs = t - start if t is not None and start is not None else None
        msg = g.group(6)
        m = TESTING.match(msg)
        if m:
            test_iter, test_net = int(m.group(1)), int(m.group(2))
            continue
        m = LR.match(msg)
        if m:
            run.add("train", "lr", int(m.group(1)), secs, number(m.group(2)))
            continue
        m = DISPLAY.match(msg)
        if m:
            display_iter = int(m.group(1))
            run.add("train", "loss", display_iter, secs, number(m.group(3)))
            test_iter = None
            continue
        m = OUTPUT.match(msg)
        if m:
            kind, name, value = m.group(1), m.group(2), number(m.group(3))
            if kind == "Test" and test_iter is not None:
                phase = "test" if test_net == 0 else "test#%d" % test_net
                run.add(phase, name, test_iter, secs, value)
            elif kind == "Train" and display_iter is not None and name != "loss":
                run.add("train", name, display_iter, secs, value)
    if not seen:
        fail("%s: neither a JSON log nor glog lines (I1123 12:00:00 ... or I20261123 12:00:00 ...)" % path)


def read_log(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            lines = f.readlines()
    except OSError as err:
        fail("cannot read '%s': %s" % (path, err.strerror))
    run = Run(os.path.basename(path))
    first = next((l for l in lines if l.strip()), "")
    if first.lstrip().startswith("{"):
        read_json(path, lines, run)
    else:
        read_glog(path, lines, run)
    if not run.series:
        fail("%s: no training or test figures found" % path)
    return run


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("logs", nargs="+")
    p.add_argument("--out", required=True)
    p.add_argument("--metrics", default="", help="comma-separated metric names (default: all but lr)")
    p.add_argument("--x", default="iteration", choices=["iteration", "seconds"])
    a = p.parse_args()
    ext = os.path.splitext(a.out)[1].lower()
    if ext not in (".png", ".svg", ".pdf"):
        fail("--out must end in .png, .svg or .pdf, got '%s'" % a.out)
    runs = [read_log(path) for path in a.logs]
    wanted = [m for m in a.metrics.split(",") if m]
    present = []
    for r in runs:
        for (_, metric) in r.series:
            if metric not in present:
                present.append(metric)
    if wanted:
        missing = [m for m in wanted if m not in present]
        if missing:
            fail("no metric named %s in the logs; they have: %s" % (", ".join(missing), ", ".join(present)))
        metrics = wanted
    else:
        metrics = [m for m in present if m != "lr"] or present
    # Loss first, then the rest in the order the logs name them.
    metrics.sort(key=lambda m: (m != "loss",))

    # Imported only now: the logs and metrics are checked in a moment, the import takes seconds.
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        fail("matplotlib is not installed (Debian: apt-get install python3-matplotlib)")

    column = 0 if a.x == "iteration" else 1
    fig, axes = plt.subplots(len(metrics), 1, figsize=(8, 3 * len(metrics)), sharex=True, squeeze=False)
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for panel, metric in zip(axes[:, 0], metrics):
        for i, r in enumerate(runs):
            for (phase, name), points in sorted(r.series.items()):
                if name != metric:
                    continue
                pts = [(pt[column], pt[2]) for pt in points if pt[column] is not None]
                if not pts:
                    continue
                xs, ys = zip(*pts)
                style = "-" if phase == "train" else "--"
                panel.plot(xs, ys, style, color=colours[i % len(colours)], marker="" if len(xs) > 30 else ".",
                           label="%s: %s %s" % (r.label, phase, name))
        panel.set_ylabel(metric)
        if metric in ("loss", "lr"):
            positive = all(v > 0 for r in runs for (ph, n), pts in r.series.items() if n == metric for (_, _, v) in pts)
            if positive:
                panel.set_yscale("log")
        panel.grid(True, alpha=0.3)
        panel.legend(fontsize="small")
    axes[-1, 0].set_xlabel("iteration" if column == 0 else "seconds")
    fig.tight_layout()
    try:
        fig.savefig(a.out)
    except OSError as err:
        fail("cannot write '%s': %s" % (a.out, err.strerror))


if __name__ == "__main__":
    main()
