#!/usr/bin/env python3
"""Turns a .cu file into C++ for the CUDA emulator (README.md here).

Every launch `kernel<<<grid, block[, shared[, stream]]>>>(args);` becomes
`::cnn_emu::Launch("kernel", __FILE__, __LINE__, ::cnn_emu::Geometry(grid,
block, ...), [&](auto&&... a) { kernel(a...); }, args);`, keeping the line
count so __LINE__ and compiler messages point at the original file.

Usage: rewrite_launches.py IN.cu OUT.cpp
"""
import os
import sys

OPEN = "([{"
CLOSE = ")]}"


def kernel_start(text, end):
    """Start of the kernel expression that ends at text[end] (exclusive)."""
    i = end
    while i > 0 and text[i - 1].isspace():
        i -= 1
    if i > 0 and text[i - 1] == ">":  # template arguments: Kernel<T, N>
        depth = 0
        while i > 0:
            i -= 1
            if text[i] == ">":
                depth += 1
            elif text[i] == "<":
                depth -= 1
                if depth == 0:
                    break
    while i > 0 and (text[i - 1].isalnum() or text[i - 1] in "_:"):
        i -= 1
    return i


def split_top_level(s):
    parts, depth, start = [], 0, 0
    for i, c in enumerate(s):
        if c in OPEN:
            depth += 1
        elif c in CLOSE:
            depth -= 1
        elif c == "," and depth == 0:
            parts.append(s[start:i])
            start = i + 1
    parts.append(s[start:])
    return [p.strip() for p in parts]


def matching_paren(text, open_at):
    depth = 0
    for i in range(open_at, len(text)):
        if text[i] in OPEN:
            depth += 1
        elif text[i] in CLOSE:
            depth -= 1
            if depth == 0:
                return i
    raise ValueError("unbalanced parentheses after a launch")


def rewrite(text, path):
    out, pos = [], 0
    while True:
        at = text.find("<<<", pos)
        if at < 0:
            out.append(text[pos:])
            break
        start = kernel_start(text, at)
        name = text[start:at].strip()
        close = text.find(">>>", at)
        config = split_top_level(text[at + 3:close])
        paren = close + 3
        while text[paren].isspace():
            paren += 1
        if text[paren] != "(":
            raise ValueError(f"{path}: launch of {name} without an argument list")
        end = matching_paren(text, paren)
        args = text[paren + 1:end]
        original = text[start:end + 1]
        call = (f'::cnn_emu::Launch("{name}", __FILE__, __LINE__, ::cnn_emu::Geometry({", ".join(config)}), '
                f"[&](auto&&... cnn_emu_args) {{ {name}(cnn_emu_args...); }}")
        if args.strip():
            call += ", " + args.strip()
        call += ")"
        flat = " ".join(call.split("\n"))
        call = flat + "\n" * original.count("\n")
        out.append(text[pos:start])
        out.append(call)
        pos = end + 1
    return "".join(out)


def main():
    src, dst = sys.argv[1], sys.argv[2]
    with open(src) as f:
        text = f.read()
    result = f'#line 1 "{src}"\n' + rewrite(text, src)
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    with open(dst, "w") as f:
        f.write(result)


if __name__ == "__main__":
    main()
