"""What a ticketlab ticket file holds, without PyTorch: the models by name, the network text, the
tensors a model has and their shapes, the file's header, and lth's batch-order files. Shared by
scripts/check-ticket.py (NumPy only) and scripts/ticket-pytorch.py (PyTorch)."""
import json
import struct

# src/nn/model.rs, ModelSpec::NAMED: the models by name, as network text.
NAMED = {
    "lenet-300-100": "fc:300,fc:100,fc:10",
    "lenet-5": "conv:6x5p2,pool,conv:16x5,pool,fc:120,fc:84,fc:10",
    "conv-2": "conv:64x3p1,conv:64x3p1,pool,fc:256,fc:256,fc:10",
    "conv-4": "conv:64x3p1,conv:64x3p1,pool,conv:128x3p1,conv:128x3p1,pool,fc:256,fc:256,fc:10",
    "conv-6": "conv:64x3p1,conv:64x3p1,pool,conv:128x3p1,conv:128x3p1,pool,conv:256x3p1,conv:256x3p1,pool,"
    "fc:256,fc:256,fc:10",
    "conv-2-quarter": "conv:16x3p1,conv:16x3p1,pool,fc:256,fc:256,fc:10",
    "conv-4-quarter": "conv:16x3p1,conv:16x3p1,pool,conv:32x3p1,conv:32x3p1,pool,fc:256,fc:256,fc:10",
    "conv-6-quarter": "conv:16x3p1,conv:16x3p1,pool,conv:32x3p1,conv:32x3p1,pool,conv:64x3p1,conv:64x3p1,pool,"
    "fc:256,fc:256,fc:10",
}

SIDE, CLASSES = 28, 10


def network_text(model):
    """A model's layers as text: a name of NAMED, or the text itself."""
    return NAMED.get(model, model)


def parse_architecture(text):
    """src/nn/architecture.rs: comma-separated, input to output; conv:FxK[pP][sS] (F filters of K×K,
    P pixels of zeros on every side, stride S; p before s), pool[:S] (S×S max pool at stride S,
    default 2), fc:N. Returns ("conv", F, K, P, S), ("pool", S) and ("fc", N) tuples."""
    layers = []
    for item in (part.strip() for part in text.split(",")):
        kind, _, arguments = item.partition(":")
        if kind == "conv":
            filters, _, kernel = arguments.partition("x")
            padding, stride = "0", "1"
            if "s" in kernel:
                kernel, stride = kernel.split("s", 1)
            if "p" in kernel:
                kernel, padding = kernel.split("p", 1)
            layers.append(("conv", int(filters), int(kernel), int(padding), int(stride)))
        elif kind == "pool":
            layers.append(("pool", int(arguments) if arguments else 2))
        elif kind == "fc":
            layers.append(("fc", int(arguments)))
        else:
            raise ValueError(f"layer {item!r}: the layers are conv:FxK[pP][sS], pool[:S] and fc:N")
    if not layers or layers[-1] != ("fc", CLASSES):
        raise ValueError(f"the last layer must be fc:{CLASSES}")
    return layers


def layer_shapes(text):
    """Per layer with parameters, in order: (name, weight shape as the ticket stores it, bias
    shape). Conv weights (filters, channels, k, k); fc weights (inputs, outputs), the inputs of the
    first fc being the flattened (channels, height, width) map. As ModelSpec::param_tensors."""
    channels, height, width = 1, SIDE, SIDE
    convs = fcs = 0
    shapes = []
    for layer in parse_architecture(text):
        if layer[0] == "conv":
            _, filters, kernel, padding, stride = layer
            convs += 1
            shapes.append((f"conv{convs}", (filters, channels, kernel, kernel), (filters,)))
            channels = filters
            height = (height + 2 * padding - kernel) // stride + 1
            width = (width + 2 * padding - kernel) // stride + 1
        elif layer[0] == "pool":
            height, width = height // layer[1], width // layer[1]
        else:
            fcs += 1
            shapes.append((f"fc{fcs}", (channels * height * width, layer[1]), (layer[1],)))
            channels, height, width = layer[1], 1, 1
        if min(channels, height, width) < 1:
            raise ValueError(f"{text}: a layer does not fit its input")
    return shapes


def read_header(path):
    """The safetensors header (tensor entries) and its __metadata__ (strings)."""
    with open(path, "rb") as f:
        (header_len,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(header_len))
    return header, header.pop("__metadata__", {})


BATCH_ORDER_HEADER = ["#", "ticketlab", "batch", "order", "v1"]


def read_batch_order(path):
    """`lth train --export-batches FILE`: the header's fields (examples, batch_size, seed,
    iterations, offset: ints) and the steps, each a list of image numbers of MNIST's training file."""
    with open(path) as f:
        header = f.readline().split()
        if header[: len(BATCH_ORDER_HEADER)] != BATCH_ORDER_HEADER:
            raise ValueError(f"{path}: not a batch order written by lth train --export-batches")
        fields = {key: int(value) for key, value in (item.split("=", 1) for item in header[len(BATCH_ORDER_HEADER) :])}
        steps = [[int(n) for n in line.split()] for line in f if line.strip()]
    return fields, steps
