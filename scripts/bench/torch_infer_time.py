#!/usr/bin/python3
"""Inference time of a prototxt net in PyTorch, as `cnn time --phase=TEST --forward_only` times cnn.

    /usr/bin/python3 scripts/bench/torch_infer_time.py NET.prototxt [--batch B] [--threads T]
        [--iterations N] [--input C,H,W]

Builds the net with ../shared/bench/torch_time.py's parser and modules (random weights), puts it
in eval mode (BatchNorm normalises with its running statistics, as cnn's TEST phase with its
stored ones) and times the forward pass under torch.no_grad() after one warm-up pass. Prints
the same summary lines as torch_time.py and `cnn time`, the forward-backward line equal to the
forward one (nothing runs backward), so scripts/bench/cpu_time.sh reads either the same way.
"""
import argparse
import os
import sys
import time

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', '..', '..', 'shared', 'bench'))
import torch_time  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('model')
    ap.add_argument('--batch', type=int, default=0, help='override the batch size')
    ap.add_argument('--threads', type=int, default=0, help='0: all cores')
    ap.add_argument('--iterations', type=int, default=10)
    ap.add_argument('--input', default='', help='C,H,W for nets whose first layer is a Data layer')
    a = ap.parse_args()
    torch.set_num_threads(a.threads or torch.multiprocessing.cpu_count())
    torch.manual_seed(0)
    chw = [int(x) for x in a.input.split(',')] if a.input else [3, 32, 32]
    net = torch_time.Net(torch_time.parse(open(a.model).read()), a.batch, chw).eval()
    feeds = {}
    for name, dims in net.inputs.items():
        feeds[name] = torch.randint(0, 10, dims) if name in net.label_blobs else torch.randn(*dims)
    batch = next(iter(net.inputs.values()))[0]
    total = 0.0
    with torch.no_grad():
        for it in range(a.iterations + 1):
            t0 = time.perf_counter()
            net(feeds)
            if it > 0:  # the first pass is a warm-up
                total += time.perf_counter() - t0
    ms = 1e3 * total / a.iterations
    print('torch %s, %d threads, batch %d, %d iterations, eval() under no_grad()'
          % (torch.__version__, torch.get_num_threads(), batch, a.iterations))
    print('Average Forward pass: %.3f ms.' % ms)
    print('Average Forward-Backward: %.3f ms.' % ms)
    print('Images per second (forward): %.1f' % (batch * a.iterations / total))


if __name__ == '__main__':
    main()
