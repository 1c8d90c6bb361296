#!/usr/bin/python3
"""torch_baseline.py - what users run today, for bench/torch-vs-taskmap.sh.

The PyTorch equivalent of `taskmap train DATA --xml XML` with its defaults:
inputs standardised with training-split statistics (sparse data scaled, not
centred), a shared trunk Linear(d, 64) + ReLU, one sigmoid head per task
(one Linear(64, T)), binary cross-entropy averaged over the labelled
(sample, task) pairs, Adam (lr 1e-3), batch 128, a shuffle per epoch, the
same 70/10/20 train/valid/test split sizes. Every epoch it records the
gold-label probability p = sigma(z) if y = 1 else 1 - sigma(z) of every
(training sample, task) from the training pass into a NumPy array
(epochs x samples x tasks, float32), computes the validation loss, and at
the end saves the recording with np.save, as a user would.

Usage: torch_baseline.py DATA.arff[.xz] LABELS.xml OUT.npy [--epochs N] [--threads N]

Reads Mulan ARFF (dense or sparse rows, .xz/.gz/.bz2) with the tiny reader
below; labels are the attributes the XML names. Prints one line with the
seconds spent reading and training (the benchmark times the whole process).
Needs Debian's python3-torch and python3-numpy (run with /usr/bin/python3).
"""
import argparse
import bz2
import gzip
import lzma
import re
import sys
import time

import numpy as np
import torch


def open_text(path):
    opener = {".xz": lzma.open, ".gz": gzip.open, ".bz2": bz2.open}
    for ext, fn in opener.items():
        if path.endswith(ext):
            return fn(path, "rt", encoding="utf-8", errors="replace")
    return open(path, "rt", encoding="utf-8", errors="replace")


def read_labels(xml_path):
    with open(xml_path, encoding="utf-8") as f:
        return set(re.findall(r'<label\s+name="([^"]*)"', f.read()))


def attribute_name(line):
    rest = line.split(None, 1)[1].strip()
    if rest[0] in "'\"":
        end = rest.index(rest[0], 1)
        return rest[1:end]
    return rest.split()[0]


def read_arff(path, label_names):
    """X (n x d float32), Y (n x T float32 with NaN for '?'), sparse flag."""
    names, rows, sparse = [], [], False
    with open_text(path) as f:
        for line in f:
            s = line.strip()
            if not s or s.startswith("%"):
                continue
            low = s.lower()
            if low.startswith("@attribute"):
                names.append(attribute_name(s))
            elif low.startswith("@data"):
                break
        n_attr = len(names)
        for line in f:
            s = line.strip()
            if not s or s.startswith("%"):
                continue
            row = np.zeros(n_attr, dtype=np.float32)
            if s.startswith("{"):
                sparse = True
                for item in s[1:-1].split(","):
                    if item.strip():
                        i, v = item.split()
                        row[int(i)] = np.nan if v == "?" else float(v)
            else:
                for i, v in enumerate(s.split(",")):
                    row[i] = np.nan if v == "?" else float(v)
            rows.append(row)
    data = np.vstack(rows)
    is_label = np.array([n in label_names for n in names])
    x = np.nan_to_num(data[:, ~is_label])
    return x, data[:, is_label], sparse


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data")
    ap.add_argument("xml")
    ap.add_argument("out")
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--hidden", type=int, default=64)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    started = time.monotonic()
    x, y, sparse = read_arff(args.data, read_labels(args.xml))
    n = x.shape[0]
    order = np.random.default_rng(args.seed).permutation(n)
    n_test, n_valid = int(round(0.2 * n)), int(round(0.1 * n))
    valid_rows = order[n_test:n_test + n_valid]
    train_rows = order[n_test + n_valid:]
    x_train, y_train = x[train_rows], y[train_rows]
    shift = np.zeros(x.shape[1], np.float32) if sparse else x_train.mean(0)
    spread = np.sqrt((x_train ** 2).mean(0)) if sparse else x_train.std(0)
    scale = np.where(spread > 0, 1 / np.where(spread > 0, spread, 1), 1).astype(np.float32)
    xt = torch.from_numpy(((x_train - shift) * scale).astype(np.float32))
    xv = torch.from_numpy(((x[valid_rows] - shift) * scale).astype(np.float32))
    yt, yv = torch.from_numpy(y_train), torch.from_numpy(y[valid_rows])
    read_seconds = time.monotonic() - started

    n_train, n_tasks = yt.shape
    model = torch.nn.Sequential(torch.nn.Linear(x.shape[1], args.hidden), torch.nn.ReLU(),
                                torch.nn.Linear(args.hidden, n_tasks))
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    record = np.empty((args.epochs, n_train, n_tasks), dtype=np.float32)
    bce = torch.nn.BCEWithLogitsLoss(reduction="none")
    generator = torch.Generator().manual_seed(args.seed)
    for epoch in range(args.epochs):
        model.train()
        perm = torch.randperm(n_train, generator=generator)
        for start in range(0, n_train, args.batch):
            idx = perm[start:start + args.batch]
            target = yt[idx]
            mask = ~torch.isnan(target)
            z = model(xt[idx])
            loss = (bce(z, torch.nan_to_num(target)) * mask).sum() / mask.sum().clamp(min=1)
            opt.zero_grad()
            loss.backward()
            opt.step()
            with torch.no_grad():  # train-pass recording: p of the gold label
                p = torch.sigmoid(z)
                gold = torch.where(target == 1, p, 1 - p)
                record[epoch, idx.numpy()] = torch.where(mask, gold, torch.nan).numpy()
        model.eval()
        with torch.no_grad():
            target = yv
            mask = ~torch.isnan(target)
            z = model(xv)
            valid_loss = ((bce(z, torch.nan_to_num(target)) * mask).sum() / mask.sum()).item()
        print(f"epoch {epoch + 1}/{args.epochs} valid loss {valid_loss:.4f}", file=sys.stderr)
    np.save(args.out, record)
    print(f"torch read {read_seconds:.3f} s train+record+save "
          f"{time.monotonic() - started - read_seconds:.3f} s "
          f"({n_train} train samples, {n_tasks} tasks)")


if __name__ == "__main__":
    main()
