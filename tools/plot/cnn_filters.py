#!/usr/bin/python3
"""A grid of a convolution's filters, drawn with matplotlib (`cnn visualize`).

Reads the weights as raw little-endian float32 of shape O x C x H x W (the
layout of a Caffe convolution's first blob). Each filter is normalised to
[0, 1] on its own, so a filter with small weights is as visible as one with
large ones. Three input channels are drawn in colour (Caffe's images are
BGR, so the channels are flipped to RGB), one channel as grey tiles, both in
a near-square grid; any other count as one grey tile per (filter, channel),
filters as rows. The output's extension (.png,
.svg, .pdf) picks the format. Activation maps (`cnn visualize --input`)
come as C x 1 x H x W: one grey tile per channel, each normalised on its own.
"""
import argparse
import math
import sys

MAX_TILES = 1024


def fail(message):
    sys.stderr.write("cnn visualize: " + message + "\n")
    sys.exit(1)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True)
    parser.add_argument("--shape", required=True, help="OxCxHxW")
    parser.add_argument("--out", required=True)
    parser.add_argument("--title", default="")
    args = parser.parse_args()
    try:
        import numpy as np
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as e:
        fail("needs python3-matplotlib and python3-numpy (%s)" % e)

    o, c, h, w = (int(d) for d in args.shape.split("x"))
    weights = np.fromfile(args.data, dtype="<f4")
    if weights.size != o * c * h * w:
        fail("%s holds %d values, shape %s needs %d" % (args.data, weights.size, args.shape, o * c * h * w))
    weights = weights.reshape(o, c, h, w)
    low = weights.reshape(o, -1).min(axis=1)[:, None, None, None]
    span = np.ptp(weights.reshape(o, -1), axis=1)[:, None, None, None]
    normalised = (weights - low) / np.where(span > 0, span, 1)

    colour = c == 3
    if colour or c == 1:
        tiles = [normalised[f, ::-1].transpose(1, 2, 0) if colour else normalised[f, 0] for f in range(o)]
        cols = int(math.ceil(math.sqrt(o)))
        rows = int(math.ceil(o / cols))
    else:
        shown = max(1, min(o, MAX_TILES // c))
        tiles = [normalised[f, ch] for f in range(shown) for ch in range(c)]
        cols, rows = c, shown
        if cols > 32:  # many channels: wrap each filter's channels onto a near-square block of rows
            cols = int(math.ceil(math.sqrt(len(tiles))))
            rows = int(math.ceil(len(tiles) / cols))
    size = max(0.35, min(1.0, 12.0 / max(rows, cols)))
    fig, axes = plt.subplots(rows, cols, figsize=(cols * size + 0.5, rows * size + 0.8), squeeze=False)
    for k, ax in enumerate(axes.flat):
        ax.set_xticks([])
        ax.set_yticks([])
        if k < len(tiles):
            ax.imshow(tiles[k], cmap=None if colour else "gray", vmin=0, vmax=1, interpolation="nearest")
        else:
            ax.axis("off")
    title = args.title or "filters"
    if not colour and len(tiles) < o * c:
        title += " (first %d of %d filters)" % (len(tiles) // c, o)
    fig.suptitle(title)
    try:
        fig.savefig(args.out, dpi=100)
    except (OSError, ValueError) as e:
        fail("cannot write %s: %s" % (args.out, e))


if __name__ == "__main__":
    main()
