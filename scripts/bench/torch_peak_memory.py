#!/usr/bin/python3
"""Peak resident memory (VmHWM) of a prototxt net in PyTorch, in a fresh process.

    /usr/bin/python3 scripts/bench/torch_peak_memory.py NET.prototxt [--batch B] [--threads T]
        [--train] [--input C,H,W] [--iterations N]

Builds the net with ../shared/bench/torch_time.py's parser and modules (random weights), then
runs it on the CPU: forward only under torch.no_grad() (the default), or with --train a
forward, backward and SGD step per iteration. The deploy forward drops each blob after its
last reader, as eager PyTorch code that chains modules does (torch_time.py's dict keeps every
blob alive until the end, which is not what a deployed model pays). Prints the peak resident
memory after `import torch`, after the weights exist, and at the end, in MiB.
"""
import argparse
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', '..', '..', 'shared', 'bench'))
import torch_time  # noqa: E402


def vm_hwm_mib():
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith('VmHWM:'):
                return int(line.split()[1]) / 1024.0
    raise RuntimeError('no VmHWM in /proc/self/status')


def forward_dropping(net, feeds):
    """The deploy forward, each blob released once its last reader has run."""
    last_use = {}
    for i, (_, _, _, bottoms, _) in enumerate(net.layers):
        for b in bottoms:
            last_use[b] = i
    final = net.layers[-1][4][0]
    blobs = dict(feeds)
    for i, (_, t, mod, bottoms, tops) in enumerate(net.layers):
        args = [blobs[b] for b in bottoms]
        y = mod(*args) if t in ('Concat', 'Eltwise') else mod(args[0])
        del args
        for b in set(bottoms):
            if last_use[b] == i and b != final:
                del blobs[b]
        blobs[tops[0]] = y
        del y
    return blobs[final]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('model')
    ap.add_argument('--batch', type=int, default=0, help='override the batch size')
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--train', action='store_true', help='forward, backward and SGD step')
    ap.add_argument('--input', default='', help='C,H,W for nets whose first layer is a Data layer')
    ap.add_argument('--iterations', type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    after_import = vm_hwm_mib()
    chw = [int(x) for x in a.input.split(',')] if a.input else [3, 32, 32]
    net = torch_time.Net(torch_time.parse(open(a.model).read()), a.batch, chw)
    feeds = {}
    for name, dims in net.inputs.items():
        feeds[name] = torch.randint(0, 10, dims) if name in net.label_blobs else torch.randn(*dims)
    after_weights = vm_hwm_mib()
    batch = next(iter(net.inputs.values()))[0]
    if a.train:
        opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
        for _ in range(a.iterations):
            opt.zero_grad(set_to_none=False)
            net(feeds).backward()
            opt.step()
    else:
        with torch.no_grad():
            for _ in range(a.iterations):
                out = forward_dropping(net, feeds)
                del out
    print('torch %s, %d threads, batch %d, %s' % (torch.__version__, torch.get_num_threads(), batch,
                                                  'training' if a.train else 'forward under no_grad'))
    print('Peak resident memory after import torch: %.1f MiB' % after_import)
    print('Peak resident memory with weights and inputs: %.1f MiB' % after_weights)
    print('Peak resident memory: %.1f MiB' % vm_hwm_mib())


if __name__ == '__main__':
    main()
