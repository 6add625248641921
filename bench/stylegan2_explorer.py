"""StyleGAN2 in the explorer: drag-preview and full-frame times on this CPU, beside a bare
forward pass.

Builds two generators with random weights and FFHQ-like widths, as stylegan2-ada-pytorch's
paper configurations set them (z and w 512, 8 mapping layers, channel_max 512, conv_clamp
256): "paper256" (256 px, channel_base 16384) and "paper1024" (1024 px, channel_base
32768). For each it prints, in milliseconds (p50 / p95):

- bare:    ``G.synthesis(ws)`` at batch 1 under inference_mode (the reference);
- plan:    the PreviewPlan's timing of each block ``synthesis(ws, max_res=r)`` and its choice;
- preview: a frame while a slider drags, as the explorer's render worker makes it
           (gui.explorer.wspace_render.WFrames): the state's ws (cached mapping) +
           synthesis to the planned block + uint8 + the display QImage enlarged smoothly
           to the full size;
- full:    the frame when the drag stops: ws + full synthesis + uint8 + QImage.

Targets (issue 12): preview p95 <= 50 ms at the 1024 px configuration; full <= 2x bare.

    python bench/stylegan2_explorer.py [--configs 256,1024] [--runs 10] [--frames 50]
                                       [--budget 50] [--threads N]

Uses torch's default thread count unless --threads is given. The load average is printed
before and after: on a shared machine, figures taken under load are not comparable.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

CONFIGS = {
    256: dict(channel_base=16384, name="paper256"),
    1024: dict(channel_base=32768, name="paper1024"),
}


def build(resolution: int):
    import torch

    from ganstudio.core.models.stylegan2.networks import StyleGAN2Generator

    torch.manual_seed(0)
    spec = CONFIGS[resolution]
    G = StyleGAN2Generator(
        z_dim=512, c_dim=0, w_dim=512, img_resolution=resolution, img_channels=3,
        mapping_layers=8, channel_base=spec["channel_base"], channel_max=512, conv_clamp=256,
    )
    with torch.no_grad():  # noise inputs matter in trained models: give them a strength
        for name, p in G.named_parameters():
            if name.endswith("noise_strength"):
                p.fill_(0.1)
    return G.eval().requires_grad_(False), spec["name"]


def pct(values: list[float]) -> tuple[float, float]:
    arr = np.asarray(values)
    return float(np.percentile(arr, 50)), float(np.percentile(arr, 95))


def timed(fn, runs: int, warmup: int = 2) -> list[float]:
    for _ in range(warmup):
        fn(-1)
    out = []
    for i in range(runs):
        t0 = time.perf_counter()
        fn(i)
        out.append((time.perf_counter() - t0) * 1000.0)
    return out


def bench_config(resolution: int, runs: int, frames: int, budget: float) -> dict:
    import torch

    from ganstudio.core.latent import wspace
    from ganstudio.gui.explorer.wspace_render import WFrameRequest, WFrames

    G, name = build(resolution)
    default_threads = torch.get_num_threads()
    source = WFrames(G, budget)  # what the explorer's render worker holds for a StyleGAN2
    state = wspace.WState(seed=1, psi=0.7)
    ws = source.renderer.ws(state)

    def bare(_i: int) -> None:
        torch.set_num_threads(default_threads)
        with torch.inference_mode():
            G.synthesis(ws, noise_mode="const")

    bare_ms = timed(bare, runs)
    t0 = time.perf_counter()
    plan = source.preview_plan()
    plan_s = time.perf_counter() - t0

    def preview(i: int) -> None:
        # A drag: each frame a new truncation value, as the truncation slider sends them.
        s = state.with_(psi=0.5 + 0.01 * (i % 50))
        source.frame(WFrameRequest(s, None, True), None)

    preview_ms = timed(preview, frames, warmup=3)

    def full(i: int) -> None:
        source.frame(WFrameRequest(state.with_(psi=0.6 + 0.01 * i), None, False), None)

    full_ms = timed(full, runs)
    torch.set_num_threads(default_threads)
    return dict(name=name, resolution=resolution, bare=bare_ms, preview=preview_ms,
                full=full_ms, plan=plan, plan_s=plan_s, threads=default_threads)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--configs", default="256,1024")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--frames", type=int, default=50)
    parser.add_argument("--budget", type=float, default=50.0)
    parser.add_argument("--threads", type=int, default=0)
    args = parser.parse_args(argv)

    import torch

    from ganstudio.core.latent import wspace

    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"{os.cpu_count()} CPUs, load average before: {os.getloadavg()[0]:.2f}")
    rows = []
    for res in (int(r) for r in args.configs.split(",")):
        t0 = time.perf_counter()
        rows.append(bench_config(res, args.runs, args.frames, args.budget))
        print(f"  {CONFIGS[res]['name']} measured in {time.perf_counter() - t0:.0f} s")
    print(f"load average after: {os.getloadavg()[0]:.2f}\n")
    for row in rows:
        plan = row["plan"]
        b50, b95 = pct(row["bare"])
        p50, p95 = pct(row["preview"])
        f50, f95 = pct(row["full"])
        print(f"{row['name']} ({row['resolution']} px), ms p50 / p95:")
        print(f"  bare forward   {b50:8.1f} / {b95:8.1f}   ({len(row['bare'])} runs)")
        print(f"  drag preview   {p50:8.1f} / {p95:8.1f}   ({len(row['preview'])} frames at "
              f"{plan.resolution} px, enlarged to {row['resolution']} px)   "
              f"p95 target {args.budget:.0f}: {'met' if p95 <= args.budget else 'MISSED'}")
        print(f"  full frame     {f50:8.1f} / {f95:8.1f}   ({len(row['full'])} frames)   "
              f"full/bare p50 {f50 / b50:.2f}x, p95 {f95 / b95:.2f}x (target <= 2x)")
        for (threads, precision), times in sorted(plan.tried.items()):
            blocks = "  ".join(f"{r}:{ms:.1f}" for r, ms in sorted(times.items()))
            print(f"  plan, {threads} thread(s), {precision:8s}: block px -> median ms   {blocks}")
        print(f"  => preview {plan.resolution} px, {plan.threads} thread(s), {plan.precision} "
              f"(budget {plan.budget_ms:.0f} ms x {wspace.HEADROOM} headroom; "
              f"planned in {row['plan_s']:.1f} s); bare and full frames with "
              f"{row['threads']} threads")
        print(f"  preview/bare p50 {p50 / b50:.3f}x\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
