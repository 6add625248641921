"""Training throughput: our Trainer against a plain PyTorch loop (the DCGAN example's loop)
with the same networks, batch, data and device, measured in alternating rounds in one run.

    python bench/train_throughput.py                      # mnist-dcgan, batch 64, CPU
    python bench/train_throughput.py --device cuda --batch-size 256 --precision bf16
    python bench/train_throughput.py --device cuda --resolution 64

Prints images/s of both and their ratio (ours / plain). On CUDA, ours uses channels_last,
cudnn.benchmark, fused Adam, data kept on the GPU and the chosen autocast precision; the
plain loop is the example as written (fp32, contiguous, data copied from the host).
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
import torch.nn.functional as F

from ganstudio.core.config import preset
from ganstudio.core.models.build import build_discriminator, build_generator
from ganstudio.core.training.trainer import Trainer


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


class PlainLoop:
    """The PyTorch DCGAN example's training step, nothing added."""

    def __init__(self, cfg, images: torch.Tensor, device: torch.device) -> None:
        torch.manual_seed(cfg.train.seed)
        self.G = build_generator(cfg).to(device)
        self.D = build_discriminator(cfg).to(device)
        t = cfg.train
        self.opt_G = torch.optim.Adam(self.G.parameters(), lr=t.lr_g, betas=(t.beta1, t.beta2))
        self.opt_D = torch.optim.Adam(self.D.parameters(), lr=t.lr_d, betas=(t.beta1, t.beta2))
        self.images, self.device, self.b, self.nz = images, device, t.batch_size, cfg.model.latent_dim

    def step(self) -> None:
        idx = torch.randint(0, self.images.shape[0], (self.b,))
        real = (self.images[idx].float() / 127.5 - 1).to(self.device)
        ones = torch.ones(self.b, device=self.device)
        zeros = torch.zeros(self.b, device=self.device)
        self.D.zero_grad()
        err_real = F.binary_cross_entropy_with_logits(self.D(real), ones)
        err_real.backward()
        fake = self.G(torch.randn(self.b, self.nz, device=self.device))
        err_fake = F.binary_cross_entropy_with_logits(self.D(fake.detach()), zeros)
        err_fake.backward()
        self.opt_D.step()
        self.G.zero_grad()
        err_g = F.binary_cross_entropy_with_logits(self.D(fake), ones)
        err_g.backward()
        self.opt_G.step()
        (err_real + err_fake).item(), err_g.item()  # the example prints both every step


def _rate(step, n_steps: int, batch: int, device: torch.device) -> float:
    _sync(device)
    t0 = time.perf_counter()
    for _ in range(n_steps):
        step()
    _sync(device)
    return n_steps * batch / (time.perf_counter() - t0)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--preset", default="mnist-dcgan")
    p.add_argument("--device", default="cpu")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--resolution", type=int, default=None, help="28, 32 or 64")
    p.add_argument("--precision", default="fp32", choices=("fp32", "bf16", "fp16"))
    p.add_argument("--compile", action="store_true")
    p.add_argument("--steps", type=int, default=20, help="steps per round")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    a = p.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)

    cfg = preset(a.preset)
    cfg.train.device, cfg.train.batch_size, cfg.train.precision = a.device, a.batch_size, a.precision
    cfg.train.compile = a.compile
    cfg.train.r1_gamma = 0.0  # the plain loop has no R1 penalty: compare the same work
    if a.resolution:
        cfg.model.resolution = a.resolution
    trainer = Trainer(cfg.validate())
    device = trainer.device
    plain = PlainLoop(cfg, trainer.dataset.images, device)
    for _ in range(3):  # warm-up: allocator, cudnn autotuning, compilation
        trainer.step()
        plain.step()
    ours_r, plain_r, ratios = [], [], []
    for i in range(a.rounds):  # alternate (and swap the order) so machine noise hits both alike
        first, second = (trainer.step, plain.step) if i % 2 == 0 else (plain.step, trainer.step)
        r1 = _rate(first, a.steps, a.batch_size, device)
        r2 = _rate(second, a.steps, a.batch_size, device)
        o, b = (r1, r2) if i % 2 == 0 else (r2, r1)
        ours_r.append(o)
        plain_r.append(b)
        ratios.append(o / b)
    ours, base = statistics.median(ours_r), statistics.median(plain_r)
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else f"CPU, {torch.get_num_threads()} threads"
    print(f"train_throughput: {a.preset} {cfg.model.resolution}px batch {a.batch_size} on {name}, "
          f"precision {a.precision}{', compiled' if a.compile else ''}; median of {a.rounds} rounds x {a.steps} steps")
    print(f"  plain PyTorch loop : {base:9.1f} images/s")
    print(f"  GAN Studio Trainer : {ours:9.1f} images/s  (EMA {'on' if cfg.train.ema else 'off'})")
    print(f"  ratio ours/plain   : {ours / base:9.2f}  (median of per-round ratios "
          f"{statistics.median(ratios):.2f}, range {min(ratios):.2f}-{max(ratios):.2f})")


if __name__ == "__main__":
    main()
