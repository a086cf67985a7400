#!/usr/bin/env python3
"""Pack PNG files into a macOS .icns file (PNG payloads, as Apple's iconutil writes them).

usage: make-icns.py OUTPUT.icns 16=a.png 32=b.png 64=c.png 128=d.png 256=e.png 512=f.png 1024=g.png
Each argument gives the pixel size of one PNG; every icns element that needs that size gets it.
"""
import struct
import sys

# icns element type -> pixel size (see the Apple icns format; @2x elements reuse the doubled size)
ELEMENTS = [
    ("icp4", 16),
    ("icp5", 32),
    ("ic11", 32),  # 16 pt @2x
    ("ic12", 64),  # 32 pt @2x
    ("ic07", 128),
    ("ic13", 256),  # 128 pt @2x
    ("ic08", 256),
    ("ic14", 512),  # 256 pt @2x
    ("ic09", 512),
    ("ic10", 1024),  # 512 pt @2x
]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    if data[:8] != PNG_SIGNATURE or data[12:16] != b"IHDR":
        raise ValueError("not a PNG file")
    return struct.unpack(">II", data[16:24])


def main() -> None:
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    output = sys.argv[1]
    pngs: dict[int, bytes] = {}
    for arg in sys.argv[2:]:
        size_text, path = arg.split("=", 1)
        size = int(size_text)
        with open(path, "rb") as f:
            data = f.read()
        if png_size(data) != (size, size):
            sys.exit(f"{path} is {png_size(data)}, expected {size}x{size}")
        pngs[size] = data
    body = b""
    for element, size in ELEMENTS:
        if size not in pngs:
            sys.exit(f"missing a {size}x{size} PNG (needed for {element})")
        body += element.encode("ascii") + struct.pack(">I", 8 + len(pngs[size])) + pngs[size]
    with open(output, "wb") as f:
        f.write(b"icns" + struct.pack(">I", 8 + len(body)) + body)


if __name__ == "__main__":
    main()
