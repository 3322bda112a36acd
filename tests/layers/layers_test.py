#!/usr/bin/python3
"""Enforces the layer table in src/layers.txt (DESIGN.md §2) over every
#include in src/. Usage: layers_test.py SOURCE_DIR"""
import os
import re
import sys

SRC = os.path.join(os.path.abspath(sys.argv[1]), "src")
INCLUDE = re.compile(r'^\s*#\s*include\s+"([a-z_0-9]+)/([^"]+)"', re.M)


def read_table():
    allowed = {}
    with open(os.path.join(SRC, "layers.txt")) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            layer, _, deps = line.partition(":")
            allowed[layer.strip()] = set(deps.split())
    return allowed


def private_headers():
    """Headers other layers must not include: *_internal.h, or a header
    whose opening comment says it is private (or internal) to its layer."""
    private = set()
    for layer in os.listdir(SRC):
        folder = os.path.join(SRC, layer)
        if not os.path.isdir(folder):
            continue
        for root, _, files in os.walk(folder):
            for name in files:
                if not name.endswith(".h"):
                    continue
                path = os.path.join(root, name)
                with open(path, errors="replace") as f:
                    head = f.read(400)
                comment = head.split("\n#", 1)[0].lower()
                if name.endswith("_internal.h") or "private to" in comment or "internal to" in comment:
                    private.add(os.path.relpath(path, SRC))
    return private


def main():
    allowed = read_table()
    private = private_headers()
    problems = []
    for layer in sorted(os.listdir(SRC)):
        folder = os.path.join(SRC, layer)
        if not os.path.isdir(folder):
            continue
        if layer not in allowed:
            problems.append(f"src/{layer}/ has no line in src/layers.txt")
            continue
        for dep in allowed[layer]:
            if dep not in allowed:
                problems.append(f"src/layers.txt: {layer} names unknown layer {dep}")
        for root, _, files in os.walk(folder):
            for name in files:
                if not name.endswith((".h", ".cc")):
                    continue
                path = os.path.join(root, name)
                with open(path, errors="replace") as f:
                    text = f.read()
                for m in INCLUDE.finditer(text):
                    dep, header = m.group(1), m.group(1) + "/" + m.group(2)
                    where = os.path.relpath(path, os.path.dirname(SRC))
                    if dep != layer and dep not in allowed[layer]:
                        problems.append(f"{where} includes {header}: {layer} may not know {dep}")
                    elif dep != layer and header in private:
                        problems.append(f"{where} includes {header}, which is private to {dep}")
    for p in problems:
        print("FAIL", p)
    print(f"{len(problems)} layer violations")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
