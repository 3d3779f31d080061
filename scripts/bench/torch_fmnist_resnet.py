#!/usr/bin/python3
"""The recipe of models/fmnist_resnet in PyTorch, the peer figure for
scripts/bench/fmnist_resnet.sh: the same net (3x3 conv 16, three stages of two
basic residual units of 16/32/64 channels with BatchNorm, global average pool,
10-way classifier), the same data (Debian's Fashion-MNIST idx files, pixels
scaled by 1/256, batch 128 in file order), the same solver (SGD with Caffe's
momentum form v = m*v + lr*g, momentum 0.9, weight decay 5e-4 on weights and
none on biases and BatchNorm, bias lr x2, lr 0.1 divided by 10 at 3,000 and
4,500 of 6,000 iterations). BatchNorm uses PyTorch's momentum 0.1 where Caffe
uses a 0.999 running sum; both evaluate with the stored statistics.

    /usr/bin/python3 scripts/bench/torch_fmnist_resnet.py [--iterations 6000] [--threads 2]

Prints the final test accuracy, the wall time and peak RSS.
"""
import argparse
import gzip
import resource
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = '/usr/share/datasets/fashion-mnist/'


def idx(path):
    with gzip.open(path) as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], 'big') for i in range(dims)]
    return np.frombuffer(data, np.uint8, offset=4 + 4 * dims).reshape(shape)


class Unit(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.a = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn_a = nn.BatchNorm2d(cout)
        self.b = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn_b = nn.BatchNorm2d(cout)
        self.project = None
        if stride != 1 or cin != cout:
            self.project = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = F.relu(self.bn_a(self.a(x)))
        y = self.bn_b(self.b(y))
        return F.relu(y + (self.project(x) if self.project is not None else x))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        units, cin = [], 16
        for s, width in enumerate((16, 32, 64)):
            for u in range(2):
                units.append(Unit(cin, width, 2 if (u == 0 and s > 0) else 1))
                cin = width
        self.units = nn.Sequential(*units)
        self.fc = nn.Linear(64, 10)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode='fan_in', nonlinearity='relu')
        nn.init.kaiming_normal_(self.fc.weight, mode='fan_in')
        nn.init.zeros_(self.fc.bias)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = self.units(x)
        return self.fc(F.adaptive_avg_pool2d(x, 1).flatten(1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--iterations', type=int, default=6000)
    ap.add_argument('--threads', type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1701)
    xtr = torch.from_numpy(idx(ROOT + 'train-images-idx3-ubyte.gz').astype(np.float32) / 256.0).unsqueeze(1)
    ytr = torch.from_numpy(idx(ROOT + 'train-labels-idx1-ubyte.gz').astype(np.int64))
    xte = torch.from_numpy(idx(ROOT + 't10k-images-idx3-ubyte.gz').astype(np.float32) / 256.0).unsqueeze(1)
    yte = torch.from_numpy(idx(ROOT + 't10k-labels-idx1-ubyte.gz').astype(np.int64))
    net = Net()
    decayed, plain, biases = [], [], []
    for name, p in net.named_parameters():
        if 'bn' in name or '.1.' in name:  # BatchNorm affine (Caffe's Scale): no decay
            plain.append(p)
        elif name.endswith('bias'):
            biases.append(p)
        else:
            decayed.append(p)
    velocity = {p: torch.zeros_like(p) for p in net.parameters()}
    batch, start = 128, time.time()
    for it in range(a.iterations):
        lr = 0.1 * (0.1 ** sum(it >= s for s in (3000, 4500)))
        lo = (it * batch) % xtr.shape[0]
        idxs = torch.arange(lo, lo + batch) % xtr.shape[0]
        net.train()
        loss = F.cross_entropy(net(xtr[idxs]), ytr[idxs])
        net.zero_grad()
        loss.backward()
        with torch.no_grad():
            for group, decay, mult in ((decayed, 5e-4, 1.0), (plain, 0.0, 1.0), (biases, 0.0, 2.0)):
                for p in group:
                    g = p.grad + decay * p
                    v = velocity[p]
                    v.mul_(0.9).add_(g, alpha=lr * mult)
                    p.sub_(v)
        if (it + 1) % 1000 == 0:
            print('iteration %d, loss %.4f, %.1f s' % (it + 1, loss.item(), time.time() - start), flush=True)
    wall = time.time() - start
    net.eval()
    with torch.no_grad():
        correct = sum((net(xte[i:i + 100]).argmax(1) == yte[i:i + 100]).sum().item() for i in range(0, 10000, 100))
    print('test accuracy %.4f' % (correct / 10000.0))
    print('wall time %.1f s' % wall)
    print('peak RSS %.0f MiB' % (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0))


if __name__ == '__main__':
    main()
