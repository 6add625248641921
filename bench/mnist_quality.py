"""Sample quality against training time on the embedded MNIST (preset mnist-dcgan).

Trains the project's Trainer on the CPU for a budget of CPU time and, at fixed
points of that budget, scores the generator (EMA weights where on) with the
metric classifier: Frechet distance of its features, class KL to uniform,
precision and recall (k = 3), beside what two disjoint halves of real held-out
digits score (the floor a generator can hope for). Evaluation time is not
counted in the budget.

    python bench/mnist_quality.py                       # 10 CPU minutes, a row every minute
    python bench/mnist_quality.py --minutes 4 --every 0.5 --set train.lr_g=1e-4
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any


def parse_value(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def build_config(preset_name: str, overrides: list[str], seed: int):
    from ganstudio.core.config import preset

    sections: dict[str, dict[str, Any]] = {
        # The step budget is the time budget here: steps only has to be large enough.
        "train": {"seed": seed, "device": "cpu", "steps": 10_000_000},
    }
    for item in overrides:
        key, _, value = item.partition("=")
        section, _, name = key.partition(".")
        sections.setdefault(section, {})[name] = parse_value(value)
    return preset(preset_name).replace(**sections)


def row(label: str, steps: str, r: dict[str, Any]) -> str:
    return (
        f"{label:>9s} {steps:>7s} {r['frechet_distance']:9.2f} {r['class_kl']:9.3f} "
        f"{r['precision']:9.3f} {r['recall']:9.3f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--preset", default="mnist-dcgan")
    parser.add_argument("--minutes", type=float, default=10.0, help="CPU-time budget")
    parser.add_argument("--every", type=float, default=1.0, help="minutes between evaluations")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--n", type=int, default=1000, help="generated samples per evaluation")
    parser.add_argument("--set", dest="overrides", action="append", default=[],
                        help="override a config field, e.g. train.lr_g=1e-4 (repeatable)")  # fmt: skip
    args = parser.parse_args()

    import torch

    from ganstudio.core.metrics import evaluate, real_floor
    from ganstudio.core.training.trainer import Trainer

    torch.set_num_threads(args.threads)
    config = build_config(args.preset, args.overrides, args.seed)
    if config.is_toy:
        parser.error("this bench is for image presets; see bench/toy2d_modes.py for the toys")
    trainer = Trainer(config)
    floor = real_floor()
    settings = " ".join(args.overrides) or "preset defaults"
    print(f"{args.preset} ({settings}), seed {args.seed}, {args.threads} thread(s), "
          f"{args.n} generated vs 1,000 held-out real digits")  # fmt: skip
    print(f"{'CPU min':>9s} {'steps':>7s} {'Frechet':>9s} {'class KL':>9s} "
          f"{'precision':>9s} {'recall':>9s}")  # fmt: skip
    train_cpu = 0.0
    next_eval = args.every * 60
    budget = args.minutes * 60
    while train_cpu < budget:
        start = time.process_time()
        trainer.step()
        train_cpu += time.process_time() - start
        if train_cpu >= next_eval or train_cpu >= budget:
            r = evaluate(trainer.loaded_generator(), n=args.n, seed=1)
            print(row(f"{train_cpu / 60:.1f}", str(trainer.step_count), r), flush=True)
            next_eval += args.every * 60
    print(row("real", "-", floor), "  (two disjoint halves of the held-out digits)")
    print(f"last class histogram: {r['class_histogram']}")
    trainer.close()


if __name__ == "__main__":
    main()
