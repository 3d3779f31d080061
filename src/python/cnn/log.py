"""Training logs as tables (what pycaffe users ran tools/extra/parse_log.py for).

Reads, per file, whichever form it holds:
  * cnn's JSON Lines log (`cnn train --log_json`),
  * glog text as cnn or BVLC Caffe write it, with either date prefix
    (I1123 12:00:00.000000 ... or I20261123 12:00:00.000000 ...).

    train, test = cnn.log.parse_log('train.log')
    train[0]  # {'NumIters': 0, 'Seconds': 0.0, 'LearningRate': 0.01, 'loss': 2.3}

`python3 -m cnn.log LOG [OUT_DIR]` writes LOG.train and LOG.test as CSV, as
parse_log.py does. `cnn plot` (tools/plot/cnn_plot.py) reads logs with this
module; it has no other dependency, so it loads without the rest of cnn.
"""
import csv
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
            _bad("%s:%d: not a JSON object (%s)" % (path, n, err))
        if not isinstance(e, dict) or "event" not in e or "iter" not in e:
            _bad("%s:%d: a JSON line without \"event\" and \"iter\"" % (path, n))
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
        _bad("%s: neither a JSON log nor glog lines (I1123 12:00:00 ... or I20261123 12:00:00 ...)" % path)


def read_log(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            lines = f.readlines()
    except OSError as err:
        _bad("cannot read '%s': %s" % (path, err.strerror))
    run = Run(os.path.basename(path))
    first = next((l for l in lines if l.strip()), "")
    if first.lstrip().startswith("{"):
        read_json(path, lines, run)
    else:
        read_glog(path, lines, run)
    if not run.series:
        _bad("%s: no training or test figures found" % path)
    return run




def _bad(message):
    raise ValueError(message)


def tables(run, test_net=0):
    """(train rows, test rows) of a read log: one dict per iteration with
    NumIters, Seconds (since the first line), LearningRate (train) and every
    output named in the log, in pycaffe's parse_log layout."""
    phases = {'train': 'train', ('test' if test_net == 0 else 'test#%d' % test_net): 'test'}
    rows = {'train': {}, 'test': {}}
    for (phase, metric), points in run.series.items():
        if phase not in phases:
            continue
        table = rows[phases[phase]]
        for iteration, seconds, value in points:
            row = table.setdefault(iteration, {'NumIters': iteration, 'Seconds': seconds})
            if row['Seconds'] is None:
                row['Seconds'] = seconds
            row['LearningRate' if metric == 'lr' else metric] = value
    return ([rows['train'][i] for i in sorted(rows['train'])], [rows['test'][i] for i in sorted(rows['test'])])


def parse_log(path, test_net=0):
    """(train rows, test rows) of a cnn or Caffe log; ValueError when the file
    holds neither, OSError when it cannot be read."""
    return tables(read_log(path), test_net)


def write_csv(rows, path):
    columns = []
    for row in rows:
        columns += [k for k in row if k not in columns]
    with open(path, 'w', newline='') as f:
        writer = csv.DictWriter(f, columns, restval='')
        writer.writeheader()
        writer.writerows(rows)


def main(argv):
    if len(argv) not in (1, 2):
        sys.stderr.write('usage: python3 -m cnn.log LOG [OUT_DIR]  (writes LOG.train and LOG.test as CSV)\n')
        return 1
    try:
        train, test = parse_log(argv[0])
        out = os.path.join(argv[1] if len(argv) == 2 else os.path.dirname(argv[0]) or '.', os.path.basename(argv[0]))
        write_csv(train, out + '.train')
        write_csv(test, out + '.test')
    except (OSError, ValueError) as e:
        sys.stderr.write('cnn.log: {}\n'.format(e))
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
