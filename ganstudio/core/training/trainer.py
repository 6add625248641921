"""The training loop shared by the app and the command line.

`Trainer.step()` does n_critic discriminator updates and g_steps generator updates and returns
the step's figures (`step(part="d")` / `step(part="g")`: one update of one network, for stepping
through the game by hand); `Trainer.run(hooks)` loops with hooks for progress, samples,
checkpoints, pause and stop (the shape of StyleGAN3's training loop with progress_fn/abort_fn,
minus pickles). The loop names no model family and no loss: it asks the family's training hooks
(core/models/training.py) and the Loss object (core/losses.py). Settings change between steps
through `update_settings` (live.py). Under torchrun it trains data-parallel: see `dist.py`.
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
from ganstudio.core.generate import generate, sample_latent
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
from ganstudio.core.io.runs import CHECKPOINTS, CONFIG, LATEST, RunWriter, step_name
from ganstudio.core.models import registry
from ganstudio.core.models.build import build_discriminator, build_generator
from ganstudio.core.models.training import training_hooks
from ganstudio.core.training import dist, toy_lab
from ganstudio.core.training.live import changed_fields, copy_config, restart_fields, value_of

KEEP_CHECKPOINTS = 3
TOY_EXTENT = toy_lab.VIEW_EXTENT  # half-widths of the named toys' views (the lab's extent)
PARTS = ("both", "d", "g")  # Trainer.step(part): a whole iteration, one D update, one G update


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
        self.config = copy_config(config).validate()  # the settings in force: update_settings edits them
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
        self.hooks = training_hooks(registry.family(config.model.arch))
        self.hooks.check(config)
        t = config.train
        self.loss = losses.loss(t.loss)
        self.rank, self.world = dist.rank(), dist.world_size()
        self.device = dist.device_for_rank(resolve_device(t.device))
        if dataset is None and config.is_toy:  # cheap, and a point file decides the networks' size
            dataset = build_dataset(config, data_progress)
        if isinstance(dataset, ToyData) and config.sample_shape != (dataset.dims,):
            config.data.dims = dataset.dims
        torch.manual_seed(t.seed)  # the same initial weights on every rank and every run
        self.G = build_generator(config).to(self.device)
        self.D = build_discriminator(config).to(self.device)
        cuda = self.device.type == "cuda"
        if cuda and not config.is_toy:
            torch.backends.cudnn.benchmark = True
            if self.hooks.channels_last:
                self.G.to(memory_format=torch.channels_last)
                self.D.to(memory_format=torch.channels_last)
        dist.broadcast_module(self.G)
        dist.broadcast_module(self.D)
        self.G_ema = copy.deepcopy(self.G).eval().requires_grad_(False) if t.ema else None
        self.opt_G = self._optimizer(self.G, t.lr_g)
        self.opt_D = self._optimizer(self.D, t.lr_d)
        self.amp_dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(t.precision)
        self.scaler = torch.amp.GradScaler("cuda") if (t.precision == "fp16" and cuda) else None
        G_part = self.hooks.forward_module(self.G)  # what the loop calls to make fakes
        self.G_forward: nn.Module = torch.compile(G_part) if t.compile else G_part
        self._D_fwd: nn.Module = torch.compile(self.D) if t.compile else self.D
        self.hooks.setup(self)

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
        self.fixed_z = sample_latent(config, max(64, GRID_ROW * config.model.c_dim),
                                     torch.Generator().manual_seed(t.seed + 7)).to(self.device)
        self.step_count = 0
        self.run_dir = Path(run_dir) if run_dir else None
        self.writer = RunWriter(self.run_dir, config, self._lock) if self._lock is not None else None
        self._last: dict[str, Any] = {}
        self._toy_z: torch.Tensor | None = None
        self._stop_requested = False
        self.stopped_early = False  # run() ended on a stop request, before train.steps
        self.resume_note: str | None = None  # what a resume could not keep exact, if anything

    def _optimizer(self, module: nn.Module, lr: float) -> torch.optim.Optimizer:
        t = self.config.train
        if t.optimizer == "sgd":
            return torch.optim.SGD(module.parameters(), lr=lr, momentum=t.beta1)
        adam: dict[str, Any] = {"betas": (t.beta1, t.beta2)}
        if self.device.type in ("cuda", "cpu"):
            # One fused kernel per optimizer step instead of a loop over the parameters. On a
            # 2-core CPU a toy-grid step fell from about 12.5 to 8.5 ms (the small MLPs' time
            # was a third Adam); a 28x28 DCGAN step, dominated by convolutions, is unchanged.
            adam["fused"] = True
        return _adam(module, lr, adam)

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

    def sample_noise(self, n: int) -> torch.Tensor:
        """n training latents (model.latent_dist) from torch's global stream, which checkpoints keep."""
        return sample_latent(self.config, n, device=self.device)

    def step(self, part: str = "both") -> dict[str, Any]:
        """One step: ``"both"`` n_critic D updates then g_steps G updates; ``"d"`` one D update;
        ``"g"`` one G update. Each advances step_count by one. The row holds the figures of the
        networks it updated (loss_D, D_real, D_fake; loss_G and, without a D update, D_fake),
        ``part``, and the settings in force (lr_g, lr_d, loss, optimizer)."""
        if part not in PARTS:
            raise ValueError(f"part must be one of {', '.join(PARTS)}, not {part!r}")
        t = self.config.train
        t0 = time.perf_counter()
        self._set_learning_rates()
        self.G.train()
        self.D.train()
        shown: dict[str, torch.Tensor] = {}
        optimised: list[torch.Tensor] = []  # the losses the updates minimised: finite too
        fake = None
        if part != "g":
            r1 = t.r1_gamma > 0 and self.step_count % t.r1_every == 0
            n = t.n_critic if part == "both" else 1
            for i in range(n):
                # The last fake of an iteration also feeds the generator update, as in the
                # DCGAN example.
                fake, d_figures, loss_D = self._update_D(r1, keep_graph=part == "both" and i == n - 1)
            shown.update(d_figures)
            optimised.append(loss_D)
        if part != "d":
            for j in range(t.g_steps):
                g_figures, loss_G = self._update_G(fake if j == 0 else None)
            shown["loss_G"] = g_figures["loss_G"]
            shown.setdefault("D_fake", g_figures["D_fake"])
            optimised.append(loss_G)
        self.step_count += 1
        if part != "d":
            self._update_ema()
        with torch.no_grad():  # one transfer to the CPU for all figures
            values = torch.stack([v.detach().float() for v in [*shown.values(), *optimised]]).tolist()
        dt = time.perf_counter() - t0
        updates = t.g_steps if part == "g" else (t.n_critic if part == "both" else 1)
        out: dict[str, Any] = {"step": self.step_count, "part": part}
        out.update(zip(shown, values))
        out["images_per_s"] = t.batch_size * updates * self.world / max(dt, 1e-9)
        out.update({"lr_g": self.opt_G.param_groups[0]["lr"], "lr_d": self.opt_D.param_groups[0]["lr"],
                    "loss": t.loss, "optimizer": t.optimizer})
        if not all(math.isfinite(v) for v in values):
            raise TrainingDiverged(self.step_count, {k: out[k] for k in ("loss_D", "loss_G") if k in out})
        self._last = out
        return out

    def _update_D(self, r1: bool, keep_graph: bool) -> tuple[torch.Tensor, dict[str, torch.Tensor], torch.Tensor]:
        """One discriminator update. Returns the fakes (with G's graph when ``keep_graph``),
        the figures to show and the loss it minimised."""
        t = self.config.train
        real = self._next_real()
        z = self.sample_noise(t.batch_size)
        c = self._real_c  # the labels (one-hot) of this batch, or None
        with self._autocast():
            if keep_graph:
                fake = self.hooks.generator_forward(self, z, True, c)
            else:
                with torch.no_grad():
                    fake = self.hooks.generator_forward(self, z, False, c)
            if r1:
                real.requires_grad_(True)
            # torch.compile does not differentiate twice: an R1 step runs D uncompiled (both
            # passes, as a compiled pass would bump the batch-norm buffers the other saved).
            D_pass = self.D if r1 else self._D_fwd
            real_logits = self._judge(D_pass, self._aug(real), c)
            fake_logits = self._judge(D_pass, self._aug(fake.detach()), c)
            loss_D = self.loss.d_loss(real_logits, fake_logits, t.label_smoothing)
            if self.loss.gradient_penalty:
                loss_D = loss_D + t.gp_weight * losses.gradient_penalty(
                    lambda x: self._judge(self.D, x, c), real, fake.detach().float())
            shown_D = loss_D  # lazy R1 would make the plotted loss jump every k-th step
            if r1:
                loss_D = loss_D + 0.5 * t.r1_gamma * t.r1_every * losses.r1_penalty(real_logits, real)
                if t.r1_every == 1:
                    shown_D = loss_D
        self.opt_D.zero_grad(set_to_none=True)
        self._backward_step(loss_D, self.opt_D, self.D)
        figures = {"loss_D": shown_D, "D_real": self.loss.score(real_logits),
                   "D_fake": self.loss.score(fake_logits)}
        return fake, figures, loss_D

    def _update_G(self, fake: torch.Tensor | None) -> tuple[dict[str, torch.Tensor], torch.Tensor]:
        """One generator update, on ``fake`` (made by the D update just before) or on new fakes."""
        b = self.config.train.batch_size
        if self.c_dim and self._real_c is None:
            self._next_real()  # a conditional G asks for the labels of a real batch
        c = self._real_c
        if fake is None:
            z = self.sample_noise(b)
            with self._autocast():
                fake = self.hooks.generator_forward(self, z, True, c)
        self.D.requires_grad_(False)  # no D gradients in the generator update
        with self._autocast():
            gen_logits = self._judge(self._D_fwd, self._aug(fake), c)
            loss_G = shown_G = self.loss.g_loss(gen_logits)
            extra = self.hooks.generator_penalty(self, b)
            if extra is not None:
                penalty, plotted = extra
                loss_G = loss_G + penalty
                if plotted:
                    shown_G = loss_G
        self.opt_G.zero_grad(set_to_none=True)
        self._backward_step(loss_G, self.opt_G, self.G)
        self.D.requires_grad_(True)
        return {"loss_G": shown_G, "D_fake": self.loss.score(gen_logits)}, loss_G

    def batch_labels(self) -> torch.Tensor | None:
        """The one-hot labels of the newest real batch (a conditional model), else None."""
        return self._real_c

    @staticmethod
    def _judge(D: nn.Module, x: torch.Tensor, c: torch.Tensor | None) -> torch.Tensor:
        """D's logits for x, given the labels c of a conditional model."""
        return D(x) if c is None else D(x, c)

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

    def toy_view(self, resolution: int = 64, n: int = 512) -> dict[str, Any]:
        """The 2-D lab's picture (GAN Lab's layers): real and generated points, D's map behind
        them, G's manifold and the direction G's loss pushes each fake; see toy_lab.toy_view.
        Uses fixed noise and touches no random state, so watching a run never changes it."""
        return toy_lab.toy_view(self, resolution, n)

    def toy_view_1d(self, resolution: int = 200) -> dict[str, Any]:
        """The 1-D lab's curves: the data's density, G's, D(x), the optimal D, z -> x lines and
        the Jensen-Shannon divergence; see toy_lab.toy_view_1d."""
        return toy_lab.toy_view_1d(self, resolution)

    def toy_latents(self, n: int) -> torch.Tensor:
        """The view's fixed latents (train.seed + 11), made once per size."""
        if self._toy_z is None or self._toy_z.shape[0] != n:
            gen = torch.Generator().manual_seed(self.config.train.seed + 11)
            self._toy_z = sample_latent(self.config, n, gen).to(self.device)
        return self._toy_z

    def set_sample_every(self, steps: int) -> None:
        """Changes how often the fixed-noise grid is made, also while run() is looping."""
        if not isinstance(steps, int) or steps < 1:
            raise ConfigError("train.sample_every", steps, "a whole number >= 1")
        self.config.train.sample_every = steps

    def update_settings(self, new_config: RunConfig) -> list[str]:
        """Applies the changed live settings (live.LIVE_FIELDS, and train.steps and
        train.checkpoint_every) from the next step on and returns their dotted names.

        A new optimizer kind starts with fresh optimizer state; otherwise the state is kept and
        the learning rates and betas (SGD: momentum = beta1) change in place. A changed field
        that needs new networks or data raises ConfigError naming the first such field, and
        nothing changes. `config` then holds the settings in force, which the run folder's
        config.json and the next checkpoint keep, so a resume continues with them.
        """
        new = copy_config(new_config)
        if new.data.dims is None:  # a point file's size, found when the run was built
            new.data.dims = self.config.data.dims
        new.validate()
        restart = restart_fields(self.config, new)
        if restart:
            name = restart[0]
            raise ConfigError(name, value_of(new, name),
                              f"while the run trains (it has {value_of(self.config, name)!r}): it needs "
                              "new networks or data, so start a new run with it")
        changed = changed_fields(self.config, new)
        for name in changed:
            part, field = name.split(".", 1)
            setattr(getattr(self.config, part), field, value_of(new, name))
        t = self.config.train
        if "train.optimizer" in changed:
            self.opt_G, self.opt_D = self._optimizer(self.G, t.lr_g), self._optimizer(self.D, t.lr_d)
        else:
            for opt in (self.opt_G, self.opt_D):
                for group in opt.param_groups:
                    if t.optimizer == "sgd":
                        group["momentum"] = t.beta1
                    else:
                        group["betas"] = (t.beta1, t.beta2)
        self.loss = losses.loss(t.loss)
        if changed and self.writer is not None:
            self.writer.write_config(self.config)
        return changed

    def loaded_generator(self) -> LoadedGenerator:
        """A CPU copy of the generator (EMA weights when on) for the explorer."""
        G = copy.deepcopy(self.sampler).to("cpu").float().eval().requires_grad_(False)
        return LoadedGenerator(G, self.config, self.step_count, None, "generator")

    # --- checkpoints --------------------------------------------------------------------
    def _rank_state(self) -> dict[str, Any]:
        """What this process needs to continue exactly: its random streams and data position."""
        state: dict[str, Any] = {"torch": torch.get_rng_state(), "epoch": self.epoch, "pos": self._pos,
                                 "toy_rng": self._toy_rng.bit_generator.state}
        if self.device.type == "cuda":
            state["cuda"] = torch.cuda.get_rng_state(self.device)
        return state

    def save_checkpoint(self, path: str | Path | None = None) -> Path | None:
        """Writes step_XXXXXXX.safetensors and latest.safetensors (rank 0 only; every rank
        takes part, since batch-norm buffers and random states travel to rank 0)."""
        for module in (self.G, self.D, self.G_ema):  # batch-norm statistics: rank 0's (dist.py)
            if module is not None:
                dist.broadcast_buffers(module)
        ranks = dist.all_gather_object(self._rank_state())
        if self.rank != 0:
            return None
        if path is None:
            if self.writer is None:
                raise CheckpointError("This run has no run folder to save checkpoints into.")
            path = self.writer.checkpoint_dir / step_name(self.step_count, ".safetensors")
        own = ranks[0]
        rng = {k: own[k] for k in ("torch", "cuda") if k in own}
        extra: dict[str, Any] = {"epoch": own["epoch"], "pos": own["pos"], "world": self.world,
                                 "toy_rng": own["toy_rng"], **self.hooks.extra_state()}
        if self.world > 1:  # every rank's own streams, so that each continues its own
            extra["ranks"] = [{k: r[k] for k in ("epoch", "pos", "toy_rng")} for r in ranks]
            for i, r in enumerate(ranks):
                rng.update({f"rank{i}.{k}": r[k] for k in ("torch", "cuda") if k in r})
        save_checkpoint(path, config=self.config, step=self.step_count, G=self.G, D=self.D,
                        G_ema=self.G_ema, opt_G=self.opt_G, opt_D=self.opt_D, rng=rng, extra=extra)
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
        self.hooks.load_extra_state(extra)
        saved_world = int(extra.get("world", 1))
        if saved_world == self.world:  # the exact data order and noise continue
            ranks = extra.get("ranks")
            own = ranks[self.rank] if ranks else extra
            self.epoch, self._pos = int(own.get("epoch", 0)), int(own.get("pos", 0))
            if self._pos:
                self._order = dist.epoch_indices(len(self.dataset), self.config.train.seed, self.epoch)
            if "toy_rng" in own:
                self._toy_rng.bit_generator.state = own["toy_rng"]
            # Each rank its own streams (rng.rank<r>.*); a checkpoint from before they were
            # kept has rank 0's alone, which the other ranks must not copy.
            prefix = f"rng.rank{self.rank}." if f"rng.rank{self.rank}.torch" in tensors else "rng."
            if prefix == "rng." and self.rank != 0:
                self.resume_note = ("This checkpoint keeps only the first process's random streams: "
                                    "the others start afresh, so the run goes on, but not exactly "
                                    "as an uninterrupted one would have.")
            else:
                if prefix + "torch" in tensors:
                    torch.set_rng_state(tensors[prefix + "torch"])
                if prefix + "cuda" in tensors and self.device.type == "cuda":
                    torch.cuda.set_rng_state(tensors[prefix + "cuda"], self.device)
        else:
            self.epoch = int(extra.get("epoch", 0)) + 1
            self.resume_note = (
                f"This checkpoint was written by {saved_world} process(es) and continues in "
                f"{self.world}: the data order and random streams start afresh from the next "
                "epoch, so the run goes on, but not exactly as an uninterrupted one would have.")
        if self.writer is not None:
            self.writer.truncate_after(self.step_count)

    @classmethod
    def resume(cls, source: str | Path, steps: int | None = None, *, out: str | Path | None = None,
               **overrides: Any) -> Trainer:
        """Continues the run in `source` (a run folder, or a checkpoint in one); `steps` more
        steps. `out`: a new run folder to continue into (needed for a checkpoint that is not in
        a run folder, which would otherwise train into nothing)."""
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
        if out is not None:
            if Path(out).resolve() != run_dir.resolve() and (Path(out) / CHECKPOINTS).is_dir() \
                    and any((Path(out) / CHECKPOINTS).iterdir()):
                raise CheckpointError(f"{out} already holds another run; choose a new folder to "
                                      f"continue {path.name} in.")
            run_dir = Path(out)
        elif not (run_dir / CONFIG).is_file():
            raise CheckpointError(
                f"{path.name} is not in a run folder, so a resumed run would have nowhere to save "
                f"its progress; continue it into a new run folder (ganstudio train --resume {path} "
                "--out FOLDER).")
        trainer = cls(config, run_dir)
        try:
            trainer.load_state(path)
        except BaseException:
            trainer.close()  # frees the run folder again
            raise
        return trainer

    # --- the loop -----------------------------------------------------------------------
    def request_stop(self) -> None:
        """Ends run() after the step in flight (safe from a signal handler or another thread);
        run() then saves a checkpoint of that step, as at the end of a run."""
        self._stop_requested = True

    def _stop_wanted(self, h: TrainHooks) -> bool:
        return self._stop_requested or bool(h.should_stop and h.should_stop())

    def run(self, hooks: TrainHooks | None = None) -> dict[str, Any]:
        h = hooks or TrainHooks()
        saved = -1
        self.stopped_early = False
        while self.step_count < self.config.train.steps:
            while h.should_pause and h.should_pause() and not self._stop_wanted(h):
                time.sleep(0.05)
            # Under torchrun the ranks agree on stopping (one small all_reduce a step), so they
            # stop after the same step and all take part in the checkpoint that follows.
            if dist.any_rank(self._stop_wanted(h)):
                self.stopped_early = True
                break
            figures = self.step()
            t = self.config.train  # read every step: update_settings may change it
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
