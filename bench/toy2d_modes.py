"""Mode coverage on the 2-D ring and grid, beside PacGAN's published Table 1.

Trains the project's own Trainer from the toy-ring / toy-grid presets (PacGAN's
set-up: MLPs of 4 hidden layers, 2-D latent, batch 100; our layers have 200
units where PacGAN's had 400) for
several seeds, one CPU thread each, and scores 2,500 samples per seed with the
VEEGAN/PacGAN definitions in ganstudio.core.metrics.

    python bench/toy2d_modes.py                      # both toys, seeds 0-4, preset settings
    python bench/toy2d_modes.py --toys ring --seeds 10 --set train.lr_g=2e-4 --set model.pack=4

Both presets carry the best settings measured so far, with a learning rate falling
linearly to 0 over the second half (train.lr_decay=0.5). The ring (toy-ring): R1 0.1, 10000
steps. The grid (toy-grid): 64 Fourier features of scale 0.15 in front of D, R1 0.5 applied
lazily every 8th step, 16000 steps. Earlier candidates can be replayed with --set, e.g. the
ring before R1 and the decay, the grid before lazy R1, or the grid's first Fourier set-up:

    python bench/toy2d_modes.py --toys ring --jobs 2 --set train.r1_gamma=0 \
        --set train.lr_decay=0 --set train.steps=12000
    python bench/toy2d_modes.py --toys grid --jobs 2 --set train.r1_every=1 --set train.steps=11000
    python bench/toy2d_modes.py --toys grid --jobs 2 --set model.toy_feature_scale=0.5 \
        --set train.r1_gamma=1.0 --set train.steps=9000
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing as mp
import time
from typing import Any

# Published figures: Lin, Khetan, Fanti, Oh, "PacGAN: The power of two samples in
# generative adversarial networks", NeurIPS 2018, Table 1 (mean over 10 trials).
PUBLISHED = {
    "ring": [("GAN", 6.3, 98.2, 0.45), ("PacGAN2", 7.9, 95.6, 0.07)],
    "grid": [("GAN", 17.3, 94.8, 0.70), ("PacGAN4", 24.8, 93.6, 0.04)],
}
SOURCE = "Lin et al., PacGAN (NeurIPS 2018), Table 1"
TARGETS = {"ring": 8.0, "grid": 24.9}  # modes; and high quality >= 95%, reverse KL <= 0.05


def parse_value(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text  # bare strings such as train.loss=hinge


def build_config(toy: str, seed: int, overrides: list[str]):
    from ganstudio.core.config import preset

    sections: dict[str, dict[str, Any]] = {"train": {"seed": seed, "device": "cpu"}}
    for item in overrides:
        key, _, value = item.partition("=")
        section, _, name = key.partition(".")
        sections.setdefault(section, {})[name] = parse_value(value)
    return preset(f"toy-{toy}").replace(**sections)


def run_seed(args: tuple[str, int, list[str], int]) -> dict[str, Any]:
    toy, seed, overrides, eval_every = args
    import torch

    from ganstudio.core.metrics import evaluate
    from ganstudio.core.training.trainer import Trainer

    torch.set_num_threads(1)  # one core per seed: the figure people compare is CPU time
    config = build_config(toy, seed, overrides)
    trainer = Trainer(config)
    start = time.process_time()
    curve = []
    for _ in range(config.train.steps):
        trainer.step()
        if eval_every and trainer.step_count % eval_every == 0:
            r = evaluate(trainer.loaded_generator(), n=2500, seed=1000 + seed)
            curve.append(
                f"{trainer.step_count}:{r['modes_covered']}/{100 * r['high_quality']:.0f}%/"
                f"{r['reverse_kl']:.2f}"
            )
    cpu = time.process_time() - start  # includes the curve's evaluations, if any
    result = evaluate(trainer.loaded_generator(), n=2500, seed=1000 + seed)
    trainer.close()
    result["eval_seed"] = result.pop("seed")
    return {
        "toy": toy,
        "seed": seed,
        "cpu_s": cpu,
        "steps": config.train.steps,
        "curve": curve,
        **result,
    }


def mean_se(values: list[float]) -> tuple[float, float]:
    n = len(values)
    mean = sum(values) / n
    if n < 2:
        return mean, float("nan")
    var = sum((v - mean) ** 2 for v in values) / (n - 1)
    return mean, math.sqrt(var / n)


def summary(toy: str, rows: list[dict[str, Any]], overrides: list[str]) -> str:
    modes = mean_se([r["modes_covered"] for r in rows])
    hq = mean_se([100 * r["high_quality"] for r in rows])
    kl = mean_se([r["reverse_kl"] for r in rows])
    cpu = max(r["cpu_s"] for r in rows)
    settings = " ".join(overrides) or "preset defaults"
    lines = [
        f"\n{toy} ({len(rows)} seeds, {rows[0]['steps']} steps, {settings})",
        f"  {'':10s} {'modes':>12s} {'high quality %':>16s} {'reverse KL':>14s}",
        f"  {'ours':10s} {modes[0]:6.2f} ± {modes[1]:4.2f} {hq[0]:9.1f} ± {hq[1]:4.1f} "
        f"{kl[0]:8.3f} ± {kl[1]:5.3f}   (mean ± s.e.; slowest seed {cpu:.0f} CPU s)",
    ]
    for name, m, h, k in PUBLISHED[toy]:
        lines.append(f"  {name:10s} {m:6.1f}        {h:9.1f}        {k:8.2f}           ({SOURCE})")
    ok = modes[0] >= TARGETS[toy] and hq[0] >= 95.0 and kl[0] <= 0.05 and cpu <= 120
    lines.append(
        f"  target: modes >= {TARGETS[toy]}, high quality >= 95%, reverse KL <= 0.05, "
        f"<= 120 CPU s a seed: {'met' if ok else 'NOT met'}"
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--toys", nargs="+", default=["ring", "grid"], choices=["ring", "grid"])
    parser.add_argument("--seeds", type=int, default=5, help="seeds 0..N-1")
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        help="override a config field, e.g. train.lr_g=2e-4 (repeatable)",
    )
    parser.add_argument(
        "--jobs", type=int, default=1, help="seeds trained in parallel (one core each)"
    )
    parser.add_argument(
        "--eval-every",
        type=int,
        default=0,
        help="also score every N steps (modes/high quality/KL), to see the curve",
    )
    parser.add_argument("--json", action="store_true", help="also print one JSON line per seed")
    args = parser.parse_args()
    for toy in args.toys:
        build_config(toy, 0, args.overrides).validate()  # fail before any training
        tasks = [
            (toy, s, args.overrides, args.eval_every)
            for s in range(args.first_seed, args.first_seed + args.seeds)
        ]
        rows = []
        with mp.get_context("spawn").Pool(args.jobs) as pool:
            for r in pool.imap(run_seed, tasks):
                rows.append(r)
                print(
                    f"{toy} seed {r['seed']}: modes {r['modes_covered']}/{r['n_modes']}, "
                    f"high quality {100 * r['high_quality']:.1f}%, reverse KL {r['reverse_kl']:.3f}, "
                    f"{r['cpu_s']:.0f} CPU s",
                    " ".join(r["curve"]),
                    flush=True,
                )
                if args.json:
                    print(json.dumps(r), flush=True)
        print(summary(toy, rows, args.overrides), flush=True)


if __name__ == "__main__":
    main()
