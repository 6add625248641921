"""The small MNIST classifier behind the image metrics, and the code that trains it.

It is trained by this module on the embedded MNIST (the 10,000-image MNIST test
set that ships with the app), split deterministically into 8,000 training and
2,000 held-out images. The held-out images are also the real reference for the
Frechet distance and precision/recall, so the classifier has never seen them.

Recreate the shipped weights with:
    python -m ganstudio.core.classifier --out resources/models/mnist_classifier.safetensors
"""

from __future__ import annotations

import argparse
import math
import time
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file
from torch import nn

from ganstudio.core.errors import UserError
from ganstudio.resources import resource_path

N_TRAIN = 8000
N_HELDOUT = 2000
SPLIT_SEED = 0
FEATURE_DIM = 128
IMAGE_SIZE = 28
WEIGHTS_NAME = "models/mnist_classifier.safetensors"


class ClassifierError(UserError, RuntimeError):
    """The classifier weights or the embedded MNIST could not be read; the message says why."""


def _resource(relative: str) -> Path:
    return resource_path(*relative.split("/"))


@lru_cache(maxsize=1)
def load_embedded_mnist() -> tuple[np.ndarray, np.ndarray]:
    """The embedded MNIST: images uint8 (10000, 28, 28) and labels uint8 (10000,)."""
    from ganstudio.core.data import DataError, embedded_mnist

    try:
        return embedded_mnist()
    except DataError as exc:
        raise ClassifierError(str(exc)) from None


def split_indices() -> tuple[np.ndarray, np.ndarray]:
    """Fixed train/held-out index split of the embedded MNIST (8,000 / 2,000).

    A seeded permutation rather than first/last rows: the MNIST test set's two
    halves come from different writers and differ in difficulty.
    """
    order = np.random.default_rng(SPLIT_SEED).permutation(N_TRAIN + N_HELDOUT)
    return order[:N_TRAIN], order[N_TRAIN:]


def to_model_input(images: np.ndarray) -> torch.Tensor:
    """uint8 (N, 28, 28) -> float (N, 1, 28, 28) in [-1, 1], the generators' range."""
    return torch.from_numpy(images.astype(np.float32) / 127.5 - 1.0).unsqueeze(1)


def heldout_images() -> tuple[torch.Tensor, np.ndarray]:
    """The 2,000 held-out real digits as (N, 1, 28, 28) in [-1, 1], and their labels."""
    images, labels = load_embedded_mnist()
    _, held = split_indices()
    return to_model_input(images[held]), labels[held].astype(np.int64)


class MnistClassifier(nn.Module):
    """Five 3x3 convolutions, global average pooling, a 128-unit feature layer, 10 logits."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(),
            nn.Conv2d(32, 32, 3, padding=1), nn.ReLU(),
            nn.MaxPool2d(2),  # 14x14
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(),
            nn.Conv2d(64, 64, 3, padding=1), nn.ReLU(),
            nn.MaxPool2d(2),  # 7x7
            nn.Conv2d(64, 128, 3, padding=1), nn.ReLU(),
        )  # fmt: skip
        self.feature = nn.Linear(128, FEATURE_DIM)
        self.dropout = nn.Dropout(0.3)
        self.head = nn.Linear(FEATURE_DIM, 10)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """(N, 1, 28, 28) in [-1, 1] -> penultimate-layer features (N, 128)."""
        h = self.conv(x).mean(dim=(2, 3))
        return F.relu(self.feature(h))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.dropout(self.features(x)))


def prepare_images(images: torch.Tensor) -> torch.Tensor:
    """Bring 1-channel images of any square size to the classifier's 28x28."""
    if images.ndim != 4 or images.shape[1] != 1:
        raise ValueError(
            f"the MNIST classifier takes (N, 1, H, W) images, got {tuple(images.shape)}"
        )
    images = images.float()
    if images.shape[-2:] != (IMAGE_SIZE, IMAGE_SIZE):
        # Area resampling keeps stroke weight when a 32 px generator is shrunk to 28 px.
        images = F.interpolate(images, size=(IMAGE_SIZE, IMAGE_SIZE), mode="area")
    return images.clamp(-1.0, 1.0)


@torch.no_grad()
def embed(
    model: MnistClassifier, images: torch.Tensor, batch_size: int = 500
) -> tuple[torch.Tensor, torch.Tensor]:
    """Features (N, 128) and class probabilities (N, 10) of images (N, 1, H, W) in [-1, 1]."""
    model.eval()
    feats, probs = [], []
    for start in range(0, len(images), batch_size):
        x = prepare_images(images[start : start + batch_size])
        f = model.features(x)
        feats.append(f)
        probs.append(F.softmax(model.head(f), dim=1))
    return torch.cat(feats), torch.cat(probs)


@lru_cache(maxsize=2)
def load_classifier(path: str | None = None) -> MnistClassifier:
    """The shipped classifier (or one at path), in eval mode on the CPU. Cached."""
    file = Path(path) if path is not None else _resource(WEIGHTS_NAME)
    if not file.is_file():
        raise ClassifierError(f"The metric classifier weights are missing: {file} does not exist.")
    try:
        state = load_file(str(file), device="cpu")
    except Exception as exc:  # safetensors raises several types for a damaged file
        raise ClassifierError(f"Could not read the metric classifier {file}: {exc}") from exc
    model = MnistClassifier()
    try:
        model.load_state_dict({k: v.float() for k, v in state.items()})
    except RuntimeError as exc:
        raise ClassifierError(
            f"{file} does not hold this version's MNIST classifier: {exc}"
        ) from exc
    return model.eval()


def _random_shift(x: torch.Tensor, max_shift: int, gen: torch.Generator) -> torch.Tensor:
    """Shift each image by up to max_shift pixels in x and y, filling with background."""
    n = len(x)
    padded = F.pad(x, (max_shift,) * 4, value=-1.0)
    dx = torch.randint(0, 2 * max_shift + 1, (n,), generator=gen)
    dy = torch.randint(0, 2 * max_shift + 1, (n,), generator=gen)
    rows = (dy[:, None] + torch.arange(IMAGE_SIZE)[None, :])[:, :, None]
    cols = (dx[:, None] + torch.arange(IMAGE_SIZE)[None, :])[:, None, :]
    return padded[torch.arange(n)[:, None, None], 0, rows, cols].unsqueeze(1)


@torch.no_grad()
def accuracy(model: MnistClassifier, images: torch.Tensor, labels: np.ndarray) -> float:
    _, probs = embed(model, images)
    return float((probs.argmax(dim=1).numpy() == labels).mean())


def train(
    epochs: int = 20, batch_size: int = 64, lr: float = 2e-3, seed: int = 0, log=print
) -> tuple[MnistClassifier, float]:
    """Train on the 8,000-image split; returns the model and its held-out accuracy."""
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    images, labels = load_embedded_mnist()
    train_idx, _ = split_indices()
    x_train = to_model_input(images[train_idx])
    y_train = torch.from_numpy(labels[train_idx].astype(np.int64))
    x_held, y_held = heldout_images()
    model = MnistClassifier()
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-4)
    steps_per_epoch = math.ceil(len(x_train) / batch_size)
    sched = torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=lr, total_steps=epochs * steps_per_epoch
    )
    start = time.perf_counter()
    for epoch in range(epochs):
        model.train()
        order = torch.randperm(len(x_train), generator=gen)
        for i in range(steps_per_epoch):
            idx = order[i * batch_size : (i + 1) * batch_size]
            x = _random_shift(x_train[idx], 2, gen)
            loss = F.cross_entropy(model(x), y_train[idx], label_smoothing=0.05)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
        acc = accuracy(model, x_held, y_held)
        log(
            f"epoch {epoch + 1}/{epochs}: held-out accuracy {acc:.4f} ({time.perf_counter() - start:.0f} s)"
        )
    return model.eval(), accuracy(model, x_held, y_held)


def save_classifier(model: MnistClassifier, path: Path) -> None:
    # float16 halves the shipped file; features and accuracy do not change measurably.
    state = {k: v.detach().to(torch.float16).contiguous() for k, v in model.state_dict().items()}
    save_file(state, str(path), metadata={"format": "ganstudio-mnist-classifier-1"})


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description="Train the metric classifier on the embedded MNIST."
    )
    parser.add_argument(
        "--out", type=Path, required=True, help="where to write the .safetensors file"
    )
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    model, _ = train(epochs=args.epochs, seed=args.seed)
    save_classifier(model, args.out)
    reloaded = load_classifier(str(args.out))
    x_held, y_held = heldout_images()
    print(
        f"held-out accuracy of the saved (float16) weights: {accuracy(reloaded, x_held, y_held):.4f}"
    )


if __name__ == "__main__":
    main()
