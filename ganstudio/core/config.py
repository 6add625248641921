"""Run configuration: three dataclasses, validation with field-level messages, JSON, presets."""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass, field
from typing import Any

from ganstudio.core.errors import UserError
from ganstudio.core.models import registry

ARCHS = registry.FAMILY_NAMES  # model.arch: a row of the family table (core/models/registry.py)
LOSSES = ("bce", "hinge", "wgan-gp", "lsgan")  # the names core/losses.py registers
PRECISIONS = ("fp32", "bf16", "fp16")
OPTIMIZERS = ("adam", "sgd")
LATENT_DISTS = ("normal", "uniform")  # z ~ N(0, I), or uniform in [-1, 1] per axis
DEVICES = ("auto", "cpu", "cuda", "mps")
DIFFAUG_POLICIES = ("translation", "cutout", "color")
IMAGE_DATASETS = ("mnist-embedded", "mnist", "fashion-mnist", "cifar10", "folder")
# "points": a .csv/.npy file of 1-D or 2-D points (data.path); "toy-1d": two Gaussians on a line
TOY_DATASETS = ("toy-ring", "toy-grid", "toy-spiral", "toy-1d", "points")
POINTS = "points"
# The data label of a generator imported from another program: its training data are unknown
# (data.path holds the file it came from). Valid in a generator's config, never trainable.
IMPORTED = "imported"
DATASET_NAMES = IMAGE_DATASETS + TOY_DATASETS + (IMPORTED,)
RESOLUTIONS = (28, 32, 64)


class ConfigError(UserError, ValueError):
    """A configuration value that is not allowed; `field` is the dotted name of the field."""

    def __init__(self, field: str, value: Any, allowed: str) -> None:
        self.field = field
        self.value = value
        self.allowed = allowed
        super().__init__(f"{field} = {value!r} is not allowed: {allowed}")


@dataclass
class ModelConfig:
    arch: str = registry.FAMILY_NAMES[0]  # the model family (core/models/registry.py)
    latent_dim: int = 100
    latent_dist: str = "normal"  # how z is drawn: "normal" N(0, I) or "uniform" in [-1, 1]
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
    c_dim: int = 0  # classes of a conditional model (every family; 0 = unconditional)
    conv_clamp: float | None = None
    architecture: str = "skip"
    # The names of a conditional model's classes, in label order ([] = numbers).
    class_names: list[str] = field(default_factory=list)
    # StyleGAN3 (arch "stylegan3", alias-free; imported, never trained here) also uses w_dim,
    # mapping_layers, channel_base, channel_max, c_dim and conv_clamp as above, and: the
    # synthesis layers after the Fourier input (NVIDIA's num_layers), how many of the last
    # are critically sampled (num_critical), the conv kernel (3: config T, 1: config R) and
    # radially symmetric downsampling filters (config R).
    synthesis_layers: int = 14
    critical_layers: int = 2
    conv_kernel: int = 3
    radial_filters: bool = False


@dataclass
class DataConfig:
    name: str = "mnist-embedded"
    path: str | None = None  # image folder for "folder"; the source file's name for "imported"
    root: str | None = None  # download folder for torchvision datasets
    # "points": coordinates per point (1 or 2), read from the file when a run is built and
    # kept here so that a checkpoint builds its networks without the file (None: 2)
    dims: int | None = None


@dataclass
class TrainConfig:
    steps: int = 3000
    batch_size: int = 64
    lr_g: float = 2e-4
    lr_d: float = 2e-4
    beta1: float = 0.5
    beta2: float = 0.999
    n_critic: int = 1  # discriminator updates per iteration
    g_steps: int = 1  # generator updates per iteration
    # "adam", or "sgd": plain SGD with the learning rates above and beta1 as its momentum
    # (beta2 is then unused)
    optimizer: str = "adam"
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


def check(cond: bool, field_name: str, value: Any, allowed: str) -> None:
    if not cond:
        raise ConfigError(field_name, value, allowed)


def is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def is_num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


# What each annotation of the config's dataclasses accepts, checked before any rule reads a
# value: a config comes from JSON files ("device": 5 would otherwise fail inside a rule).
_TYPES: dict[str, tuple[Any, str]] = {
    "int": (is_int, "a whole number"),
    "float": (lambda v: isinstance(v, (int, float)) and not isinstance(v, bool), "a number"),
    "str": (lambda v: isinstance(v, str), "a string"),
    "bool": (lambda v: isinstance(v, bool), "true or false"),
    "list[str]": (lambda v: isinstance(v, list), "a list of strings"),
}


def check_types(section: str, part: Any) -> None:
    """ConfigError for the first field whose value is not of its declared type."""
    for f in dataclasses.fields(part):
        kind = str(f.type).replace(" ", "")
        optional = kind.endswith("|None")
        accepts, what = _TYPES.get(kind.removesuffix("|None"), (None, ""))
        value = getattr(part, f.name)
        if accepts is None or (optional and value is None):
            continue
        check(accepts(value), f"{section}.{f.name}", value, what + (" or null" if optional else ""))


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
            if self.data.name == "toy-1d":
                return (1,)
            return (self.data.dims or 2,)
        return (self.model.channels, self.model.resolution, self.model.resolution)

    def validate(self) -> RunConfig:
        m, d, t = self.model, self.data, self.train
        for section, part in (("model", m), ("data", d), ("train", t)):
            check_types(section, part)
        check(m.arch in ARCHS, "model.arch", m.arch, f"one of {', '.join(ARCHS)}")
        family = registry.family(m.arch)
        check(is_int(m.latent_dim) and 1 <= m.latent_dim <= 4096, "model.latent_dim",
               m.latent_dim, "a whole number from 1 to 4096")
        if not self.is_toy:
            check(m.resolution in family.resolutions, "model.resolution", m.resolution,
                   family.resolutions_text or f"one of {', '.join(map(str, family.resolutions))} pixels")
            check(m.channels in (1, 3), "model.channels", m.channels, "1 (grey) or 3 (colour)")
            if family.validate is not None:
                family.validate(self)
        else:
            toy = [f.name for f in registry.families() if f.toy]
            check(family.toy, "model.arch", m.arch, f"2-D toy data needs the {' or '.join(toy)} model")
            check(m.c_dim == 0, "model.c_dim", m.c_dim, "0 for toy data (its points carry no labels)")
        names = m.class_names
        check(isinstance(names, list) and all(isinstance(n, str) for n in names)
              and len(names) in (0, m.c_dim), "model.class_names", names,
              f"a list of {m.c_dim} class names (one per class), or empty")
        # A DCGAN's widest layer has 8x its width in feature maps: at 1024 a 64-pixel generator
        # already holds 0.7 billion weights (2.9 GB), and at 4096 it would need 34 GB.
        for name in ("g_width", "d_width"):
            v = getattr(m, name)
            check(is_int(v) and 4 <= v <= 1024, f"model.{name}", v, "a whole number from 4 to 1024")
        check(is_int(m.mlp_hidden) and 4 <= m.mlp_hidden <= 4096, "model.mlp_hidden",
               m.mlp_hidden, "a whole number from 4 to 4096")
        check(is_int(m.mlp_layers) and 1 <= m.mlp_layers <= 8, "model.mlp_layers",
               m.mlp_layers, "a whole number from 1 to 8")
        check(is_int(m.pack) and 1 <= m.pack <= 8, "model.pack", m.pack, "a whole number from 1 to 8")
        check(is_int(m.toy_features) and 0 <= m.toy_features <= 1024, "model.toy_features",
               m.toy_features, "a whole number from 0 (off) to 1024")
        check(is_num(m.toy_feature_scale) and 0 < m.toy_feature_scale <= 100,
               "model.toy_feature_scale", m.toy_feature_scale, "a number above 0 and at most 100")
        check(d.name in DATASET_NAMES, "data.name", d.name, f"one of {', '.join(DATASET_NAMES)}")
        if d.name == "folder":
            check(bool(d.path), "data.path", d.path, "the folder of images to train on")
        if d.name == POINTS:
            check(bool(d.path), "data.path", d.path, "a .csv or .npy file of points to train on")
        check(d.dims in (None, 1, 2), "data.dims", d.dims, "1 or 2 coordinates per point, or null")
        check(is_int(t.steps) and 1 <= t.steps <= 10_000_000, "train.steps", t.steps,
               "a whole number from 1 to 10,000,000")
        check(is_int(t.batch_size) and 1 <= t.batch_size <= 8192, "train.batch_size",
               t.batch_size, "a whole number from 1 to 8192")
        check(t.batch_size % m.pack == 0, "train.batch_size", t.batch_size,
               f"a multiple of model.pack ({m.pack})")
        for name in ("lr_g", "lr_d"):
            v = getattr(t, name)
            check(is_num(v) and 0 < v <= 1, f"train.{name}", v, "a number above 0 and at most 1")
        for name in ("beta1", "beta2"):
            v = getattr(t, name)
            check(is_num(v) and 0 <= v < 1, f"train.{name}", v, "a number from 0 up to (not including) 1")
        check(is_num(t.lr_decay) and 0 <= t.lr_decay <= 1, "train.lr_decay", t.lr_decay,
               "a share of the run from 0 (off) to 1 (the whole run)")
        check(is_int(t.n_critic) and 1 <= t.n_critic <= 20, "train.n_critic", t.n_critic,
               "a whole number from 1 to 20")
        check(is_int(t.g_steps) and 1 <= t.g_steps <= 20, "train.g_steps", t.g_steps,
               "a whole number from 1 to 20")
        check(t.optimizer in OPTIMIZERS, "train.optimizer", t.optimizer, f"one of {', '.join(OPTIMIZERS)}")
        check(m.latent_dist in LATENT_DISTS, "model.latent_dist", m.latent_dist,
               f"one of {', '.join(LATENT_DISTS)}")
        check(t.loss in LOSSES, "train.loss", t.loss, f"one of {', '.join(LOSSES)}")
        check(is_num(t.gp_weight) and t.gp_weight >= 0, "train.gp_weight", t.gp_weight, "a number >= 0")
        check(is_num(t.r1_gamma) and t.r1_gamma >= 0, "train.r1_gamma", t.r1_gamma, "a number >= 0")
        check(is_int(t.r1_every) and 1 <= t.r1_every <= 64, "train.r1_every", t.r1_every,
               "a whole number from 1 (every step) to 64")
        check(is_num(t.label_smoothing) and 0 <= t.label_smoothing < 0.5, "train.label_smoothing",
               t.label_smoothing, "a number from 0 up to 0.5")
        check(is_num(t.ema_decay) and 0 < t.ema_decay < 1, "train.ema_decay", t.ema_decay,
               "a number between 0 and 1")
        policies = [p for p in t.diffaug.split(",") if p.strip()]
        for p in policies:
            check(p.strip() in DIFFAUG_POLICIES, "train.diffaug", t.diffaug,
                   f"a comma-separated list of {', '.join(DIFFAUG_POLICIES)}")
        if policies:
            check(not self.is_toy, "train.diffaug", t.diffaug, "empty for 2-D toy data")
        check(t.device in DEVICES or t.device.startswith("cuda:"), "train.device", t.device,
               f"one of {', '.join(DEVICES)} (or cuda:N)")
        check(t.precision in PRECISIONS, "train.precision", t.precision, f"one of {', '.join(PRECISIONS)}")
        for name in ("sample_every", "checkpoint_every", "log_every"):
            v = getattr(t, name)
            check(is_int(v) and v >= 1, f"train.{name}", v, "a whole number >= 1")
        check(is_int(t.seed) and 0 <= t.seed < 2**63, "train.seed", t.seed, "a whole number >= 0")
        check(is_num(t.pl_weight) and t.pl_weight >= 0, "train.pl_weight", t.pl_weight, "a number >= 0")
        check(is_int(t.pl_every) and 1 <= t.pl_every <= 64, "train.pl_every", t.pl_every,
               "a whole number from 1 (every step) to 64")
        check(is_num(t.style_mixing) and 0 <= t.style_mixing <= 1, "train.style_mixing",
               t.style_mixing, "a probability from 0 (off) to 1")
        for other in registry.families():  # options only one family reads
            for name in other.own_train_fields:
                check(not getattr(t, name) or m.arch == other.name, f"train.{name}",
                       getattr(t, name), f"0 unless the model is {other.name}")
        return self

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
        except RecursionError:  # JSON nested thousands deep: no config is
            raise ConfigError("config", text[:40], "a JSON object nested a few levels deep") from None
        return cls.from_dict(d)

    def replace(self, **sections: dict[str, Any]) -> RunConfig:
        """A copy with some fields changed: cfg.replace(train={"steps": 10})."""
        d = self.to_dict()
        for key, changes in sections.items():
            d[key].update(changes)
        return RunConfig.from_dict(d)


def presets() -> dict[str, str]:
    """Preset name -> one-line description, every family's (the family table declares them)."""
    return {name: desc for name, (_, desc) in registry.all_presets().items()}


DEFAULT_PRESET = "mnist-dcgan"


def preset(name: str) -> RunConfig:
    factories = registry.all_presets()
    if name not in factories:
        raise ConfigError("preset", name, f"one of {', '.join(factories)}")
    return factories[name][0]()
