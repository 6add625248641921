"""Run configuration: three dataclasses, validation with field-level messages, JSON, presets."""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass, field
from typing import Any

from ganstudio.core.errors import UserError

ARCHS = ("dcgan", "mlp", "stylegan2")
LOSSES = ("bce", "hinge", "wgan-gp", "lsgan")
PRECISIONS = ("fp32", "bf16", "fp16")
DEVICES = ("auto", "cpu", "cuda", "mps")
DIFFAUG_POLICIES = ("translation", "cutout", "color")
IMAGE_DATASETS = ("mnist-embedded", "mnist", "fashion-mnist", "cifar10", "folder")
TOY_DATASETS = ("toy-ring", "toy-grid", "toy-spiral")
# The data label of a generator imported from another program: its training data are unknown
# (data.path holds the file it came from). Valid in a generator's config, never trainable.
IMPORTED = "imported"
DATASET_NAMES = IMAGE_DATASETS + TOY_DATASETS + (IMPORTED,)
RESOLUTIONS = (28, 32, 64)
STYLEGAN2_RESOLUTIONS = tuple(2**i for i in range(3, 11))  # 8 .. 1024
STYLEGAN2_ARCHITECTURES = ("skip", "orig")


class ConfigError(UserError, ValueError):
    """A configuration value that is not allowed; `field` is the dotted name of the field."""

    def __init__(self, field: str, value: Any, allowed: str) -> None:
        self.field = field
        self.value = value
        self.allowed = allowed
        super().__init__(f"{field} = {value!r} is not allowed: {allowed}")


@dataclass
class ModelConfig:
    arch: str = "dcgan"
    latent_dim: int = 100
    resolution: int = 28
    channels: int = 1
    g_width: int = 64  # DCGAN: feature maps of the last generator block (ngf)
    d_width: int = 64  # DCGAN: feature maps of the first discriminator block (ndf)
    mlp_hidden: int = 256
    mlp_layers: int = 1  # hidden layers of each MLP
    spectral_norm: bool = False
    minibatch_std: bool = False
    pack: int = 1  # PacGAN: samples per discriminator input
    # 2-D toys: fixed random Fourier features in front of the MLP discriminator (Tancik et al.,
    # 2020); the number of frequencies (0 = off) and the std of their scale in cycles per unit.
    toy_features: int = 0
    toy_feature_scale: float = 1.0
    # StyleGAN2 (arch "stylegan2"; latent_dim is its z_dim): W size, mapping depth, feature maps
    # per resolution min(channel_base / res, channel_max), class-label size (0 = unconditional),
    # the clamp of every conv output (None = off), and the output architecture: "skip" (each
    # resolution adds its RGB, the paper's config F) or "orig" (RGB from the last block only).
    w_dim: int = 512
    mapping_layers: int = 8
    channel_base: int = 16384
    channel_max: int = 512
    c_dim: int = 0
    conv_clamp: float | None = None
    architecture: str = "skip"


@dataclass
class DataConfig:
    name: str = "mnist-embedded"
    path: str | None = None  # image folder for "folder"; the source file's name for "imported"
    root: str | None = None  # download folder for torchvision datasets


@dataclass
class TrainConfig:
    steps: int = 3000
    batch_size: int = 64
    lr_g: float = 2e-4
    lr_d: float = 2e-4
    beta1: float = 0.5
    beta2: float = 0.999
    n_critic: int = 1
    loss: str = "bce"
    gp_weight: float = 10.0
    r1_gamma: float = 0.0
    # Lazy R1 (Karras et al., 2020): the penalty on every k-th D step only, weighted by k.
    r1_every: int = 1
    label_smoothing: float = 0.0  # one-sided: real targets become 1 - label_smoothing
    ema: bool = True
    ema_decay: float = 0.999
    # The last share of the run over which both learning rates fall linearly to 0 (0 = off).
    lr_decay: float = 0.0
    diffaug: str = ""
    device: str = "auto"
    precision: str = "fp32"
    compile: bool = False
    seed: int = 0
    sample_every: int = 100
    checkpoint_every: int = 500
    log_every: int = 10
    # StyleGAN2 only (Karras et al., 2020): path-length regularisation of G, weight 0 = off,
    # applied lazily on every pl_every-th step (weighted by pl_every); and the probability that
    # a batch's styles switch to a second latent's from a random layer on (0 = off).
    pl_weight: float = 0.0
    pl_every: int = 4
    style_mixing: float = 0.0


def _check(cond: bool, field_name: str, value: Any, allowed: str) -> None:
    if not cond:
        raise ConfigError(field_name, value, allowed)


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


@dataclass
class RunConfig:
    model: ModelConfig = field(default_factory=ModelConfig)
    data: DataConfig = field(default_factory=DataConfig)
    train: TrainConfig = field(default_factory=TrainConfig)

    @property
    def is_toy(self) -> bool:
        return self.data.name in TOY_DATASETS

    @property
    def sample_shape(self) -> tuple[int, ...]:
        if self.is_toy:
            return (2,)
        return (self.model.channels, self.model.resolution, self.model.resolution)

    def validate(self) -> RunConfig:
        m, d, t = self.model, self.data, self.train
        _check(m.arch in ARCHS, "model.arch", m.arch, f"one of {', '.join(ARCHS)}")
        _check(_is_int(m.latent_dim) and 1 <= m.latent_dim <= 4096, "model.latent_dim",
               m.latent_dim, "a whole number from 1 to 4096")
        if not self.is_toy and m.arch == "stylegan2":
            _check(m.resolution in STYLEGAN2_RESOLUTIONS, "model.resolution", m.resolution,
                   "a power of two from 8 to 1024 pixels for stylegan2")
            self._validate_stylegan2()
        elif not self.is_toy:
            _check(m.resolution in RESOLUTIONS, "model.resolution", m.resolution,
                   f"one of {', '.join(map(str, RESOLUTIONS))} pixels")
        if not self.is_toy:
            _check(m.channels in (1, 3), "model.channels", m.channels, "1 (grey) or 3 (colour)")
        else:
            _check(m.arch == "mlp", "model.arch", m.arch, "2-D toy data needs the mlp model")
        # A DCGAN's widest layer has 8x its width in feature maps: at 1024 a 64-pixel generator
        # already holds 0.7 billion weights (2.9 GB), and at 4096 it would need 34 GB.
        for name in ("g_width", "d_width"):
            v = getattr(m, name)
            _check(_is_int(v) and 4 <= v <= 1024, f"model.{name}", v, "a whole number from 4 to 1024")
        _check(_is_int(m.mlp_hidden) and 4 <= m.mlp_hidden <= 4096, "model.mlp_hidden",
               m.mlp_hidden, "a whole number from 4 to 4096")
        _check(_is_int(m.mlp_layers) and 1 <= m.mlp_layers <= 8, "model.mlp_layers",
               m.mlp_layers, "a whole number from 1 to 8")
        _check(_is_int(m.pack) and 1 <= m.pack <= 8, "model.pack", m.pack, "a whole number from 1 to 8")
        _check(_is_int(m.toy_features) and 0 <= m.toy_features <= 1024, "model.toy_features",
               m.toy_features, "a whole number from 0 (off) to 1024")
        _check(_is_num(m.toy_feature_scale) and 0 < m.toy_feature_scale <= 100,
               "model.toy_feature_scale", m.toy_feature_scale, "a number above 0 and at most 100")
        _check(d.name in DATASET_NAMES, "data.name", d.name, f"one of {', '.join(DATASET_NAMES)}")
        if d.name == "folder":
            _check(bool(d.path), "data.path", d.path, "the folder of images to train on")
        _check(_is_int(t.steps) and 1 <= t.steps <= 10_000_000, "train.steps", t.steps,
               "a whole number from 1 to 10,000,000")
        _check(_is_int(t.batch_size) and 1 <= t.batch_size <= 8192, "train.batch_size",
               t.batch_size, "a whole number from 1 to 8192")
        _check(t.batch_size % m.pack == 0, "train.batch_size", t.batch_size,
               f"a multiple of model.pack ({m.pack})")
        for name in ("lr_g", "lr_d"):
            v = getattr(t, name)
            _check(_is_num(v) and 0 < v <= 1, f"train.{name}", v, "a number above 0 and at most 1")
        for name in ("beta1", "beta2"):
            v = getattr(t, name)
            _check(_is_num(v) and 0 <= v < 1, f"train.{name}", v, "a number from 0 up to (not including) 1")
        _check(_is_num(t.lr_decay) and 0 <= t.lr_decay <= 1, "train.lr_decay", t.lr_decay,
               "a share of the run from 0 (off) to 1 (the whole run)")
        _check(_is_int(t.n_critic) and 1 <= t.n_critic <= 20, "train.n_critic", t.n_critic,
               "a whole number from 1 to 20")
        _check(t.loss in LOSSES, "train.loss", t.loss, f"one of {', '.join(LOSSES)}")
        _check(_is_num(t.gp_weight) and t.gp_weight >= 0, "train.gp_weight", t.gp_weight, "a number >= 0")
        _check(_is_num(t.r1_gamma) and t.r1_gamma >= 0, "train.r1_gamma", t.r1_gamma, "a number >= 0")
        _check(_is_int(t.r1_every) and 1 <= t.r1_every <= 64, "train.r1_every", t.r1_every,
               "a whole number from 1 (every step) to 64")
        _check(_is_num(t.label_smoothing) and 0 <= t.label_smoothing < 0.5, "train.label_smoothing",
               t.label_smoothing, "a number from 0 up to 0.5")
        _check(_is_num(t.ema_decay) and 0 < t.ema_decay < 1, "train.ema_decay", t.ema_decay,
               "a number between 0 and 1")
        policies = [p for p in t.diffaug.split(",") if p.strip()]
        for p in policies:
            _check(p.strip() in DIFFAUG_POLICIES, "train.diffaug", t.diffaug,
                   f"a comma-separated list of {', '.join(DIFFAUG_POLICIES)}")
        if policies:
            _check(not self.is_toy, "train.diffaug", t.diffaug, "empty for 2-D toy data")
        _check(t.device in DEVICES or t.device.startswith("cuda:"), "train.device", t.device,
               f"one of {', '.join(DEVICES)} (or cuda:N)")
        _check(t.precision in PRECISIONS, "train.precision", t.precision, f"one of {', '.join(PRECISIONS)}")
        for name in ("sample_every", "checkpoint_every", "log_every"):
            v = getattr(t, name)
            _check(_is_int(v) and v >= 1, f"train.{name}", v, "a whole number >= 1")
        _check(_is_int(t.seed) and 0 <= t.seed < 2**63, "train.seed", t.seed, "a whole number >= 0")
        _check(_is_num(t.pl_weight) and t.pl_weight >= 0, "train.pl_weight", t.pl_weight, "a number >= 0")
        _check(_is_int(t.pl_every) and 1 <= t.pl_every <= 64, "train.pl_every", t.pl_every,
               "a whole number from 1 (every step) to 64")
        _check(_is_num(t.style_mixing) and 0 <= t.style_mixing <= 1, "train.style_mixing",
               t.style_mixing, "a probability from 0 (off) to 1")
        for name in ("pl_weight", "style_mixing"):
            _check(not getattr(t, name) or m.arch == "stylegan2", f"train.{name}", getattr(t, name),
                   "0 unless the model is stylegan2 (it needs a mapping network and W space)")
        return self

    def _validate_stylegan2(self) -> None:
        m = self.model
        _check(_is_int(m.w_dim) and 1 <= m.w_dim <= 4096, "model.w_dim", m.w_dim,
               "a whole number from 1 to 4096")
        _check(_is_int(m.mapping_layers) and 1 <= m.mapping_layers <= 16, "model.mapping_layers",
               m.mapping_layers, "a whole number from 1 to 16")
        _check(_is_int(m.channel_max) and 1 <= m.channel_max <= 4096, "model.channel_max",
               m.channel_max, "a whole number from 1 to 4096")
        _check(_is_int(m.channel_base) and m.resolution <= m.channel_base <= 2**20, "model.channel_base",
               m.channel_base, f"a whole number from the resolution ({m.resolution}) to 1048576, "
               "so that every resolution has at least one feature map")
        _check(_is_int(m.c_dim) and 0 <= m.c_dim <= 100_000, "model.c_dim", m.c_dim,
               "a whole number from 0 (unconditional) to 100000 classes")
        _check(m.conv_clamp is None or (_is_num(m.conv_clamp) and m.conv_clamp > 0), "model.conv_clamp",
               m.conv_clamp, "a number above 0, or null for no clamp")
        _check(m.architecture in STYLEGAN2_ARCHITECTURES, "model.architecture", m.architecture,
               f"one of {', '.join(STYLEGAN2_ARCHITECTURES)}")
        # The options of the DCGAN/MLP discriminators: StyleGAN2's D has its own minibatch-std
        # layer (always on; model.minibatch_std is not read) and equalised-learning-rate layers.
        _check(not m.spectral_norm, "model.spectral_norm", m.spectral_norm,
               "off for stylegan2 (its discriminator relies on R1 instead)")
        _check(m.pack == 1, "model.pack", m.pack,
               "1 for stylegan2 (its discriminator has a minibatch standard deviation layer instead)")

    # JSON -----------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> RunConfig:
        if not isinstance(d, dict):
            raise ConfigError("config", type(d).__name__, "a JSON object with model, data and train")
        parts: dict[str, Any] = {}
        for key, klass in (("model", ModelConfig), ("data", DataConfig), ("train", TrainConfig)):
            sub = d.get(key, {})
            if not isinstance(sub, dict):
                raise ConfigError(key, sub, "a JSON object")
            known = {f.name for f in dataclasses.fields(klass)}
            unknown = sorted(set(sub) - known)
            if unknown:
                raise ConfigError(f"{key}.{unknown[0]}", sub[unknown[0]],
                                  f"a known field of {key}: {', '.join(sorted(known))}")
            parts[key] = klass(**sub)
        return cls(**parts)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> RunConfig:
        try:
            d = json.loads(text)
        except json.JSONDecodeError as e:
            raise ConfigError("config", text[:40], f"valid JSON ({e.msg} at line {e.lineno})") from None
        return cls.from_dict(d)

    def replace(self, **sections: dict[str, Any]) -> RunConfig:
        """A copy with some fields changed: cfg.replace(train={"steps": 10})."""
        d = self.to_dict()
        for key, changes in sections.items():
            d[key].update(changes)
        return RunConfig.from_dict(d)


def _mnist_dcgan() -> RunConfig:
    # Learning rates 4e-4 instead of the DCGAN paper's 2e-4: in bench/mnist_quality.py the
    # Frechet distance after 5 CPU minutes fell from 10.7 to 8.0 (8.1 on a second seed); TTUR
    # (G 1e-4, D 4e-4) and DiffAugment translation were worse at this length. Widths 32 scored
    # 7.0 but stay 64, since the form does not show them and 32/64 px data needs the capacity.
    # A lazy R1 penalty (gamma 0.5 every 16th step) then took it from 8.0 to 6.4 (seed 1: 8.1 to
    # 6.0) at almost no cost per step; gamma 0.2 scored 7.3, gamma 2 7.5, and a learning rate
    # falling to 0 over the second half 8.8.
    return RunConfig(
        ModelConfig(arch="dcgan", latent_dim=100, resolution=28, channels=1, g_width=64, d_width=64),
        DataConfig(name="mnist-embedded"),
        TrainConfig(steps=3000, batch_size=64, lr_g=4e-4, lr_d=4e-4, beta1=0.5, loss="bce", ema=True,
                    r1_gamma=0.5, r1_every=16),
    )


def _mnist_mlp() -> RunConfig:
    # The classic GAN of Goodfellow et al. (2014): 100 -> 256 -> 784 with tanh.
    return RunConfig(
        ModelConfig(arch="mlp", latent_dim=100, resolution=28, channels=1, mlp_hidden=256, mlp_layers=1),
        DataConfig(name="mnist-embedded"),
        TrainConfig(steps=10000, batch_size=64, lr_g=2e-4, lr_d=2e-4, beta1=0.5, loss="bce", ema=False),
    )


def _mnist_stylegan2() -> RunConfig:
    # StyleGAN2 (Karras et al., 2020) at 32 px, narrowed to train on a CPU: the paper's
    # non-saturating loss with lazy R1 (every 16th step), Adam betas (0, 0.99), lr 0.0025 and
    # batch 32, and a 2-layer mapping network, as stylegan2-ada's CIFAR set-up. Channels
    # 512/64 cost about what the DCGAN preset does per image; 1024/128 cost 4x and scored no
    # better per CPU minute. It learns slowly (with equalised learning rates a weight moves
    # ~0.25% of its scale a step, DCGAN's 2%): in bench/mnist_quality.py the Frechet distance
    # was 121 after 5 CPU minutes (a few digit classes), 77 after 10 and 34 after 15 (all ten
    # classes). lr 0.001/0.0005/0.005, R1 gamma 0.01/1, style mixing 0.9, path length 2 and
    # minibatch-std groups of 8/32 changed nothing within 2-5 CPU minutes, so mixing and path
    # length stay off, as in that CIFAR set-up.
    return RunConfig(
        ModelConfig(arch="stylegan2", latent_dim=128, resolution=32, channels=1, w_dim=128,
                    mapping_layers=2, channel_base=512, channel_max=64),
        DataConfig(name="mnist-embedded"),
        TrainConfig(steps=5000, batch_size=32, lr_g=0.0025, lr_d=0.0025, beta1=0.0, beta2=0.99,
                    loss="bce", r1_gamma=0.1, r1_every=16, ema=True, ema_decay=0.998),
    )


def _toy(name: str) -> RunConfig:
    # PacGAN's toy set-up (Lin et al., 2018): MLPs with 4 hidden layers, latent 2, packing.
    # Width 200, lr 1e-3, beta2 0.99 and EMA 0.99 measured best in bench/toy2d_modes.py. On the
    # ring, a light R1 (gamma 0.1) and a learning rate falling to 0 over the second half took
    # high quality from 91.9% to 95.9 +- 0.4% over 5 seeds (8 modes on every seed, reverse KL
    # 0.005), in under 100 CPU s a seed. Packing 4 on the grid follows PacGAN4.
    cfg = RunConfig(
        ModelConfig(arch="mlp", latent_dim=2, mlp_hidden=200, mlp_layers=4,
                    pack=2 if name == "toy-ring" else 4),
        DataConfig(name=name),
        TrainConfig(steps=10000, batch_size=100, lr_g=1e-3, lr_d=1e-3, beta1=0.5, beta2=0.99,
                    loss="bce", ema=True, ema_decay=0.99, r1_gamma=0.1, lr_decay=0.5,
                    sample_every=100, checkpoint_every=2000),
    )
    if name == "toy-grid":
        # A plain MLP D cannot resolve 25 narrow modes from raw coordinates (spectral bias): the
        # samples stayed a diffuse cloud (8 modes, 2% high quality). Fixed random Fourier
        # features (Tancik et al., 2020) in front of D fix that; R1 (Mescheder et al., 2018)
        # keeps the sharper D from trapping G. Measured in bench/toy2d_modes.py: feature scale
        # 0.5 with R1 1.0 reached 20.2 +- 1.2 modes / 73.9% high quality (5 seeds), with G
        # drawing lines between the modes; scale 0.15 (smooth features) with R1 0.3 reached 25
        # modes on 4 of 5 seeds and 95.7% high quality, but one seed kept 15 modes; R1 0.5
        # covered all 25 on that seed too, but at 11000 steps (2 CPU minutes) one seed was still
        # at 89.6% (mean 94.2 +- 1.2%). Lazy R1 every 8 steps (Karras et al., 2020) cut the step
        # from 8.4 to 5.9 ms, which buys 16000 steps in the same time: 96.2 +- 0.4%, every seed
        # >= 94.8%, 25 modes on each.
        cfg.model.toy_features, cfg.model.toy_feature_scale = 64, 0.15
        cfg.train.steps, cfg.train.r1_gamma, cfg.train.r1_every = 16000, 0.5, 8
        cfg.train.ema_decay = 0.999
    return cfg


_PRESET_FACTORIES = {
    "mnist-dcgan": (_mnist_dcgan, "DCGAN on the embedded MNIST, 28x28 (default)"),
    "mnist-mlp": (_mnist_mlp, "The classic MLP GAN (100-256-784) on the embedded MNIST"),
    "mnist-stylegan2": (_mnist_stylegan2, "A small StyleGAN2 on the embedded MNIST, 32x32"),
    "toy-ring": (lambda: _toy("toy-ring"), "8 Gaussians on a ring (radius 1, std 0.01)"),
    "toy-grid": (lambda: _toy("toy-grid"), "25 Gaussians on a 5x5 grid (spacing 2, std 0.05)"),
}
PRESETS: dict[str, str] = {k: v[1] for k, v in _PRESET_FACTORIES.items()}
DEFAULT_PRESET = "mnist-dcgan"


def preset(name: str) -> RunConfig:
    if name not in _PRESET_FACTORIES:
        raise ConfigError("preset", name, f"one of {', '.join(_PRESET_FACTORIES)}")
    return _PRESET_FACTORIES[name][0]()
