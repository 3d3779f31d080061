#!/usr/bin/env python3
"""Times net.forward() from Python against `cnn time`'s forward pass on the
same deploy net (the issue's target: at most 2% more), and the import of the
module.

    PYTHONPATH=build/python /usr/bin/python3 scripts/bench/python_forward.py \
        [--iterations 50] [--batch 1,10] [--repeats 3] [models/lenet/deploy.prototxt models/alexnet/deploy.prototxt ...]

Run on an idle machine: both sides are timed in the same run, alternating
(--repeats rounds of Python then the tool), with the same thread settings
(the tool runs with OMP_WAIT_POLICY=PASSIVE unless told otherwise, so this
process does too). --batch reshapes the input (the tool's --batch).
"""
import argparse
import os
import re
import subprocess
import sys
import time

# Before the OpenMP runtime loads (with cnn), as the tool sets it for itself.
os.environ.setdefault('OMP_WAIT_POLICY', 'PASSIVE')


def tool_forward_ms(tool, model, iterations, batch):
    args = [tool, 'time', '--model=' + model, '--phase=TEST', '--iterations=%d' % iterations]
    if batch:
        args.append('--batch=%d' % batch)
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    return float(re.search(r'Average Forward pass: ([0-9.]+) ms', out).group(1))


def main():
    root = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
    ap = argparse.ArgumentParser()
    ap.add_argument('models', nargs='*', default=[os.path.join(root, 'models', 'lenet', 'deploy.prototxt')])
    ap.add_argument('--iterations', type=int, default=50)
    ap.add_argument('--tool', default=os.path.join(root, 'build', 'tools', 'cnn'))
    ap.add_argument('--batch', default='', help='comma-separated batch sizes (default: the net\'s own)')
    ap.add_argument('--repeats', type=int, default=1)
    args = ap.parse_args()

    start = time.perf_counter()
    import cnn
    import numpy as np
    print('import cnn: %.3f s' % (time.perf_counter() - start))
    with open('/proc/self/status') as f:
        rss = [l for l in f if l.startswith('VmRSS')][0].split()[1]
    print('resident after import: %.1f MiB' % (int(rss) / 1024.0))

    batches = [int(b) for b in args.batch.split(',') if b] or [0]
    for model in args.models:
        for batch in batches:
            net = cnn.Net(model, cnn.TEST)
            if batch:
                for name in net.inputs:
                    net.blobs[name].reshape(batch, *net.blobs[name].data.shape[1:])
                net.reshape()
            rng = np.random.RandomState(0)
            for name in net.inputs:
                net.blobs[name].data[...] = rng.rand(*net.blobs[name].data.shape)
            net.forward()  # warm-up, as the tool's
            py, tool = [], []
            for _ in range(args.repeats):
                t0 = time.perf_counter()
                for _ in range(args.iterations):
                    net.forward()
                py.append((time.perf_counter() - t0) * 1000 / args.iterations)
                tool.append(tool_forward_ms(args.tool, model, args.iterations, batch))
            py_ms, tool_ms = sorted(py)[len(py) // 2], sorted(tool)[len(tool) // 2]
            print('%s batch %s: Python net.forward() %.3f ms, cnn time forward %.3f ms, ratio %.3f '
                  '(medians of %d rounds; Python %s, tool %s)'
                  % (model, batch or 'as given', py_ms, tool_ms, py_ms / tool_ms, args.repeats,
                     ' '.join('%.1f' % v for v in py), ' '.join('%.1f' % v for v in tool)))

if __name__ == '__main__':
    sys.exit(main())
