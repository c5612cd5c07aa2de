#!/usr/bin/env python3
"""Trains a ticketlab ticket (a .safetensors file from `lth ... --export-ticket`) in PyTorch.

The ticket's network is rebuilt as a torch.nn.Module from its settings (`__metadata__.config`),
loaded with the ticket's initial weights, and its mask applied with PyTorch's own pruning API
(torch.nn.utils.prune.custom_from_mask). It then trains as ticketlab trains it: the same MNIST
splits and pixel scaling, cross-entropy averaged over the batch, Adam or SGD with momentum with the
ticket's settings, evaluated on the validation and test sets every `eval_every` steps.

usage:
  scripts/ticket-pytorch.py TICKET [--device cpu|cuda] [--data DIR] [--iterations N]
                            [--eval-every N] [--batches FILE] [--out RESULTS.json] [--save FILE]
  scripts/ticket-pytorch.py TICKET --batches FILE --check-against RESULTS.json [--steps 300]
                            [--tolerance 1e-4] [--lockstep 100] [--drift-tolerance 1e-2]
  torchrun --nproc_per_node=GPUS scripts/ticket-pytorch.py TICKET --device cuda [...]

--batches FILE trains on the batches `lth train --export-batches FILE` wrote (same images, same
order); without it the batches are a fresh seeded shuffle each epoch (torch's generator, not
ticketlab's), the last incomplete batch dropped, as ticketlab does.

--check-against RESULTS.json compares the loss of each step with `lth train`'s: its results JSON
holds, at every evaluation, `train_loss`, the mean loss of the batches since the previous
evaluation (measured before each update), so with --eval-every 1 every step's loss. The run is the
first ticket round in the file, its settings those of the results (which are the ticket's under
any flags given to lth). Prints the largest absolute and relative difference over the first
--steps steps, and exits with 1 when the absolute one is above --tolerance in the first
--lockstep steps or above --drift-tolerance over all (see compare below, and docs/pytorch.md).

Under torchrun (WORLD_SIZE > 1) the model is wrapped in DistributedDataParallel (NCCL on CUDA, Gloo
on CPU) and every batch of `batch_size` is split evenly over the processes: DDP averages their
gradients, which is the gradient of the mean loss over the whole batch, so the run is the same run
as on one device (batch_size must be a multiple of the number of processes). Each process
evaluates the whole validation and test sets (they are small); only rank 0 prints and writes.
This script was checked on CPU only (docs/pytorch.md); the multi-GPU path has not been run.
"""
import argparse
import json
import math
import os
import struct
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils import prune

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ticket_model import network_text, parse_architecture, read_batch_order, read_header

SIDE, PIXELS, CLASSES = 28, 28 * 28, 10
EVALUATION_CHUNK = 1000  # images per forward pass when evaluating (any size gives the same sums)


class TicketNet(nn.Module):
    """The network of ticketlab's model text: a ReLU after every conv and every fc but the last;
    the first fc flattens its (channels, height, width) input in that order (ticketlab's maps are
    (batch, channels, height, width) row-major, as torch's). Submodules are named as the ticket's
    tensors: conv1, conv2, ..., fc1, fc2, ..."""

    def __init__(self, text):
        super().__init__()
        self.steps = []  # (kind, submodule name or None, relu after)
        channels, height, width, flat = 1, SIDE, SIDE, False
        convs = fcs = 0
        layers = parse_architecture(text)
        for index, layer in enumerate(layers):
            last = index + 1 == len(layers)
            if layer[0] == "conv":
                _, filters, kernel, padding, stride = layer
                convs += 1
                name = f"conv{convs}"
                self.add_module(name, nn.Conv2d(channels, filters, kernel, stride=stride, padding=padding))
                channels = filters
                height = (height + 2 * padding - kernel) // stride + 1
                width = (width + 2 * padding - kernel) // stride + 1
                self.steps.append(("conv", name, True))
            elif layer[0] == "pool":
                size = layer[1]
                # Windows of size×size at stride size, no padding, the rest cut off (floor).
                self.add_module(f"pool{index + 1}", nn.MaxPool2d(size, stride=size))
                height, width = height // size, width // size
                self.steps.append(("pool", f"pool{index + 1}", False))
            else:
                fcs += 1
                name = f"fc{fcs}"
                inputs = channels * height * width
                self.add_module(name, nn.Linear(inputs, layer[1]))
                channels, height, width, flat = layer[1], 1, 1, True
                self.steps.append(("fc", name, not last))

    def forward(self, x):
        # x: (batch, 1, 28, 28)
        for kind, name, relu in self.steps:
            if kind == "fc" and x.dim() > 2:
                x = torch.flatten(x, 1)
            x = getattr(self, name)(x)
            if relu:
                x = F.relu(x)
        return x


def read_ticket(path):
    """The ticket's tensors (numpy) and metadata, from the safetensors file."""
    from safetensors.numpy import load_file

    _, metadata = read_header(path)
    if "config" not in metadata:
        sys.exit(f"{path}: no __metadata__.config: not a ticketlab ticket")
    return load_file(path), metadata


def load_ticket_into(model, tensors):
    """Copies the ticket's initial weights and biases into `model` and prunes each weight with the
    ticket's mask through torch.nn.utils.prune.custom_from_mask (weight = weight_orig * weight_mask).
    ticketlab's fc weights are (inputs, outputs), torch.nn.Linear's (outputs, inputs): transposed;
    conv weights are (filters, channels, kh, kw) in both."""
    names = {name for name, _ in model.named_children() if name.startswith(("conv", "fc"))}
    expected = {f"{n}.{t}" for n in names for t in ("weight", "bias", "weight_mask")}
    if set(tensors) != expected:
        sys.exit(f"the ticket's tensors {sorted(tensors)} are not the model's {sorted(expected)}")
    for name in sorted(names):
        module = getattr(model, name)
        weight = torch.from_numpy(tensors[f"{name}.weight"].copy())
        mask = torch.from_numpy(tensors[f"{name}.weight_mask"].astype(np.float32))
        if name.startswith("fc"):
            weight, mask = weight.t().contiguous(), mask.t().contiguous()
        if tuple(weight.shape) != tuple(module.weight.shape):
            sys.exit(f"{name}.weight: shape {tuple(weight.shape)} does not fit the model's {tuple(module.weight.shape)}")
        with torch.no_grad():
            module.weight.copy_(weight)
            module.bias.copy_(torch.from_numpy(tensors[f"{name}.bias"].copy()))
        prune.custom_from_mask(module, "weight", mask)


def read_idx(path, dims):
    with open(path, "rb") as f:
        raw = f.read()
    zero, dtype, ndim = struct.unpack(">HBB", raw[:4])
    if zero != 0 or dtype != 0x08 or ndim != dims:
        sys.exit(f"{path}: not an IDX file of unsigned bytes with {dims} dimension(s)")
    shape = struct.unpack(f">{ndim}I", raw[4 : 4 + 4 * ndim])
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


def read_mnist(data_dir):
    """MNIST's training images and labels (all 60,000) and the test set, pixels as bytes."""
    read = lambda name, dims: read_idx(os.path.join(data_dir, name), dims)
    return (
        read("train-images-idx3-ubyte", 3),
        read("train-labels-idx1-ubyte", 1),
        read("t10k-images-idx3-ubyte", 3),
        read("t10k-labels-idx1-ubyte", 1),
    )


def to_tensors(images, labels, device):
    """src/data/mnist.rs, Dataset::gather: pixel × (1/255) in f32 (a product, not a quotient, to
    the bit), as (n, 1, 28, 28); labels as int64."""
    x = images.reshape(-1, PIXELS).astype(np.float32) * np.float32(1.0 / 255.0)
    return (
        torch.from_numpy(x.reshape(-1, 1, SIDE, SIDE)).to(device),
        torch.from_numpy(labels.astype(np.int64)).to(device),
    )


def read_batches(path, config):
    """`lth train --export-batches`: a header line, then per step the images (numbers in MNIST's
    training file) of its batch."""
    try:
        fields, steps = read_batch_order(path)
    except ValueError as error:
        sys.exit(str(error))
    for key, want in (("batch_size", config["batch_size"]), ("offset", config["validation_size"])):
        if fields[key] != int(want):
            sys.exit(f"{path}: {key} {fields[key]}, but the run's settings have {want}")
    if fields["seed"] != int(config["seed"]):
        print(f"note: the batch order is seed {fields['seed']}'s, the settings' seed is {config['seed']}", file=sys.stderr)
    if any(len(step) != fields["batch_size"] for step in steps):
        sys.exit(f"{path}: a step without batch_size images")
    return steps


def shuffled_batches(train_begin, train_end, batch_size, seed):
    """Without an exported order: a fresh shuffle every epoch, the last incomplete batch dropped."""
    generator = torch.Generator().manual_seed(seed)
    examples = train_end - train_begin
    while True:
        order = torch.randperm(examples, generator=generator) + train_begin
        for start in range(0, examples - batch_size + 1, batch_size):
            yield order[start : start + batch_size].tolist()


def make_optimizer(config, parameters):
    """src/optim.rs. Adam with bias correction (Kingma & Ba, Algorithm 1; ε added to the corrected
    √v̂), as torch.optim.Adam; SGD with momentum in PyTorch's form (v ← μv + g; p ← p − lr·v), no
    dampening, no Nesterov. No weight decay. Pruned weights: their gradient reaches weight_orig
    multiplied by the mask, so it is 0, their moments stay 0 and their update is 0 (ticketlab zeroes
    the gradient of pruned weights with the same effect)."""
    if config["optimizer"] == "adam":
        return torch.optim.Adam(
            parameters,
            lr=config["learning_rate"],
            betas=(config["beta1"], config["beta2"]),
            eps=config["epsilon"],
        )
    if config["optimizer"] == "sgd":
        return torch.optim.SGD(parameters, lr=config["learning_rate"], momentum=config["momentum"])
    sys.exit(f"unknown optimizer {config['optimizer']!r}")


@torch.no_grad()
def evaluate(model, x, y):
    """Mean loss and accuracy over a whole set (ticketlab: the first maximum wins ties, as argmax)."""
    model.eval()
    loss_sum, correct = 0.0, 0
    for start in range(0, len(y), EVALUATION_CHUNK):
        logits = model(x[start : start + EVALUATION_CHUNK])
        labels = y[start : start + EVALUATION_CHUNK]
        loss_sum += F.cross_entropy(logits, labels, reduction="sum").item()
        correct += (logits.argmax(1) == labels).sum().item()
    model.train()
    return loss_sum / len(y), correct / len(y)


class Distributed:
    """One process, or one of torchrun's (WORLD_SIZE, RANK and LOCAL_RANK set by torchrun)."""

    def __init__(self, device_name):
        self.world = int(os.environ.get("WORLD_SIZE", "1"))
        self.rank = int(os.environ.get("RANK", "0"))
        local_rank = int(os.environ.get("LOCAL_RANK", "0"))
        if device_name == "cuda":
            if not torch.cuda.is_available():
                sys.exit("--device cuda: no CUDA device is available to torch")
            self.device = torch.device("cuda", local_rank)
            torch.cuda.set_device(self.device)
        else:
            self.device = torch.device(device_name)
        if self.world > 1:
            import torch.distributed as dist

            dist.init_process_group(backend="nccl" if self.device.type == "cuda" else "gloo")
            self.dist = dist

    def wrap(self, model):
        if self.world == 1:
            return model
        from torch.nn.parallel import DistributedDataParallel

        ids = [self.device.index] if self.device.type == "cuda" else None
        return DistributedDataParallel(model, device_ids=ids)

    def my_share(self, indices):
        """This process's contiguous, equal slice of a batch."""
        share = len(indices) // self.world
        return indices[self.rank * share : (self.rank + 1) * share]

    def mean(self, value):
        """The mean of a per-process value (each process's batch mean → the whole batch's)."""
        if self.world == 1:
            return value
        tensor = torch.tensor([value], dtype=torch.float64, device=self.device)
        self.dist.all_reduce(tensor)
        return tensor.item() / self.world

    def finish(self):
        if self.world > 1:
            self.dist.destroy_process_group()


def train(args):
    tensors, metadata = read_ticket(args.ticket)
    config = json.loads(metadata["config"])
    reference = None
    if args.check_against:
        with open(args.check_against) as f:
            results = json.load(f)
        # The run's own settings: the ticket's under the flags lth was given.
        config = results["config"]
        if config["model"] != json.loads(metadata["config"])["model"]:
            sys.exit(f"{args.check_against} trained {config['model']}, the ticket is a {metadata['model']}")
        rounds = [r for r in results["rounds"] if r["branch"] == "ticket"]
        if not rounds:
            sys.exit(f"{args.check_against}: no ticket round")
        reference = rounds[0]["evaluations"]
        if not args.batches:
            sys.exit("--check-against needs --batches (lth train --export-batches), so that both see the same batches")
    iterations = args.iterations or config["iterations"]
    if reference is not None:
        iterations = min(args.steps, config["iterations"])
    eval_every = args.eval_every or config["eval_every"]

    env = Distributed(args.device)
    talk = env.rank == 0
    if config["batch_size"] % env.world:
        sys.exit(f"batch_size {config['batch_size']} is not a multiple of the {env.world} processes")
    torch.manual_seed(config["seed"])  # the weights come from the ticket; this seeds nothing else that matters
    text = network_text(config["model"])
    model = TicketNet(text)
    load_ticket_into(model, tensors)
    model.to(env.device, torch.float64 if args.float64 else torch.float32)
    net = env.wrap(model)
    optimizer = make_optimizer(config, net.parameters())

    train_images, train_labels, test_images, test_labels = read_mnist(args.data)
    validation_size = config["validation_size"]
    train_end = validation_size + (config["train_size"] or len(train_labels) - validation_size)
    # Every training image on the device once; batches index into it by their MNIST number.
    all_x, all_y = to_tensors(train_images[:train_end], train_labels[:train_end], env.device)
    if args.float64:
        all_x = all_x.double()
    val_x, val_y = all_x[:validation_size], all_y[:validation_size]
    test_x, test_y = to_tensors(test_images, test_labels, env.device)
    if args.float64:
        test_x = test_x.double()

    if args.batches:
        steps = read_batches(args.batches, config)
        if len(steps) < iterations:
            sys.exit(f"{args.batches} has {len(steps)} steps, {iterations} are needed")
        batches = iter(steps)
    else:
        batches = shuffled_batches(validation_size, train_end, config["batch_size"], config["seed"])

    if talk:
        kept = sum(int(t.sum()) for n, t in tensors.items() if n.endswith("_mask"))
        total = sum(t.size for n, t in tensors.items() if n.endswith("_mask"))
        print(
            f"{config['model']} from {args.ticket} (level {metadata.get('level')}, {100 * kept / total:.2f}% of "
            f"weights) on {env.device} × {env.world}: {iterations} iterations of batch {config['batch_size']}, "
            f"{config['optimizer']} {config['learning_rate']}",
            file=sys.stderr,
        )
    losses = []
    evaluations = []

    def record(iteration, since):
        val_loss, val_acc = evaluate(model, val_x, val_y)
        test_loss, test_acc = evaluate(model, test_x, test_y)
        train_loss = sum(since) / len(since) if since else None
        evaluations.append(
            dict(iteration=iteration, train_loss=train_loss, validation_loss=val_loss,
                 validation_accuracy=val_acc, test_loss=test_loss, test_accuracy=test_acc)
        )
        if talk:
            shown = "-" if train_loss is None else f"{train_loss:.4f}"
            print(f"{iteration:>9} {shown:>10} {val_loss:>9.4f} {100 * val_acc:>7.2f}% {test_loss:>9.4f} {100 * test_acc:>7.2f}%")

    checking = reference is not None
    if talk and not checking:
        print(f"{'iteration':>9} {'train-loss':>10} {'val-loss':>9} {'val-acc':>8} {'test-loss':>9} {'test-acc':>8}")
        record(0, [])
    started = time.time()
    since = []
    net.train()
    for iteration in range(1, iterations + 1):
        indices = torch.tensor(env.my_share(next(batches)), device=env.device)
        logits = net(all_x[indices])
        loss = F.cross_entropy(logits, all_y[indices])  # mean over the batch
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        value = env.mean(loss.item())
        if not math.isfinite(value):
            sys.exit(f"the loss is {value} at iteration {iteration}: diverged")
        losses.append(value)
        since.append(value)
        if not checking and (iteration % eval_every == 0 or iteration == iterations):
            record(iteration, since)
            since = []
    seconds = time.time() - started
    if talk:
        print(f"{iterations} steps in {seconds:.1f} s ({iterations * config['batch_size'] / seconds:.0f} images/s)", file=sys.stderr)

    status = 0
    if checking and talk:
        status = compare(losses, reference, args)
    if talk and args.out:
        with open(args.out, "w") as f:
            json.dump(dict(config=config, ticket=args.ticket, device=str(env.device), processes=env.world,
                           step_losses=losses, evaluations=evaluations), f, indent=1)
    if talk and args.save:
        for name, module in model.named_children():
            if name.startswith(("conv", "fc")):
                prune.remove(module, "weight")  # weight = weight_orig * mask, made permanent
        torch.save(model.state_dict(), args.save)
        print(f"trained weights (torch layout) in {args.save}", file=sys.stderr)
    env.finish()
    return status


def compare(losses, reference, args):
    """lth's train_loss at each evaluation is the mean of the per-example losses of the batches
    since the previous one; batches are equal, so it is the mean of their per-batch means.

    Two bounds: in the first --lockstep steps the two must agree to --tolerance (rounding: a wrong
    layout, mask, loss or optimizer setting shows at once); over all --steps to --drift-tolerance.
    The second is looser because f32 rounding does not stay small for ever: Adam scales each
    gradient by its own running size, so a weight that rarely sees a gradient (an edge pixel's)
    moves by about the learning rate however tiny and rounding-dominated its gradient is, and once
    a ReLU's input is within rounding of 0 the two runs take different paths (docs/pytorch.md)."""
    rows = []  # (last step of the interval, torch, lth)
    previous = 0
    for evaluation in reference:
        iteration, theirs = evaluation["iteration"], evaluation["train_loss"]
        if iteration > len(losses):
            break
        if theirs is not None and iteration > previous:
            rows.append((iteration, sum(losses[previous:iteration]) / (iteration - previous), theirs))
        previous = iteration
    if not rows:
        print("nothing to compare: no evaluation with a train_loss in the first steps", file=sys.stderr)
        return 1
    worst = lambda rows: max(rows, key=lambda r: abs(r[1] - r[2]))
    difference = lambda row: abs(row[1] - row[2])
    per = "per step" if len(rows) == len(losses) else f"over {len(rows)} evaluation intervals"
    at = worst(rows)
    print(f"compared {len(losses)} steps ({per}): max abs difference of the loss {difference(at):.3e} "
          f"(step {at[0]}: torch {at[1]:.7f}, lth {at[2]:.7f}), max relative "
          f"{max(difference(r) / abs(r[2]) for r in rows):.3e}")
    early = [r for r in rows if r[0] <= args.lockstep] or rows[:1]
    print(f"first {early[-1][0]} steps: max abs difference {difference(worst(early)):.3e}")
    apart = next((r for r in rows if difference(r) > 1e-5), None)
    print("the losses differ by more than 1e-5 first at step " + str(apart[0]) if apart else
          "the losses never differ by more than 1e-5")
    print(f"loss at step 1: torch {losses[0]:.7f}; at step {len(losses)}: torch {losses[-1]:.7f}")
    failed = False
    if difference(worst(early)) > args.tolerance:
        print(f"FAIL: in the first {early[-1][0]} steps, above the tolerance {args.tolerance:g}")
        failed = True
    if difference(at) > args.drift_tolerance:
        print(f"FAIL: above the tolerance {args.drift_tolerance:g} over {len(losses)} steps")
        failed = True
    if not failed:
        print(f"ok: within {args.tolerance:g} for the first {early[-1][0]} steps and {args.drift_tolerance:g} over {len(losses)}")
    return 1 if failed else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("ticket", help="a ticket file (lth train --export-ticket, lth imp --export-tickets)")
    parser.add_argument("--device", default="cpu", help="cpu, cuda (under torchrun: each process its own GPU)")
    parser.add_argument("--data", default="data/mnist", help="the folder of the four MNIST IDX files")
    parser.add_argument("--iterations", type=int, help="steps to train (default: the ticket's iterations)")
    parser.add_argument("--eval-every", type=int, help="steps between evaluations (default: the ticket's)")
    parser.add_argument("--batches", help="the batch order of lth train --export-batches FILE")
    parser.add_argument("--check-against", help="an lth train results JSON to compare the loss with, step by step")
    parser.add_argument("--steps", type=int, default=300, help="--check-against: steps to compare (default 300)")
    parser.add_argument("--tolerance", type=float, default=1e-4,
                        help="--check-against: largest absolute difference of the loss allowed in the first "
                        "--lockstep steps (default 1e-4)")
    parser.add_argument("--lockstep", type=int, default=100,
                        help="--check-against: steps that must agree to --tolerance (default 100)")
    parser.add_argument("--drift-tolerance", type=float, default=1e-2,
                        help="--check-against: largest absolute difference allowed over all --steps (default 1e-2)")
    parser.add_argument("--out", help="write the per-step losses and the evaluations as JSON")
    parser.add_argument("--save", help="write the trained weights (torch state_dict, mask applied)")
    parser.add_argument("--float64", action="store_true",
                        help="compute in f64 instead of f32 (how far f32 rounding alone moves the losses)")
    parser.add_argument("--threads", type=int, help="CPU threads for torch (default: torch's choice)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    sys.exit(train(args))


if __name__ == "__main__":
    main()
