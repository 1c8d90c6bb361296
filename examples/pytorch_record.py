#!/usr/bin/env python3
"""Record data maps from an ordinary PyTorch training loop for `taskmap import`.

The part you copy into your own code is `DynamicsRecorder`: call
`add_batch(indices, probabilities, labels)` after each forward pass (the
sigmoid outputs of a multi-label / multi-task model, the batch's sample
indices in the training set, and its labels), `end_epoch()` after each
epoch, and `write_npy(out_dir, ...)` (or `write_csv`) at the end. Then:

    taskmap import --format npy --probabilities OUT/probabilities.npy \\
        --labels OUT/labels.npy --task-names OUT/task-names.txt \\
        --sample-names OUT/sample-names.txt --run my-run
    taskmap analyze my-run && taskmap recommend --run my-run

`--synthetic` fakes a model's outputs with NumPy only (no torch needed),
which is what the tests run. See docs/recording-from-pytorch.md.
"""
import argparse
import os
import sys

import numpy as np


class DynamicsRecorder:
    """Gold-label probabilities of every (sample, task) pair, epoch by epoch.

    The gold-label probability is p when the label is 1 and 1 - p when it
    is 0 (p = sigmoid(logit)); a missing label (NaN or -1) records NaN.
    """

    def __init__(self, n_samples, n_tasks):
        self.n_samples, self.n_tasks = n_samples, n_tasks
        self.epochs = []
        self.labels = np.full((n_samples, n_tasks), np.nan, dtype=np.float32)
        self._current = None
        self._seen = None

    def add_batch(self, indices, probabilities, labels):
        """indices: (B,) ints; probabilities, labels: (B, tasks) arrays."""
        if self._current is None:
            self._current = np.full((self.n_samples, self.n_tasks), np.nan, np.float32)
            self._seen = np.zeros(self.n_samples, dtype=bool)
        indices = np.asarray(indices, dtype=np.int64)
        p = np.asarray(probabilities, dtype=np.float64)
        y = np.asarray(labels, dtype=np.float64)
        y = np.where(y < 0, np.nan, y)
        gold = np.where(y == 1, p, 1.0 - p)
        gold[np.isnan(y)] = np.nan
        self._current[indices] = gold
        self._seen[indices] = True
        self.labels[indices] = y

    def end_epoch(self):
        if self._current is None or not self._seen.all():
            missing = 0 if self._seen is None else int((~self._seen).sum())
            raise ValueError(f"{missing or self.n_samples} samples got no prediction this epoch")
        self.epochs.append(self._current)
        self._current = None

    def write_npy(self, out_dir, task_names, sample_names=None):
        """OUT/probabilities.npy (epochs, samples, tasks), labels.npy, names."""
        os.makedirs(out_dir, exist_ok=True)
        np.save(os.path.join(out_dir, "probabilities.npy"), np.stack(self.epochs))
        np.save(os.path.join(out_dir, "labels.npy"), self.labels)
        _write_lines(os.path.join(out_dir, "task-names.txt"), task_names)
        if sample_names is not None:
            _write_lines(os.path.join(out_dir, "sample-names.txt"), sample_names)

    def write_csv(self, path, task_names, sample_names=None):
        """Long format: sample,task,epoch,p,label (empty p and label when missing)."""
        names = sample_names if sample_names is not None else range(self.n_samples)
        with open(path, "w", encoding="utf-8") as out:
            out.write("sample,task,epoch,p,label\n")
            for epoch, probabilities in enumerate(self.epochs):
                for i, sample in enumerate(names):
                    for t, task in enumerate(task_names):
                        p, y = probabilities[i, t], self.labels[i, t]
                        value = "" if np.isnan(p) else repr(float(p))
                        label = "" if np.isnan(y) else str(int(y))
                        out.write(f"{sample},{task},{epoch},{value},{label}\n")


def _write_lines(path, names):
    with open(path, "w", encoding="utf-8") as out:
        for name in names:
            out.write(f"{name}\n")


def make_data(n_samples=800, n_groups=2, tasks_per_group=3, seed=0):
    """Features and labels of tasks in groups: a group's tasks share a latent direction."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n_samples, 8)).astype(np.float32)
    labels = []
    for g in range(n_groups):
        direction = rng.normal(size=8)
        score = x @ direction
        for k in range(tasks_per_group):
            noise = rng.normal(scale=0.4, size=n_samples)
            labels.append((score + noise > 0.3 * (k - 1)).astype(np.float32))
    y = np.stack(labels, axis=1)
    y[rng.random(y.shape) < 0.01] = np.nan  # a few missing labels, as real data has
    names = [f"g{g}_t{k}" for g in range(n_groups) for k in range(tasks_per_group)]
    return x, y, names


def train_synthetic(x, y, epochs, batch_size=64, seed=0):
    """A stand-in for a model: logistic regressions trained with NumPy."""
    rng = np.random.default_rng(seed)
    n, d = x.shape
    recorder = DynamicsRecorder(n, y.shape[1])
    w = np.zeros((d, y.shape[1]))
    target = np.nan_to_num(y)
    for _ in range(epochs):
        order = rng.permutation(n)
        for start in range(0, n, batch_size):
            idx = order[start:start + batch_size]
            p = 1 / (1 + np.exp(-(x[idx] @ w)))
            recorder.add_batch(idx, p, y[idx])
            grad = x[idx].T @ ((p - target[idx]) * ~np.isnan(y[idx])) / len(idx)
            w -= 0.5 * grad
        recorder.end_epoch()
    return recorder


def train_torch(x, y, epochs, batch_size=64, seed=0):
    """An ordinary PyTorch loop: a shared trunk, one sigmoid head per task."""
    import torch
    from torch.utils.data import DataLoader, TensorDataset

    torch.manual_seed(seed)
    n, d = x.shape
    n_tasks = y.shape[1]
    data = TensorDataset(torch.arange(n), torch.from_numpy(x), torch.from_numpy(y))
    loader = DataLoader(data, batch_size=batch_size, shuffle=True)
    model = torch.nn.Sequential(torch.nn.Linear(d, 32), torch.nn.ReLU(),
                                torch.nn.Linear(32, n_tasks))
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-2)
    recorder = DynamicsRecorder(n, n_tasks)
    for _ in range(epochs):
        for idx, xb, yb in loader:
            logits = model(xb)
            mask = ~torch.isnan(yb)
            loss = torch.nn.functional.binary_cross_entropy_with_logits(
                logits[mask], yb[mask])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            # the recording: the probabilities this batch was trained on
            recorder.add_batch(idx.numpy(), torch.sigmoid(logits).detach().numpy(), yb.numpy())
        recorder.end_epoch()
    return recorder


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", help="directory for the .npy files")
    parser.add_argument("--synthetic", action="store_true",
                        help="fake the model with NumPy (no torch needed)")
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--csv", action="store_true", help="also write OUT/dynamics.csv")
    args = parser.parse_args(argv)

    x, y, task_names = make_data()
    train = train_synthetic if args.synthetic else train_torch
    recorder = train(x, y, args.epochs)
    sample_names = [f"s{i}" for i in range(len(x))]
    recorder.write_npy(args.out, task_names, sample_names)
    if args.csv:
        recorder.write_csv(os.path.join(args.out, "dynamics.csv"), task_names, sample_names)
    print(f"wrote {args.out}/probabilities.npy: {len(recorder.epochs)} epochs, "
          f"{len(x)} samples, {len(task_names)} tasks", file=sys.stderr)


if __name__ == "__main__":
    main()
