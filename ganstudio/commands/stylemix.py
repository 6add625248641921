"""`ganstudio stylemix`: the style-mixing grid of NVIDIA's style_mixing.py (Karras et al. 2019,
figure 3). The first row shows the column seeds' images, the first column the row seeds'; each
other cell is its row's w with the column's w on the chosen style layers."""

from __future__ import annotations

import argparse
from pathlib import Path

from ganstudio.core.errors import UserError

MAX_SIDE = 32  # seeds per row or column: a 33 x 33 grid of 1024 px images is already 1 GB


def add_parser(sub: argparse._SubParsersAction, model_help: str) -> None:
    m = sub.add_parser("stylemix", help="a style-mixing grid of a StyleGAN model (rows x columns)")
    m.add_argument("checkpoint", help=model_help)
    m.add_argument("--rows", required=True, help=f"row seeds: 1-4 or 85,100,75 (at most {MAX_SIDE})")
    m.add_argument("--cols", required=True, help=f"column seeds (at most {MAX_SIDE})")
    m.add_argument("--layers", "--styles", dest="layers", default="0-6",
                   help="the style layers taken from the column's w (default 0-6, the coarse and "
                        "middle styles)")
    m.add_argument("--truncation", type=float, default=1.0, help="truncation psi (default 1)")
    m.add_argument("--noise-mode", choices=("const", "random", "none"), default="const")
    m.add_argument("--class", dest="class_index", type=int, help="class of a conditional model")
    m.add_argument("-o", "--out", type=Path, default=Path("stylemix.png"), help="the grid as PNG")


def mix_grid(G, rows: list[int], cols: list[int], layers: list[int], *, psi: float = 1.0,
             noise_mode: str = "const", class_index: int = 0):
    """uint8 (H, W, C): (1 + len(rows)) x (1 + len(cols)) tiles, the corner black."""
    import numpy as np
    import torch

    from ganstudio.core.generate import generate_uint8
    from ganstudio.core.latent.wspace import WState, ws_of

    seeds = list(dict.fromkeys(rows + cols))
    ws = {s: ws_of(G, WState(seed=s, psi=psi, class_index=class_index))[0] for s in seeds}
    mixed = []
    for r in rows:
        for c in cols:
            w = ws[r].clone()
            w[layers] = ws[c][layers]
            mixed.append(w)
    plain = generate_uint8(G, torch.stack([ws[s] for s in seeds]), space="w", noise_mode=noise_mode)
    cells = generate_uint8(G, torch.stack(mixed), space="w", noise_mode=noise_mode)
    image = dict(zip(seeds, plain))
    h, w, ch = plain.shape[1:]
    canvas = np.zeros(((len(rows) + 1) * h, (len(cols) + 1) * w, ch), np.uint8)
    for j, c in enumerate(cols):
        canvas[:h, (j + 1) * w : (j + 2) * w] = image[c]
    for i, r in enumerate(rows):
        canvas[(i + 1) * h : (i + 2) * h, :w] = image[r]
        for j in range(len(cols)):
            canvas[(i + 1) * h : (i + 2) * h, (j + 1) * w : (j + 2) * w] = cells[i * len(cols) + j]
    return canvas


def run(a: argparse.Namespace) -> int:
    from ganstudio.core.export import save_png
    from ganstudio.core.generate import is_stylegan

    from .models import class_label, open_model
    from .ranges import parse_range

    rows = parse_range(a.rows, "--rows", limit=MAX_SIDE)
    cols = parse_range(a.cols, "--cols", limit=MAX_SIDE)
    layers = parse_range(a.layers, "--layers", limit=1024, largest=1023)
    loaded = open_model(a.checkpoint)
    G = loaded.generator
    if not is_stylegan(G):
        raise UserError(f"{loaded.name} has no style layers to mix (it maps z straight to images); "
                        "stylemix needs a StyleGAN model")
    num_ws = int(G.num_ws)
    beyond = [i for i in layers if i >= num_ws]
    if beyond:
        raise UserError(f"--layers {a.layers}: layer {beyond[0]} does not exist; this model has "
                        f"{num_ws} style layers (0-{num_ws - 1})")
    label = class_label(G, a.class_index, note=True)
    grid = mix_grid(G, rows, cols, sorted(set(layers)), psi=a.truncation, noise_mode=a.noise_mode,
                    class_index=label or 0)
    path = save_png(grid, a.out)
    print(f"style mixing of {loaded.name}: {len(rows)} rows x {len(cols)} columns, layers "
          f"{a.layers} -> {path}")
    return 0
