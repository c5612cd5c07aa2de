#!/usr/bin/env python3
"""Loads a ticket exported by ticketlab (lth train --export-ticket, or the page) outside Rust and
checks it: with safetensors + NumPy when installed (pip install safetensors numpy), otherwise by
parsing the format with struct + json. Prints each tensor and the weights kept.

usage: scripts/check-ticket.py FILE.safetensors
"""
import json
import struct
import sys

if len(sys.argv) != 2:
    sys.exit(__doc__)
import_path = sys.argv[1]

with open(import_path, "rb") as f:
    raw = f.read()
(header_len,) = struct.unpack("<Q", raw[:8])
header = json.loads(raw[8 : 8 + header_len])
metadata = header.pop("__metadata__")
config = json.loads(metadata["config"])
print(f"model {config['model']}, level {metadata['level']}, {metadata['percent_remaining']}% of weights remaining")

try:
    from safetensors.numpy import load_file

    tensors = load_file(import_path)
    reader = "safetensors.numpy"
except ImportError:
    tensors, reader = None, "struct + json (safetensors not installed)"

kept = total = 0
for name, entry in sorted(header.items()):
    begin, end = entry["data_offsets"]
    data = raw[8 + header_len + begin : 8 + header_len + end]
    if tensors is not None:
        array = tensors[name]
        assert list(array.shape) == entry["shape"], name
        values = array.reshape(-1).tolist()
    else:
        fmt = {"F32": "f", "U8": "B"}[entry["dtype"]]
        values = list(struct.unpack(f"<{len(data) // struct.calcsize(fmt)}{fmt}", data))
    if name.endswith("_mask"):
        assert set(values) <= {0, 1}, f"{name}: values other than 0 and 1"
        kept += sum(values)
        total += len(values)
    print(f"  {name:18} {entry['dtype']:4} {tuple(entry['shape'])}")
assert kept == int(metadata["weights_remaining"]), (kept, metadata["weights_remaining"])
print(f"read with {reader}: {kept} of {total} weights kept ({100 * kept / total:.2f}%), as the metadata says")
