#!/usr/bin/env python3
"""Loads a ticket exported by ticketlab (lth train --export-ticket, or the page) outside Rust and
checks it: with safetensors + NumPy when installed (pip install safetensors numpy), otherwise by
parsing the format with struct + json. Prints each tensor and the weights kept.

Checked: the tensors are those of the model in the settings (`__metadata__.config`), with its
shapes (conv weights (filters, channels, kh, kw), fc weights (inputs, outputs)); weights and
biases are F32 and finite, masks U8 of 0 and 1; the masks keep `weights_remaining` weights, which
are `percent_remaining`% of all; every kept weight is nonzero (so mask × weights has exactly that
many nonzero weights). With --batches FILE (lth train --export-batches FILE, from the same
settings), also the batch order: its header fits the settings, every step has batch_size images
of the training split, and no image comes twice within an epoch.

usage: scripts/check-ticket.py FILE.safetensors [--batches FILE]
"""
import array
import json
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ticket_model import layer_shapes, network_text, read_batch_order, read_header

arguments = sys.argv[1:]
batches_path = None
if len(arguments) == 3 and arguments[1] == "--batches":
    batches_path = arguments[2]
    arguments = arguments[:1]
if len(arguments) != 1:
    sys.exit(__doc__)
path = arguments[0]


def fail(message):
    sys.exit(f"{path}: {message}")


header, metadata = read_header(path)
config = json.loads(metadata["config"])
print(f"model {config['model']}, level {metadata['level']}, {metadata['percent_remaining']}% of weights remaining")

try:
    from safetensors.numpy import load_file
    import numpy as np

    tensors = load_file(path)
    reader = "safetensors.numpy"
except ImportError:
    np = None
    with open(path, "rb") as f:
        raw = f.read()
    start = 8 + int.from_bytes(raw[:8], "little")
    tensors = {}
    for name, entry in header.items():
        begin, end = entry["data_offsets"]
        values = array.array({"F32": "f", "U8": "B"}[entry["dtype"]])
        values.frombytes(raw[start + begin : start + end])
        if sys.byteorder != "little":
            values.byteswap()
        tensors[name] = values
    reader = "struct + json (safetensors not installed)"


def flat(values):
    return values.reshape(-1) if np is not None else values


expected = {}
for layer, weight_shape, bias_shape in layer_shapes(network_text(config["model"])):
    expected[f"{layer}.weight"] = ("F32", weight_shape)
    expected[f"{layer}.bias"] = ("F32", bias_shape)
    expected[f"{layer}.weight_mask"] = ("U8", weight_shape)
if set(header) != set(expected):
    fail(f"tensors {sorted(header)}, but model {config['model']} has {sorted(expected)}")

kept = total = 0
for name in sorted(header):
    entry, (dtype, shape) = header[name], expected[name]
    if entry["dtype"] != dtype or tuple(entry["shape"]) != shape:
        fail(f"{name} is {entry['dtype']} {tuple(entry['shape'])}, the model wants {dtype} {shape}")
    values = tensors[name]
    if np is not None and tuple(values.shape) != shape:
        fail(f"{name}: read with shape {values.shape}")
    if len(flat(values)) != math.prod(shape):
        fail(f"{name}: {len(flat(values))} values for shape {shape}")
    if name.endswith("_mask"):
        if np is not None:
            if not np.isin(values, (0, 1)).all():
                fail(f"{name}: values other than 0 and 1")
            layer_kept = int(values.sum())
            weights = tensors[name[: -len("_mask")]]
            kept_zero = int(((values == 1) & (weights == 0)).sum())
        else:
            if not set(values) <= {0, 1}:
                fail(f"{name}: values other than 0 and 1")
            layer_kept = sum(values)
            weights = tensors[name[: -len("_mask")]]
            kept_zero = sum(1 for m, w in zip(values, weights) if m == 1 and w == 0)
        if kept_zero:
            fail(f"{name}: {kept_zero} kept weights are 0")
        kept += layer_kept
        total += len(flat(values))
        print(f"  {name:18} {dtype:4} {shape}  {layer_kept} kept")
    else:
        finite = bool(np.isfinite(values).all()) if np is not None else all(map(math.isfinite, values))
        if not finite:
            fail(f"{name}: values that are not finite")
        print(f"  {name:18} {dtype:4} {shape}")
if kept != int(metadata["weights_remaining"]):
    fail(f"the masks keep {kept} weights, the metadata says {metadata['weights_remaining']}")
if abs(100 * kept / total - float(metadata["percent_remaining"])) > 5e-5:
    fail(f"{kept} of {total} is {100 * kept / total:.4f}%, the metadata says {metadata['percent_remaining']}%")
print(f"read with {reader}: {kept} of {total} weights kept ({100 * kept / total:.2f}%), as the metadata says")

if batches_path:
    fields, steps = read_batch_order(batches_path)
    offset, examples, batch = fields["offset"], fields["examples"], fields["batch_size"]
    want = {"batch_size": config["batch_size"], "offset": config["validation_size"], "seed": config["seed"]}
    for key, value in want.items():
        if fields[key] != value:
            sys.exit(f"{batches_path}: {key} {fields[key]}, the ticket's settings have {value}")
    if len(steps) != fields["iterations"]:
        sys.exit(f"{batches_path}: {len(steps)} steps, the header says {fields['iterations']}")
    per_epoch = examples // batch
    for epoch_start in range(0, len(steps), per_epoch):
        seen = [image for step in steps[epoch_start : epoch_start + per_epoch] for image in step]
        if len(set(seen)) != len(seen):
            sys.exit(f"{batches_path}: an image comes twice in the epoch from step {epoch_start + 1}")
    for number, step in enumerate(steps, 1):
        if len(step) != batch or not all(offset <= image < offset + examples for image in step):
            sys.exit(f"{batches_path}: step {number} is not {batch} images of the training split")
    print(f"batch order: {len(steps)} steps of {batch} images of {examples} (from image {offset}), seed {fields['seed']}")
