#!/usr/bin/python3
"""How much of a training step the ImageData layer costs with decoding, shifts and flips.

Writes a few hundred generated images (28x28 grey PNGs for LeNet, 256x256 colour
JPEGs and PNGs for AlexNet's 227x227 crops) and their "path label" lists under
BUILD_DIR/bench/imagedata, puts an ImageData layer (shuffle, mirror,
vertical_flip, shift_pixels: 2; crop_size 227 for AlexNet) in place of the TRAIN
Data layer of models/lenet and models/alexnet, and runs `cnn time` on each:

  data share   the ImageData layer's forward (waiting for the prefetch thread,
               then copying the batch into the top) / the whole forward+backward
  fill         the same layer in a net that does nothing else (ImageData and
               Silence): the time the prefetch thread needs per batch, i.e. its
               throughput (images/s); the step is safe from waiting while its
               time exceeds this

Each data layer has one prefetch thread, which decodes a batch's files on
CNN_IMAGE_DECODE_THREADS threads (itself among them; default min(4, cores));
--decode_threads sets that variable for the runs, and the output states the
count. Not part of CI: a loaded machine changes every figure.

  /usr/bin/python3 scripts/bench/imagedata_bench.py [--iterations N] [--alexnet_iterations N] [--alexnet_batch B]
      [--threads T] [--decode_threads D]

Environment: BUILD_DIR (default build).
"""
import argparse
import os
import random
import re
import subprocess
import sys

import numpy as np
from PIL import Image

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def make_images(folder, count, size, colour, ext, seed):
    """Smooth random blobs plus noise: image-like content for the codecs (flat
    noise would make JPEG and PNG unusually slow, a constant unusually fast)."""
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(seed)
    lines = []
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) / size
    for i in range(count):
        name = "%05d.%s" % (i, ext)
        path = os.path.join(folder, name)
        label = i % 10
        if not os.path.exists(path):
            channels = 3 if colour else 1
            img = np.zeros((size, size, channels), np.float32)
            for _ in range(6):
                cy, cx, r = rng.random(3)
                blob = np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (0.02 + 0.1 * r))
                img += blob[:, :, None] * rng.random(channels) * 255
            img += rng.normal(0, 12, img.shape)
            pixels = np.clip(img, 0, 255).astype(np.uint8)
            im = Image.fromarray(pixels[:, :, 0] if channels == 1 else pixels, "L" if channels == 1 else "RGB")
            im.save(path, quality=90) if ext == "jpg" else im.save(path)
        lines.append("%s %d" % (name, label))
    list_path = folder + ".txt"
    with open(list_path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return list_path


def layer_blocks(text):
    """(start, end) of each top-level `layer { ... }` block."""
    blocks = []
    for m in re.finditer(r"^layer \{", text, re.M):
        depth, i = 0, m.start()
        while True:
            c = text[i]
            depth += c == "{"
            depth -= c == "}"
            i += 1
            if depth == 0 and c == "}":
                break
        blocks.append((m.start(), i))
    return blocks


def with_image_data(net_text, image_data):
    """The net with its TRAIN-phase Data layer replaced by `image_data`."""
    for start, end in layer_blocks(net_text):
        block = net_text[start:end]
        if 'type: "Data"' in block and "phase: TRAIN" in block:
            return net_text[:start] + image_data + net_text[end:]
    sys.exit("imagedata_bench.py: no TRAIN Data layer found")


def image_data_layer(name, source, batch, colour, crop, extra_transform):
    transform = "mirror: true vertical_flip: true shift_pixels: 2 " + extra_transform
    if crop:
        transform += " crop_size: %d" % crop
    return ('layer {\n  name: "%s"\n  type: "ImageData"\n  top: "data"\n  top: "label"\n'
            '  include { phase: TRAIN }\n  transform_param { %s }\n'
            '  image_data_param { source: "%s" root_folder: "%s/" batch_size: %d shuffle: true is_color: %s }\n'
            '}' % (name, transform, source, source[:-4], batch, "true" if colour else "false"))


def run_time(cnn, net_path, iterations, threads):
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads))
    out = subprocess.run([cnn, "time", "--model=" + net_path, "--iterations=%d" % iterations, "--warmup=2"],
                         env=env, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit("imagedata_bench.py: cnn time failed on %s:\n%s%s" % (net_path, out.stdout, out.stderr))
    return out.stdout


def data_row_ms(out, name):
    for line in out.splitlines():
        f = line.split()
        # name, type, top shape (with "+1" for the label top), forward ms, backward "-", share
        if len(f) >= 5 and f[0] == name and f[1] == "ImageData":
            return float(f[-3])
    sys.exit("imagedata_bench.py: no ImageData row '%s' in:\n%s" % (name, out))


def total_ms(out):
    m = re.search(r"Average Forward-Backward: ([0-9.]+) ms", out)
    return float(m.group(1))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--iterations", type=int, default=100, help="timed LeNet iterations")
    parser.add_argument("--alexnet_iterations", type=int, default=8)
    parser.add_argument("--alexnet_batch", type=int, default=32)
    parser.add_argument("--threads", type=int, default=1, help="OpenBLAS threads of the net")
    parser.add_argument("--decode_threads", type=int, default=0,
                        help="CNN_IMAGE_DECODE_THREADS for the runs (0: the layer's default)")
    args = parser.parse_args()
    build = os.path.join(REPO, os.environ.get("BUILD_DIR", "build"))
    cnn = os.path.join(build, "tools", "cnn")
    if not os.access(cnn, os.X_OK):
        sys.exit("imagedata_bench.py: build cnn first (%s missing)" % cnn)
    work = os.path.join(build, "bench", "imagedata")
    os.makedirs(work, exist_ok=True)
    small = make_images(os.path.join(work, "small_png"), 512, 28, False, "png", 1)
    large_jpg = make_images(os.path.join(work, "large_jpg"), 300, 256, True, "jpg", 2)
    large_png = make_images(os.path.join(work, "large_png"), 300, 256, True, "png", 3)

    lenet = open(os.path.join(REPO, "models/lenet/train_test.prototxt")).read()
    alexnet = open(os.path.join(REPO, "models/alexnet/train_val.prototxt")).read()
    cases = [
        ("LeNet 28x28 PNG, batch 64", lenet, small, 64, False, 0, "scale: 0.00390625", args.iterations),
        ("AlexNet 227 from 256 JPEG, batch %d" % args.alexnet_batch, alexnet, large_jpg, args.alexnet_batch, True,
         227, "mean_value: 104 mean_value: 117 mean_value: 123", args.alexnet_iterations),
        ("AlexNet 227 from 256 PNG, batch %d" % args.alexnet_batch, alexnet, large_png, args.alexnet_batch, True,
         227, "mean_value: 104 mean_value: 117 mean_value: 123", args.alexnet_iterations),
    ]
    if args.decode_threads:
        os.environ["CNN_IMAGE_DECODE_THREADS"] = str(args.decode_threads)
    threads = int(os.environ.get("CNN_IMAGE_DECODE_THREADS", "0")) or min(4, os.cpu_count() or 1)
    print("ImageData benchmark: %d (LeNet) and %d (AlexNet) timed iterations, %d OpenBLAS thread(s), "
          "prefetch 4 batches, 1 prefetch thread decoding on %d thread(s)"
          % (args.iterations, args.alexnet_iterations, args.threads, threads))
    print("%-36s %10s %10s %8s %12s %14s" % ("case", "step ms", "data ms", "data %", "fill ms", "fill images/s"))
    for i, (title, net, source, batch, colour, crop, extra, iterations) in enumerate(cases):
        layer = image_data_layer("images", source, batch, colour, crop, extra)
        net_path = os.path.join(work, "net%d.prototxt" % i)
        with open(net_path, "w") as f:
            f.write(with_image_data(net, layer))
        # The fill rate alone: a net whose only work is the data layer.
        only_path = os.path.join(work, "only%d.prototxt" % i)
        with open(only_path, "w") as f:
            f.write('name: "data_only"\n' + layer.replace("  include { phase: TRAIN }\n", "") +
                    '\nlayer { name: "sink" type: "Silence" bottom: "data" bottom: "label" }\n')
        out = run_time(cnn, net_path, iterations, args.threads)
        step, data = total_ms(out), data_row_ms(out, "images")
        fill = data_row_ms(run_time(cnn, only_path, 20, args.threads), "images")
        print("%-36s %10.1f %10.2f %7.2f%% %12.2f %14.0f" % (title, step, data, 100 * data / step, fill,
                                                              1000 * batch / fill))
        sys.stdout.flush()


if __name__ == "__main__":
    main()
