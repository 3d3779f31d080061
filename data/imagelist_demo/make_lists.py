#!/usr/bin/python3
"""Writes Fashion-MNIST (Debian's dataset-fashion-mnist) as PNG files and the
"path label" lists an ImageData layer reads, for models/imagelist_demo:

  OUT/train/00000.png ...  OUT/fmnist_train.txt   ("train/00000.png 9" lines)
  OUT/test/00000.png ...   OUT/fmnist_test.txt

OUT is this script's folder unless --out is given; the paths in the lists
are relative to it (the nets' root_folder). --limit N writes only the first
N images of each part (for a quick try; the test uses it). Files already
there are rewritten. Uses only Python's standard library (zlib for PNG).

  /usr/bin/python3 data/imagelist_demo/make_lists.py [--out DIR] [--limit N]

Environment: FASHION_MNIST_DIR, the folder of the idx .gz files (default
/usr/share/datasets/fashion-mnist, where the Debian package puts them).
"""
import argparse
import gzip
import os
import struct
import sys
import zlib


def read_idx(path, magic):
    with gzip.open(path, "rb") as f:
        data = f.read()
    (found,) = struct.unpack(">I", data[:4])
    if found != magic:
        sys.exit(f"make_lists.py: {path}: magic {found:#x}, expected {magic:#x} (not an idx file of this kind)")
    dims = (magic & 0xFF)
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    return shape, data[4 + 4 * dims:]


def png_grey(width, height, pixels):
    """An 8-bit greyscale PNG: rows with filter byte 0, one zlib stream."""
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    rows = b"".join(b"\0" + pixels[y * width:(y + 1) * width] for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 6)) + chunk(b"IEND", b"")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)))
    parser.add_argument("--limit", type=int, default=0, help="images per part (0: all)")
    args = parser.parse_args()
    src = os.environ.get("FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist")
    for part, prefix in (("train", "train"), ("test", "t10k")):
        images = os.path.join(src, f"{prefix}-images-idx3-ubyte.gz")
        labels = os.path.join(src, f"{prefix}-labels-idx1-ubyte.gz")
        for path in (images, labels):
            if not os.path.exists(path):
                sys.exit(f"make_lists.py: {path} is missing (apt-get install dataset-fashion-mnist, "
                         "or set FASHION_MNIST_DIR)")
        (n, h, w), pixels = read_idx(images, 0x803)
        (m,), classes = read_idx(labels, 0x801)
        if n != m:
            sys.exit(f"make_lists.py: {images} has {n} images but {labels} {m} labels")
        if args.limit > 0:
            n = min(n, args.limit)
        os.makedirs(os.path.join(args.out, part), exist_ok=True)
        lines = []
        size = h * w
        for i in range(n):
            name = f"{part}/{i:05d}.png"
            with open(os.path.join(args.out, name), "wb") as f:
                f.write(png_grey(w, h, pixels[i * size:(i + 1) * size]))
            lines.append(f"{name} {classes[i]}\n")
        with open(os.path.join(args.out, f"fmnist_{part}.txt"), "w") as f:
            f.writelines(lines)
        print(f"make_lists.py: wrote {n} {w}x{h} PNG files and {os.path.join(args.out, 'fmnist_' + part + '.txt')}")


if __name__ == "__main__":
    main()
