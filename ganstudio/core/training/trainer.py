"""The training loop shared by the app and the command line.

`Trainer.step()` does n_critic discriminator updates and one generator update and returns the
step's figures; `Trainer.run(hooks)` loops with hooks for progress, samples, checkpoints, pause
and stop (the shape of StyleGAN3's training loop with progress_fn/abort_fn, minus pickles).
Under torchrun it trains data-parallel: see `dist.py`.
"""

from __future__ import annotations

import copy
import json
import math
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ganstudio.core import losses
from ganstudio.core.augment import diff_augment
from ganstudio.core.config import ConfigError, RunConfig
from ganstudio.core.data import ImageData, ToyData, build_dataset
from ganstudio.core.errors import CheckpointError, UserError
from ganstudio.core.export import make_grid
from ganstudio.core.generate import generate
from ganstudio.core.io.checkpoint import (
    LoadedGenerator,
    check_checkpoint_fits,
    config_of,
    load_into,
    read_checkpoint,
    restore_optimizer,
    save_checkpoint,
    strip_prefix,
)
from ganstudio.core.io.loader import resolve_checkpoint
from ganstudio.core.io.runlock import LockOwner, RunLock
from ganstudio.core.io.runs import LATEST, RunWriter, step_name
from ganstudio.core.models import registry
from ganstudio.core.models.build import build_discriminator, build_generator
from ganstudio.core.models.stylegan2 import training as stylegan2_train
from ganstudio.core.training import dist

TOY_EXTENT = {"toy-ring": 1.6, "toy-grid": 5.5, "toy-spiral": 2.6}
KEEP_CHECKPOINTS = 3


class TrainingDiverged(UserError, RuntimeError):
    """A loss became NaN or infinite; no checkpoint was written from the bad state."""

    def __init__(self, step: int, figures: dict[str, float]) -> None:
        self.step = step
        shown = ", ".join(f"{k}={v}" for k, v in figures.items())
        super().__init__(f"Training diverged at step {step} ({shown}). Lower the learning rates, "
                         "try another loss (hinge, wgan-gp) or spectral norm, or roll back to "
                         "the last checkpoint.")


@dataclass
class TrainHooks:
    progress: Callable[[dict[str, float]], None] | None = None
    samples: Callable[[int, np.ndarray], None] | None = None
    checkpoint: Callable[[Path], None] | None = None
    should_pause: Callable[[], bool] | None = None
    should_stop: Callable[[], bool] | None = None


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise ConfigError("train.device", name, "no CUDA GPU is available here; choose cpu or auto")
    if name == "mps" and not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
        raise ConfigError("train.device", name, "MPS is not available on this machine; choose cpu or auto")
    return torch.device(name)


def available_devices() -> list[str]:
    found = ["cpu"]
    if torch.cuda.is_available():
        found.insert(0, "cuda")
    if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
        found.insert(0, "mps")
    return ["auto", *found]


def _adam(module: nn.Module, lr: float, options: dict[str, Any]) -> torch.optim.Optimizer:
    try:
        return torch.optim.Adam(module.parameters(), lr=lr, **options)
    except (RuntimeError, ValueError):  # a torch without the fused kernel for this device
        plain = {k: v for k, v in options.items() if k != "fused"}
        return torch.optim.Adam(module.parameters(), lr=lr, **plain)


GRID_ROW = 8  # samples per class in a conditional model's sample grid

class Trainer:
    def __init__(self, config: RunConfig, run_dir: str | Path | None = None, *,
                 dataset: ImageData | ToyData | None = None,
                 data_progress: Callable[[int, int], None] | None = None) -> None:
        self.config = config.validate()
        # One writer per run folder (runlock.py): taken before anything is built or written, so
        # a second writer is refused at once; under torchrun rank 0 alone writes, and locks.
        self._lock = RunLock(run_dir).acquire() if (run_dir and dist.rank() == 0) else None
        try:
            self._build(self.config, run_dir, dataset, data_progress)
        except BaseException:
            if self._lock is not None:
                self._lock.discard()
            raise

    def _build(self, config: RunConfig, run_dir: str | Path | None,
               dataset: ImageData | ToyData | None,
               data_progress: Callable[[int, int], None] | None) -> None:
        refusal = registry.family(config.model.arch).refuses_training
        if refusal:  # a family that only opens (StyleGAN3): one sentence, before anything is built
            raise ConfigError("model.arch", config.model.arch, refusal)
        stylegan2_train.check_trainable(config)
        t = config.train
        self.stylegan2 = config.model.arch == "stylegan2"
        self.rank, self.world = dist.rank(), dist.world_size()
        self.device = dist.device_for_rank(resolve_device(t.device))
        torch.manual_seed(t.seed)  # the same initial weights on every rank and every run
        self.G = build_generator(config).to(self.device)
        self.D = build_discriminator(config).to(self.device)
        cuda = self.device.type == "cuda"
        if cuda and not config.is_toy:
            torch.backends.cudnn.benchmark = True
            if not self.stylegan2:  # its modulated convs reshape weights per sample
                self.G.to(memory_format=torch.channels_last)
                self.D.to(memory_format=torch.channels_last)
        dist.broadcast_module(self.G)
        dist.broadcast_module(self.D)
        self.G_ema = copy.deepcopy(self.G).eval().requires_grad_(False) if t.ema else None
        adam: dict[str, Any] = {"betas": (t.beta1, t.beta2)}
        if self.device.type in ("cuda", "cpu"):
            # One fused kernel per optimizer step instead of a loop over the parameters. On a
            # 2-core CPU a toy-grid step fell from about 12.5 to 8.5 ms (the small MLPs' time
            # was a third Adam); a 28x28 DCGAN step, dominated by convolutions, is unchanged.
            adam["fused"] = True
        self.opt_G = _adam(self.G, t.lr_g, adam)
        self.opt_D = _adam(self.D, t.lr_d, adam)
        self.amp_dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(t.precision)
        self.scaler = torch.amp.GradScaler("cuda") if (t.precision == "fp16" and cuda) else None
        self._G_fwd: nn.Module = torch.compile(self.G) if t.compile else self.G
        self._D_fwd: nn.Module = torch.compile(self.D) if t.compile else self.D
        if self.stylegan2:  # mixing needs the mapping apart; compile only the synthesis
            self._G_fwd = torch.compile(self.G.synthesis) if t.compile else self.G.synthesis
        # StyleGAN2's running mean path length; saved in checkpoints so a resume is exact.
        self.pl_mean = torch.zeros((), device=self.device)

        self.dataset = dataset if dataset is not None else build_dataset(config, data_progress)
        self._images: torch.Tensor | None = None
        if isinstance(self.dataset, ImageData):
            n = len(self.dataset)
            if n < t.batch_size * self.world:
                raise ValueError(f"The dataset has {n} images, fewer than one batch "
                                 f"({t.batch_size * self.world}); lower the batch size.")
            # Small datasets live on the GPU: a batch is then one index_select, no copy.
            on_device = cuda and self.dataset.images.numel() < 2**30
            self._images = self.dataset.images.to(self.device) if on_device else self.dataset.images
        # A conditional model trains on (image, label) pairs; its fakes are asked for the labels
        # of the real batch beside them, so both sides see the data's class frequencies.
        self.c_dim = config.model.c_dim
        self._labels: torch.Tensor | None = None
        self._real_c: torch.Tensor | None = None
        if self.c_dim:
            labels = getattr(self.dataset, "labels", None)
            if labels is None or len(labels) != len(self.dataset):
                raise ConfigError("model.c_dim", self.c_dim, "0 for a dataset without class labels")
            self._labels = labels.to(self.device)
        self.epoch, self._pos, self._order = 0, 0, torch.empty(0, dtype=torch.long)
        self._toy_rng = np.random.default_rng([t.seed, self.rank])
        torch.manual_seed(t.seed + 1000 * self.rank + 1)  # per-rank noise and augmentation
        # A conditional model's grid has one row of GRID_ROW samples per class.
        self.fixed_z = torch.randn(max(64, GRID_ROW * config.model.c_dim), config.model.latent_dim,
                                   generator=torch.Generator().manual_seed(t.seed + 7)).to(self.device)
        self.step_count = 0
        self.run_dir = Path(run_dir) if run_dir else None
        self.writer = RunWriter(self.run_dir, config, self._lock) if self._lock is not None else None
        self._last: dict[str, float] = {}
        self._toy_z: torch.Tensor | None = None

    @property
    def took_over_from(self) -> LockOwner | None:
        """The earlier writer of this run folder that stopped without closing it, if any."""
        return self._lock.previous if self._lock is not None else None

    # --- data ---------------------------------------------------------------------------
    def _next_real(self) -> torch.Tensor:
        b = self.config.train.batch_size
        if isinstance(self.dataset, ToyData):
            return self.dataset.sample(b, self._toy_rng).to(self.device)
        assert self._images is not None
        if self._pos + b > len(self._order):
            if len(self._order):
                self.epoch += 1
            self._order = dist.epoch_indices(len(self.dataset), self.config.train.seed, self.epoch)
            self._pos = 0
        idx = self._order[self._pos:self._pos + b]
        self._pos += b
        batch = self._images.index_select(0, idx.to(self._images.device)).to(self.device, non_blocking=True)
        if self._labels is not None:
            self._real_c = F.one_hot(self._labels[idx.to(self._labels.device)], self.c_dim).float()
        x = batch.float().div_(127.5).sub_(1.0)
        if self.device.type == "cuda":
            x = x.contiguous(memory_format=torch.channels_last)
        return x

    def _autocast(self):
        if self.amp_dtype is None:
            return torch.autocast(self.device.type, enabled=False)
        return torch.autocast(self.device.type, dtype=self.amp_dtype)

    def _aug(self, x: torch.Tensor) -> torch.Tensor:
        return diff_augment(x, self.config.train.diffaug) if self.config.train.diffaug else x

    def _backward_step(self, loss: torch.Tensor, opt: torch.optim.Optimizer, module: nn.Module) -> None:
        if self.scaler is not None:
            self.scaler.scale(loss).backward()
            dist.average_gradients(module)
            self.scaler.step(opt)
            self.scaler.update()
        else:
            loss.backward()
            dist.average_gradients(module)
            opt.step()

    # --- one step -----------------------------------------------------------------------
    def lr_scale(self, step: int | None = None) -> float:
        """The share of the configured learning rates used at ``step`` (0-based; default: the
        next one): 1, then falling linearly towards 0 over the last ``train.lr_decay`` of the run."""
        t = self.config.train
        i = self.step_count if step is None else step
        if t.lr_decay <= 0 or i < t.steps * (1.0 - t.lr_decay):
            return 1.0
        return max(0.0, (t.steps - i) / (t.steps * t.lr_decay))

    def _set_learning_rates(self) -> None:
        t = self.config.train
        scale = self.lr_scale()
        for opt, lr in ((self.opt_G, t.lr_g), (self.opt_D, t.lr_d)):
            for group in opt.param_groups:
                group["lr"] = lr * scale

    def step(self) -> dict[str, float]:
        t = self.config.train
        t0 = time.perf_counter()
        self._set_learning_rates()
        self.G.train()
        self.D.train()
        b, nz = t.batch_size, self.config.model.latent_dim
        r1 = t.r1_gamma > 0 and self.step_count % t.r1_every == 0
        for i in range(t.n_critic):
            real = self._next_real()
            z = torch.randn(b, nz, device=self.device)
            last = i == t.n_critic - 1
            with self._autocast():
                c = self._real_c  # the labels (one-hot) of this batch, or None
                if last:  # this fake also feeds the generator update, as in the DCGAN example
                    fake = self._generate(z, update_emas=True, c=c)
                else:
                    with torch.no_grad():
                        fake = self._generate(z, update_emas=False, c=c)
                if r1:
                    real.requires_grad_(True)
                # torch.compile does not differentiate twice: an R1 step runs D uncompiled (both
                # passes, as a compiled pass would bump the batch-norm buffers the other saved).
                D_pass = self.D if r1 else self._D_fwd
                real_logits = self._judge(D_pass, self._aug(real), c)
                fake_logits = self._judge(D_pass, self._aug(fake.detach()), c)
                loss_D = losses.d_loss(t.loss, real_logits, fake_logits, t.label_smoothing)
                if t.loss == "wgan-gp":
                    loss_D = loss_D + t.gp_weight * losses.gradient_penalty(
                        lambda x: self._judge(self.D, x, c), real, fake.detach().float())  # noqa: B023
                shown_D = loss_D  # lazy R1 would make the plotted loss jump every k-th step
                if r1:
                    loss_D = loss_D + 0.5 * t.r1_gamma * t.r1_every * losses.r1_penalty(real_logits, real)
                    if t.r1_every == 1:
                        shown_D = loss_D
            self.opt_D.zero_grad(set_to_none=True)
            self._backward_step(loss_D, self.opt_D, self.D)
        self.D.requires_grad_(False)  # no D gradients in the generator update
        with self._autocast():
            gen_logits = self._judge(self._D_fwd, self._aug(fake), c)
            loss_G = shown_G = losses.g_loss(t.loss, gen_logits)
            if t.pl_weight > 0 and self.step_count % t.pl_every == 0:  # lazy, like R1
                loss_G = loss_G + t.pl_weight * t.pl_every * self._path_length_penalty(b)
                if t.pl_every == 1:
                    shown_G = loss_G
        self.opt_G.zero_grad(set_to_none=True)
        self._backward_step(loss_G, self.opt_G, self.G)
        self.D.requires_grad_(True)
        self.step_count += 1
        self._update_ema()
        with torch.no_grad():
            figures = torch.stack([shown_D.detach().float(), shown_G.detach().float(),
                                   self._real_score(real_logits), self._real_score(fake_logits),
                                   loss_D.detach().float(), loss_G.detach().float()]).tolist()
        dt = time.perf_counter() - t0
        out = {"step": self.step_count, "loss_D": figures[0], "loss_G": figures[1],
               "D_real": figures[2], "D_fake": figures[3],
               "images_per_s": b * t.n_critic * self.world / max(dt, 1e-9)}
        if not all(math.isfinite(v) for v in figures):
            raise TrainingDiverged(self.step_count, {"loss_D": figures[0], "loss_G": figures[1]})
        self._last = out
        return out

    @staticmethod
    def _judge(D: nn.Module, x: torch.Tensor, c: torch.Tensor | None) -> torch.Tensor:
        """D's logits for x, given the labels c of a conditional model."""
        return D(x) if c is None else D(x, c)

    def _generate(self, z: torch.Tensor, update_emas: bool, c: torch.Tensor | None = None) -> torch.Tensor:
        """A batch of fakes; a StyleGAN2's w_avg follows the G passes (``update_emas``)."""
        if not self.stylegan2:
            return self._G_fwd(z) if c is None else self._G_fwd(z, c)
        return stylegan2_train.generate(self.G, self._G_fwd, z, self.config.train.style_mixing,
                                        update_emas)

    def _path_length_penalty(self, batch_size: int) -> torch.Tensor:
        # On half the batch, as the paper's code (pl_batch_shrink 2); uncompiled, since
        # torch.compile does not differentiate twice.
        z = torch.randn(max(1, batch_size // 2), self.config.model.latent_dim, device=self.device)
        penalty, self.pl_mean = stylegan2_train.path_length_penalty(
            self.G, z, self.config.train.style_mixing, self.pl_mean)
        return penalty

    def _real_score(self, logits: torch.Tensor) -> torch.Tensor:
        logits = logits.detach().float()
        return torch.sigmoid(logits).mean() if self.config.train.loss == "bce" else logits.mean()

    @torch.no_grad()
    def _update_ema(self) -> None:
        if self.G_ema is None:
            return
        # Warm-up: a short run's EMA is not dominated by the random initial weights.
        decay = min(self.config.train.ema_decay, (1 + self.step_count) / (10 + self.step_count))
        ema_p = list(self.G_ema.parameters())
        torch._foreach_lerp_(ema_p, [p.detach() for p in self.G.parameters()], 1.0 - decay)
        for eb, b in zip(self.G_ema.buffers(), self.G.buffers()):
            eb.copy_(b)

    # --- views --------------------------------------------------------------------------
    @property
    def sampler(self) -> nn.Module:
        return self.G_ema if self.G_ema is not None else self.G

    @torch.no_grad()
    def sample_grid(self, n: int = 64) -> np.ndarray:
        """The fixed-noise grid as uint8 (H, W, C); toys get a scatter in toy_view instead."""
        if self.config.is_toy:
            raise ValueError("2-D toy runs have no image grid; use toy_view()")
        G = self.sampler
        was_training = G.training
        G.eval()
        if self.c_dim:  # one row per class, the same z down each column
            z = self.fixed_z[:GRID_ROW].repeat(self.c_dim, 1)
            labels = torch.arange(self.c_dim).repeat_interleave(GRID_ROW)
            images, nrow = generate(G, z, label=labels), GRID_ROW
        else:
            images, nrow = generate(G, self.fixed_z[:n]), int(math.ceil(math.sqrt(n)))
        G.train(was_training)
        return make_grid(images.float().cpu(), nrow=nrow)

    @torch.no_grad()
    def toy_view(self, resolution: int = 64, n: int = 512) -> dict[str, Any]:
        """Real and generated points, and D's output on a grid behind them (GAN Lab's view).

        Uses fixed noise and touches no random state, so watching a run never changes it.
        """
        assert isinstance(self.dataset, ToyData)
        ext = TOY_EXTENT.get(self.config.data.name, 3.0)
        real = self.dataset.sample(n, np.random.default_rng(12345)).numpy()
        if self._toy_z is None or self._toy_z.shape[0] != n:
            gen = torch.Generator().manual_seed(self.config.train.seed + 11)
            self._toy_z = torch.randn(n, self.config.model.latent_dim, generator=gen).to(self.device)
        G, D = self.sampler, self.D
        g_mode, d_mode = G.training, D.training
        G.eval()
        D.eval()
        try:
            fake = G(self._toy_z).float().cpu().numpy()
            xs = torch.linspace(-ext, ext, resolution, device=self.device)
            gy, gx = torch.meshgrid(xs, xs, indexing="ij")
            pts = torch.stack([gx.reshape(-1), gy.reshape(-1)], 1)
            logits = D(pts.repeat_interleave(self.config.model.pack, 0)).float()
        finally:
            G.train(g_mode)
            D.train(d_mode)
        # BCE logits read as probabilities; other losses' scores are centred first.
        heat = torch.sigmoid(logits) if self.config.train.loss == "bce" else torch.sigmoid(logits - logits.mean())
        return {"real": real, "fake": fake, "heat": heat.reshape(resolution, resolution).cpu().numpy(),
                "extent": (-ext, ext, -ext, ext)}

    def set_sample_every(self, steps: int) -> None:
        """Changes how often the fixed-noise grid is made, also while run() is looping."""
        if not isinstance(steps, int) or steps < 1:
            raise ConfigError("train.sample_every", steps, "a whole number >= 1")
        self.config.train.sample_every = steps

    def loaded_generator(self) -> LoadedGenerator:
        """A CPU copy of the generator (EMA weights when on) for the explorer."""
        G = copy.deepcopy(self.sampler).to("cpu").float().eval().requires_grad_(False)
        return LoadedGenerator(G, self.config, self.step_count, None, "generator")

    # --- checkpoints --------------------------------------------------------------------
    def _rng_state(self) -> dict[str, torch.Tensor]:
        state = {"torch": torch.get_rng_state()}
        if self.device.type == "cuda":
            state["cuda"] = torch.cuda.get_rng_state(self.device)
        return state

    def save_checkpoint(self, path: str | Path | None = None) -> Path | None:
        """Writes step_XXXXXXX.safetensors and latest.safetensors (rank 0 only)."""
        for module in (self.G, self.D, self.G_ema):  # batch-norm statistics: rank 0's (dist.py)
            if module is not None:
                dist.broadcast_buffers(module)
        if self.rank != 0:
            return None
        if path is None:
            if self.writer is None:
                raise CheckpointError("This run has no run folder to save checkpoints into.")
            path = self.writer.checkpoint_dir / step_name(self.step_count, ".safetensors")
        extra = {"epoch": self.epoch, "pos": self._pos, "world": self.world,
                 "toy_rng": self._toy_rng.bit_generator.state, "pl_mean": self.pl_mean.item()}
        save_checkpoint(path, config=self.config, step=self.step_count, G=self.G, D=self.D,
                        G_ema=self.G_ema, opt_G=self.opt_G, opt_D=self.opt_D,
                        rng=self._rng_state(), extra=extra)
        path = Path(path)
        if self.writer is not None and path.parent == self.writer.checkpoint_dir:
            from ganstudio.core.fsutil import atomic_path

            with atomic_path(path.parent / LATEST) as tmp:
                shutil.copyfile(path, tmp)
            old = sorted(path.parent.glob("step_*.safetensors"))[:-KEEP_CHECKPOINTS]
            for p in old:
                p.unlink(missing_ok=True)
        return path

    def load_state(self, path: str | Path) -> None:
        """Restores weights, optimizers, step, data position and RNG from a full checkpoint."""
        path = resolve_checkpoint(path)
        tensors, meta = read_checkpoint(path)
        if meta.get("kind") != "full" or "opt_G.meta" not in meta:
            raise CheckpointError(f"{path.name} is a generator export, not a training checkpoint; "
                                  "training can only resume from a checkpoint with D and optimizers.")
        load_into(self.G, strip_prefix(tensors, "G."), "generator", path)
        load_into(self.D, strip_prefix(tensors, "D."), "discriminator", path)
        if self.G_ema is not None:
            ema = strip_prefix(tensors, "G_ema.") or strip_prefix(tensors, "G.")
            load_into(self.G_ema, ema, "EMA generator", path)
        restore_optimizer(self.opt_G, "opt_G.", tensors, meta["opt_G.meta"])
        restore_optimizer(self.opt_D, "opt_D.", tensors, meta["opt_D.meta"])
        self.step_count = int(meta.get("step", "0"))
        extra = json.loads(meta.get("extra", "{}"))
        self.pl_mean.fill_(float(extra.get("pl_mean", 0.0)))
        same_world = extra.get("world", 1) == self.world
        if same_world:  # the exact data order and noise continue; another world size reshuffles
            self.epoch, self._pos = int(extra.get("epoch", 0)), int(extra.get("pos", 0))
            if self._pos:
                self._order = dist.epoch_indices(len(self.dataset), self.config.train.seed, self.epoch)
            if "rng.torch" in tensors:
                torch.set_rng_state(tensors["rng.torch"])
            if "rng.cuda" in tensors and self.device.type == "cuda":
                torch.cuda.set_rng_state(tensors["rng.cuda"], self.device)
            if "toy_rng" in extra:
                self._toy_rng.bit_generator.state = extra["toy_rng"]
        else:
            self.epoch = int(extra.get("epoch", 0)) + 1
        if self.writer is not None:
            self.writer.truncate_after(self.step_count)

    @classmethod
    def resume(cls, source: str | Path, steps: int | None = None, **overrides: Any) -> Trainer:
        """Continues the run in `source` (a run folder or checkpoint); `steps` more steps."""
        path = resolve_checkpoint(source)
        tensors, meta = read_checkpoint(path)
        config = config_of(meta, path)
        check_checkpoint_fits(config, tensors, path)  # before any network is built
        step = int(meta.get("step", "0"))
        if steps is not None:
            config.train.steps = step + steps
        for key, value in overrides.items():
            setattr(config.train, key, value)
        run_dir = Path(source) if Path(source).is_dir() else path.parent.parent
        trainer = cls(config, run_dir if (run_dir / "config.json").exists() else None)
        try:
            trainer.load_state(path)
        except BaseException:
            trainer.close()  # frees the run folder again
            raise
        return trainer

    # --- the loop -----------------------------------------------------------------------
    def run(self, hooks: TrainHooks | None = None) -> dict[str, float]:
        h = hooks or TrainHooks()
        t = self.config.train
        saved = -1
        while self.step_count < t.steps:
            if h.should_stop and h.should_stop():
                break
            while h.should_pause and h.should_pause():
                if h.should_stop and h.should_stop():
                    break
                time.sleep(0.05)
            if h.should_stop and h.should_stop():
                break
            figures = self.step()
            s = self.step_count
            if self.writer and (s % t.log_every == 0 or s == t.steps):
                self.writer.log(figures)
            if h.progress:
                h.progress(figures)
            if s % t.sample_every == 0 or s == t.steps:
                self.emit_samples(h)
            # Every rank takes part in a checkpoint (batch-norm buffers are broadcast); rank 0 writes.
            if s % t.checkpoint_every == 0 and self.run_dir:
                self._checkpoint(h)
                saved = s
        if self.run_dir and self._last and saved != self.step_count:
            self._checkpoint(h)
        return self._last

    def emit_samples(self, h: TrainHooks) -> None:
        if self.config.is_toy or self.rank != 0:
            return
        grid = self.sample_grid()
        if self.writer:
            self.writer.save_samples(self.step_count, grid)
        if h.samples:
            h.samples(self.step_count, grid)

    def _checkpoint(self, h: TrainHooks) -> None:
        path = self.save_checkpoint()
        if path is not None and h.checkpoint:
            h.checkpoint(path)

    def close(self) -> None:
        if self.writer:
            self.writer.close()
