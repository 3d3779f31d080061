#!/usr/bin/env python3
"""Times net.forward() from Python against `cnn time`'s forward pass on the
same deploy net (the issue's target: at most 2% more), and the import of the
module.

    PYTHONPATH=build/python /usr/bin/python3 scripts/bench/python_forward.py \
        [--iterations 50] [models/lenet/deploy.prototxt models/alexnet/deploy.prototxt ...]

Run on an idle machine: both sides are timed in the same run, one after the
other, with the same thread settings.
"""
import argparse
import os
import re
import subprocess
import sys
import time


def tool_forward_ms(tool, model, iterations):
    out = subprocess.run([tool, 'time', '--model=' + model, '--phase=TEST', '--iterations=%d' % iterations],
                         check=True, capture_output=True, text=True).stdout
    return float(re.search(r'Average Forward pass: ([0-9.]+) ms', out).group(1))


def main():
    root = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
    ap = argparse.ArgumentParser()
    ap.add_argument('models', nargs='*', default=[os.path.join(root, 'models', 'lenet', 'deploy.prototxt')])
    ap.add_argument('--iterations', type=int, default=50)
    ap.add_argument('--tool', default=os.path.join(root, 'build', 'tools', 'cnn'))
    args = ap.parse_args()

    start = time.perf_counter()
    import cnn
    import numpy as np
    print('import cnn: %.3f s' % (time.perf_counter() - start))
    with open('/proc/self/status') as f:
        rss = [l for l in f if l.startswith('VmRSS')][0].split()[1]
    print('resident after import: %.1f MiB' % (int(rss) / 1024.0))

    for model in args.models:
        net = cnn.Net(model, cnn.TEST)
        rng = np.random.RandomState(0)
        for name in net.inputs:
            net.blobs[name].data[...] = rng.rand(*net.blobs[name].data.shape)
        net.forward()
        t0 = time.perf_counter()
        for _ in range(args.iterations):
            net.forward()
        py_ms = (time.perf_counter() - t0) * 1000 / args.iterations
        tool_ms = tool_forward_ms(args.tool, model, args.iterations)
        print('%s: Python net.forward() %.3f ms, cnn time forward %.3f ms, ratio %.3f'
              % (model, py_ms, tool_ms, py_ms / tool_ms))


if __name__ == '__main__':
    sys.exit(main())
