"""What a file or folder dropped on the Training tab is, and what the tab does with it.

- a run folder (it has config.json): opened and followed, as File > Open run folder does;
- any other folder: its images become the training data (dataset "folder"); a folder
  without images gets the form's own message at the dataset preview;
- a generator or checkpoint file: opened in the Explorer (to continue training a run,
  drop its run folder and press Resume);
- anything else: one line in the status bar saying what can be dropped.
"""

from __future__ import annotations

from pathlib import Path

RUN, IMAGES, CHECKPOINT, OTHER = "run", "images", "checkpoint", "other"
CAN_DROP = "drop a folder of images, a run folder or a checkpoint here"


def checkpoint_suffixes() -> tuple[str, ...]:
    """Every file suffix the explorer opens as a generator (or explains why it cannot)."""
    from ganstudio.core.io import interop
    from ganstudio.core.io.checkpoint import SUFFIX

    return (SUFFIX, ".pt", ".pth", ".pkl", *interop.SUFFIXES)


def classify(path: str | Path) -> str:
    p = Path(path)
    if p.is_dir():
        from ganstudio.core.io.runs import is_run_dir

        return RUN if is_run_dir(p) else IMAGES
    if p.is_file() and p.suffix.lower() in checkpoint_suffixes():
        return CHECKPOINT
    return OTHER


def refusal(path: str | Path) -> str:
    """The status-bar line for something the tab cannot use."""
    from ganstudio.core.export import IMAGE_SUFFIXES

    p = Path(path)
    if not p.exists():
        return f"{p.name} cannot be opened: it no longer exists."
    if p.suffix.lower() in IMAGE_SUFFIXES:
        return (f"{p.name} is one image: to train on images, drop the folder that holds them "
                "(the explorer's Project page takes a single image).")
    return f"GAN Studio cannot use {p.name} here: {CAN_DROP}."
