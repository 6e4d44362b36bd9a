#!/usr/bin/env python3
"""Unpacks Qt resource bundles (.rcc, format 1-3) into a folder: qt-resources.py OUT FILE.rcc...

GCompris ships its photos inside .rcc files, and Debian has no tool that unpacks them. Layout (Qt's rcc.cpp):
a 20-byte header (magic "qres", version, offsets of the tree, data and names), a tree of fixed-size entries
(name offset, flags, then either a directory's child count and first child, or a file's data offset), names as
UTF-16BE with a length, and each file's data with a 4-byte length; flag 1 means zlib after a 4-byte size.
"""
import os
import struct
import sys
import zlib

DIRECTORY, ZLIB, ZSTD = 2, 1, 4


def unpack(bundle, out):
    blob = open(bundle, "rb").read()
    if blob[:4] != b"qres":
        sys.exit(f"{bundle}: not a Qt resource bundle")
    version, tree, data, names = struct.unpack(">IIII", blob[4:20])
    entry_size = 22 if version >= 2 else 14

    def name_at(offset):
        (length,) = struct.unpack(">H", blob[names + offset:names + offset + 2])
        start = names + offset + 6  # length, then a hash
        return blob[start:start + 2 * length].decode("utf-16-be")

    def walk(index, folder):
        entry = tree + index * entry_size
        name_offset, flags = struct.unpack(">IH", blob[entry:entry + 6])
        path = os.path.join(folder, name_at(name_offset)) if index else folder
        if flags & DIRECTORY:
            count, first = struct.unpack(">II", blob[entry + 6:entry + 14])
            for child in range(first, first + count):
                walk(child, path)
            return
        if flags & ZSTD:
            sys.exit(f"{bundle}: {path} is zstd-compressed, which this script does not read")
        (offset,) = struct.unpack(">I", blob[entry + 10:entry + 14])
        (size,) = struct.unpack(">I", blob[data + offset:data + offset + 4])
        content = blob[data + offset + 4:data + offset + 4 + size]
        if flags & ZLIB:
            content = zlib.decompress(content[4:])
        target = os.path.join(out, path)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as file:
            file.write(content)

    walk(0, "")


if __name__ == "__main__":
    for bundle in sys.argv[2:]:
        unpack(bundle, sys.argv[1])
