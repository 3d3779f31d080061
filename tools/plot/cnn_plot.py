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
import importlib.util
import os
import sys

# The log reading is shared with the Python package (cnn.log): from the
# source tree it is src/python/cnn/log.py, installed it sits beside this file.
_HERE = os.path.dirname(os.path.abspath(__file__))
_LOG_MODULE = next((p for p in (os.path.join(_HERE, "cnn_log.py"),
                                os.path.join(_HERE, "..", "..", "src", "python", "cnn", "log.py"))
                    if os.path.exists(p)), None)


def fail(message):
    sys.stderr.write("cnn plot: " + message + "\n")
    sys.exit(1)


def load_log_module():
    if _LOG_MODULE is None:
        fail("cannot find the log reader cnn_log.py beside %s (or src/python/cnn/log.py)" % __file__)
    spec = importlib.util.spec_from_file_location("cnn_log", _LOG_MODULE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def read_log(path):
    try:
        return load_log_module().read_log(path)
    except ValueError as err:
        fail(str(err))


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
