"""Command line: no argument (or a path) opens the app; subcommands work headless.

A user error (bad path, bad value, bad file) prints one line and exits 2, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time
from pathlib import Path
from typing import NoReturn

USER_ERROR = 2
INTERRUPTED = 130  # 128 + SIGINT, as shells report it
# What one command may hold in memory for its results, and limits that keep a typo (eval
# -n 100000000, interpolate --scale 2000) a one-line refusal rather than minutes of work.
OUTPUT_BYTES = 1 << 30
MAX_EVAL_SAMPLES = 100_000
MAX_FRAMES = 5_000
MAX_FRAME_SIDE = 4096
MODEL_HELP = ("checkpoint, generator export, run folder, http(s) URL of a model file (downloaded "
              "once), or `default` (the generator GAN Studio ships)")
SUBCOMMANDS = ("train", "sample", "eval", "interpolate", "project", "stylemix", "import", "export",
               "download", "tensorboard")
CLASS_HELP = "class of a conditional model (0 to its number of classes - 1)"


class UserError(Exception):
    """Reported as one line on stderr, exit status 2."""


def version() -> str:
    """The installed distribution's version; a checkout run without installing falls back to
    the package's own __version__. Neither reads more than package metadata (no torch, no Qt)."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as dist_version

    try:
        return dist_version("ganstudio")
    except PackageNotFoundError:
        from . import __version__

        return __version__


class _OneLineParser(argparse.ArgumentParser):
    """A bad argument is one line naming it and the help to read, exit status 2 (argparse's
    default prints the whole usage above the error)."""

    def error(self, message: str) -> NoReturn:
        self.exit(USER_ERROR, f"{self.prog}: {message} (see `{self.prog} --help`)\n")


def _parser() -> argparse.ArgumentParser:
    p = _OneLineParser(
        prog="ganstudio", description="Train GANs and explore their latent space.",
        epilog="With no command, or with a checkpoint, run folder or image path (or `default`, the "
               "shipped generator), the app opens. "
               "`ganstudio --self-test` checks an installation and exits 0 when all is well.")
    p.add_argument("--version", action="version", version=f"ganstudio {version()}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_OneLineParser)

    t = sub.add_parser("train", help="train headless, writing a run folder")
    t.add_argument("--preset", default=None, help="mnist-dcgan (default), mnist-mlp, mnist-stylegan2, toy-ring, toy-grid")
    t.add_argument("--config", type=Path, help="a config.json (as written into every run folder)")
    t.add_argument("--out", type=Path, help="run folder to write (default runs/<preset>-<time>)")
    t.add_argument("--resume", type=Path, metavar="RUN",
                   help="continue the run in this folder (or from a checkpoint; with --out, in a new run folder)")
    t.add_argument("--steps", type=int, help="steps to train (with --resume: further steps)")
    t.add_argument("--seed", type=int)
    t.add_argument("--device", help="auto, cpu, cuda, cuda:N or mps")
    t.add_argument("--batch-size", type=int)
    t.add_argument("--lr-g", type=float, help="generator learning rate")
    t.add_argument("--lr-d", type=float, help="discriminator learning rate")
    t.add_argument("--set", dest="settings", action="append", default=[], metavar="SECTION.FIELD=VALUE",
                   help="any config field, e.g. --set train.lr_decay=0.3 --set model.c_dim=10 "
                        "(repeatable; the value is read as JSON, else as text)")
    t.add_argument("--data", help="dataset name (mnist-embedded, mnist, fashion-mnist, cifar10, folder, toy-*)")
    t.add_argument("--data-path", help="image folder for --data folder, or the .csv/.npy file of "
                   "points for --data points")
    t.add_argument("--precision", choices=("fp32", "bf16", "fp16"))
    t.add_argument("--compile", action="store_true", help="torch.compile the networks")
    t.add_argument("--sample-every", type=int)
    t.add_argument("--checkpoint-every", type=int)
    t.add_argument("--quiet", action="store_true", help="no progress bar")
    t.add_argument("--tensorboard", action="store_true",
                   help="also write TensorBoard event files into RUN/tensorboard as it trains")

    from .commands import project, sample, stylemix

    sample.add_parser(sub, MODEL_HELP)

    e = sub.add_parser("eval", help="quality and mode-coverage figures of a generator")
    e.add_argument("checkpoint", help=MODEL_HELP)
    e.add_argument("--json", action="store_true", help="one JSON object on stdout")
    e.add_argument("-n", type=int, default=None, help="number of samples")
    e.add_argument("--seed", type=int, default=0)
    e.add_argument("--class", dest="class_index", type=int, help=CLASS_HELP + "; every sample of that class")

    i = sub.add_parser("interpolate", help="an animation through the latents of some seeds")
    i.add_argument("checkpoint", help=MODEL_HELP)
    i.add_argument("--seeds", nargs="+", required=True, help="the keyframes' seeds: 1 2 3, 1-3 or 1,5,9")
    i.add_argument("--class", dest="class_index", type=int, help=CLASS_HELP)
    i.add_argument("--frames", type=int, default=30, help="frames per segment")
    i.add_argument("--slerp", action="store_true", help="spherical instead of linear interpolation")
    i.add_argument("--loop", action="store_true", help="return to the first seed")
    i.add_argument("--fps", type=int, default=24)
    i.add_argument("--scale", type=int, default=4, help="pixel upscale factor")
    i.add_argument("-o", "--out", type=Path, default=Path("walk.gif"), help=".gif or .mp4")
    project.add_parser(sub, MODEL_HELP)
    stylemix.add_parser(sub, MODEL_HELP)

    m = sub.add_parser("import", help="convert a PyTorch DCGAN generator (.pth) or an NVlabs StyleGAN2 "
                                      "snapshot (.pkl) to a generator export")
    m.add_argument("state_dict", type=Path)
    m.add_argument("-o", "--out", type=Path, required=True)

    x = sub.add_parser("export", help="a generator-only file for sharing (EMA weights where EMA is on)")
    x.add_argument("checkpoint", help=MODEL_HELP)
    x.add_argument("-o", "--out", type=Path, required=True,
                   help="the suffix picks the format when --format is absent: .safetensors, "
                        ".onnx, .pt/.ts (TorchScript), .pt2 (torch.export)")
    x.add_argument("--format", choices=("safetensors", "onnx", "torchscript", "pt2"),
                   help="safetensors (default; GAN Studio opens it), onnx (onnxruntime and other "
                        "runtimes), torchscript (libtorch/C++), pt2 (torch.export)")
    x.add_argument("--class", dest="class_index", type=int,
                   help=CLASS_HELP + "; the onnx/torchscript/pt2 program then draws that class "
                        "from z alone (without it, the program takes the class as a second input, "
                        "`label`: one-hot rows)")

    d = sub.add_parser("download", help="download a torchvision dataset (needs internet)")
    d.add_argument("name", choices=("mnist", "fashion-mnist", "cifar10"))
    d.add_argument("--root", type=Path)

    b = sub.add_parser("tensorboard", help="convert a run folder's metrics and samples to TensorBoard "
                       "event files (view with: tensorboard --logdir runs)")
    b.add_argument("run", type=Path, help="run folder")
    b.add_argument("--out", type=Path, help="folder for the event files (default RUN/tensorboard)")
    return p


# --- train -------------------------------------------------------------------------------

def _progress_printer(total: int, start_step: int, quiet: bool):
    t0 = time.perf_counter()
    last = [0.0]

    def show(m: dict[str, float]) -> None:
        now = time.perf_counter()
        if quiet or (now - last[0] < 0.25 and m["step"] != total):
            return
        last[0] = now
        done = m["step"] - start_step
        rate = done / max(now - t0, 1e-9)
        eta = (total - m["step"]) / rate if rate > 0 else 0
        width = 24
        filled = int(width * m["step"] / total)
        bar = "#" * filled + "-" * (width - filled)
        line = (f"\r[{bar}] {m['step']}/{total}  D {m['loss_D']:.3f}  G {m['loss_G']:.3f}  "
                f"D(x) {m['D_real']:.2f}  D(G(z)) {m['D_fake']:.2f}  {m['images_per_s']:.0f} img/s  "
                f"ETA {int(eta // 60)}:{int(eta % 60):02d} ")
        sys.stderr.write(line)
        sys.stderr.flush()

    return show


def _train_config(a: argparse.Namespace):
    from .core.config import DEFAULT_PRESET, RunConfig, preset

    if a.config:
        try:
            config = RunConfig.from_json(a.config.read_text("utf-8"))
        except OSError as e:
            raise UserError(f"cannot read {a.config}: {e.strerror}") from None
    else:
        config = preset(a.preset or DEFAULT_PRESET)
    t = config.train
    for attr, field in (("steps", "steps"), ("seed", "seed"), ("device", "device"),
                        ("batch_size", "batch_size"), ("lr_g", "lr_g"), ("lr_d", "lr_d"),
                        ("precision", "precision"),
                        ("sample_every", "sample_every"), ("checkpoint_every", "checkpoint_every")):
        value = getattr(a, attr)
        if value is not None:
            setattr(t, field, value)
    if a.compile:
        if getattr(sys, "frozen", False):
            raise UserError("--compile needs a C++ compiler and Python headers, which the installed "
                            "app does not bundle; run from a Python environment to compile")
        t.compile = True
    for item in a.settings:
        config = _apply_setting(config, item)
    if a.data:
        config.data.name = a.data
    if a.data_path:
        config.data.path = a.data_path
        if not a.data:
            config.data.name = "folder"
    return config.validate()


def _apply_setting(config, item: str):
    """`--set train.lr_decay=0.3`: one field of the config, checked like any other."""
    key, sep, text = item.partition("=")
    section, _, name = key.strip().partition(".")
    if not sep or section not in ("model", "data", "train") or not name:
        raise UserError(f"--set {item}: write SECTION.FIELD=VALUE, with SECTION model, data or train")
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        value = text
    return config.replace(**{section: {name: value}})


def _refuse_a_locked_run(a: argparse.Namespace) -> None:
    """A run folder another process is writing: one line before any other check (the Trainer
    refuses it too, this only picks the advice that fits the flags)."""
    import os

    from ganstudio.core.io.runlock import RunLocked, lock_owner

    if os.environ.get("RANK", "0") != "0":  # under torchrun rank 0 alone writes and locks
        return
    if a.resume:
        run = a.resume if a.resume.is_dir() else a.resume.parent.parent
        advice = "Wait for that run to finish (or stop it) before continuing it."
    elif a.out:
        run, advice = a.out, "Choose another --out folder, or wait for that run to finish."
    else:
        return
    owner = lock_owner(run)
    if owner is not None:
        raise UserError(str(RunLocked(run, owner, advice)))


def cmd_train(a: argparse.Namespace) -> int:
    from ganstudio.core.training import dist
    from ganstudio.core.training.trainer import Trainer, TrainHooks

    if a.tensorboard:
        _require_tensorboard()  # before any training starts
    dist.init_from_env(a.device or "auto")
    if a.resume:
        trainer = Trainer.resume(a.resume, steps=a.steps, out=a.out)
    else:
        config = _train_config(a)
        out = a.out or Path("runs") / f"{a.preset or 'mnist-dcgan'}-{time.strftime('%Y%m%d-%H%M%S')}"
        if out.exists() and (out / "checkpoints").is_dir() and any((out / "checkpoints").iterdir()):
            raise UserError(f"{out} already holds a run; continue it with --resume {out} or choose "
                            "another --out")
        trainer = Trainer(config, out)
    total = trainer.config.train.steps
    main_rank = trainer.rank == 0
    if main_rank and trainer.took_over_from is not None:
        from ganstudio.core.io.runlock import takeover_note

        print(f"note: {takeover_note(trainer.took_over_from)}", file=sys.stderr)
    if main_rank and trainer.resume_note:
        print(f"note: {trainer.resume_note}", file=sys.stderr)
    if main_rank:
        n = trainer.config.train.batch_size * trainer.world
        print(f"Training {trainer.config.model.arch} on {trainer.config.data.name}, {trainer.device}, "
              f"batch {n}{f' ({trainer.world} processes)' if trainer.world > 1 else ''}, "
              f"steps {trainer.step_count}->{total}, run folder {trainer.run_dir}", file=sys.stderr)
    hooks = TrainHooks(progress=_progress_printer(total, trainer.step_count, a.quiet or not main_rank))
    events = _live_events(hooks, trainer) if a.tensorboard and main_rank else None
    # Ctrl-C ends the run between two steps: the step in flight finishes, the run saves the
    # state of that step (under torchrun every rank stops after the same one) and exits 130.
    # A second Ctrl-C only repeats the request, so it cannot cut the checkpoint short.
    import threading

    in_main = threading.current_thread() is threading.main_thread()  # where signals may be set
    previous = signal.signal(signal.SIGINT, _stop_on_interrupt(trainer, main_rank)) if in_main else None
    try:
        trainer.run(hooks)
    finally:
        if in_main:
            signal.signal(signal.SIGINT, previous)
        trainer.close()
        if events:
            events.close()
    if trainer.stopped_early:
        if main_rank:
            print(f"\nInterrupted at step {trainer.step_count}; checkpoint saved in "
                  f"{trainer.run_dir}/checkpoints. Continue with: ganstudio train --resume "
                  f"{trainer.run_dir}", file=sys.stderr)
        dist.shutdown()
        return 130
    if main_rank:
        print(f"\nDone: {trainer.step_count} steps. Samples: {trainer.run_dir}/samples, "
              f"checkpoint: {trainer.run_dir}/checkpoints/latest.safetensors", file=sys.stderr)
    dist.shutdown()
    return 0


def _stop_on_interrupt(trainer, main_rank: bool):
    asked = []

    def handler(signum, frame) -> None:
        trainer.request_stop()
        if main_rank and not asked:
            sys.stderr.write("\nStopping after this step and saving a checkpoint...\n")
        asked.append(signum)

    return handler


def _require_tensorboard() -> None:
    import importlib.util

    from ganstudio.core.io.tensorboard_events import INSTALL_HINT

    if importlib.util.find_spec("tensorboardX") is None:
        raise UserError(f"--tensorboard needs the tensorboardX package: {INSTALL_HINT}")


def _live_events(hooks, trainer):
    """Sends the rows the run folder logs, and every sample grid, to TensorBoard as well."""
    from ganstudio.core.io.tensorboard_events import FOLDER, EventWriter

    events = EventWriter(trainer.run_dir / FOLDER)
    t = trainer.config.train
    show = hooks.progress

    def progress(m: dict[str, float]) -> None:
        show(m)
        if m["step"] % t.log_every == 0 or m["step"] == t.steps:
            events.log(m)

    hooks.progress, hooks.samples = progress, events.samples
    return events


# --- sample / interpolate / import / eval -------------------------------------------------

def cmd_interpolate(a: argparse.Namespace) -> int:
    import torch

    from .commands.models import class_label, open_model
    from .commands.ranges import parse_seeds
    from .core.export import save_animation, upscale
    from .core.generate import generate_uint8
    from .core.latent import interpolate_path, sample_z

    if a.out.suffix.lower() not in (".gif", ".mp4"):
        raise UserError(f"-o {a.out}: the output must end in .gif or .mp4")
    seeds = parse_seeds(a.seeds, "--seeds", limit=256)
    if len(seeds) < 2:
        raise UserError("--seeds needs at least two seeds to interpolate between")
    if not 1 <= a.frames <= 1000:
        raise UserError(f"--frames {a.frames} is not allowed: choose 1 to 1000")
    total = (len(seeds) - 1 + bool(a.loop)) * a.frames
    if total > MAX_FRAMES:
        raise UserError(f"{len(seeds)} seeds at --frames {a.frames} make {total:,} frames; choose "
                        f"fewer seeds or frames (at most {MAX_FRAMES:,} frames)")
    if not 1 <= a.scale <= 64:
        raise UserError(f"--scale {a.scale} is not allowed: choose 1 to 64")
    loaded = open_model(a.checkpoint)
    shape = loaded.config.sample_shape
    if len(shape) == 3 and shape[1] * a.scale > MAX_FRAME_SIDE:
        raise UserError(f"--scale {a.scale} makes frames of {shape[1] * a.scale} pixels; choose a "
                        f"scale up to {MAX_FRAME_SIDE // shape[1]} (frames up to {MAX_FRAME_SIDE} pixels)")
    if len(shape) == 3:
        _check_output_size(total, (shape[0], shape[1] * a.scale, shape[2] * a.scale), 1,
                           "fewer seeds or --frames", "frames")
    label = class_label(loaded.generator, a.class_index)
    dim = loaded.config.model.latent_dim
    keys = torch.cat([sample_z(s, 1, dim, loaded.config.model.latent_dist) for s in seeds])
    path_z = interpolate_path(keys, a.frames, "slerp" if a.slerp else "lerp", a.loop)
    frames = generate_uint8(loaded.generator, path_z, label=label)
    frames = [upscale(f, a.scale) for f in frames]
    out = save_animation(frames, a.out, fps=a.fps)
    print(f"{len(frames)} frames -> {out}")
    return 0


def _check_output_size(n: int, shape: tuple[int, ...], item_bytes: int, flag: str, what: str) -> None:
    """UserError when n results of this shape would not fit OUTPUT_BYTES of memory."""
    each = item_bytes
    for side in shape:
        each *= side
    if n * each > OUTPUT_BYTES:
        raise UserError(f"{n:,} {what} of this model need {n * each / 1e9:.1f} GB of memory; choose "
                        f"at most {max(1, OUTPUT_BYTES // each):,} {what} ({flag})")


def cmd_import(a: argparse.Namespace) -> int:
    from ganstudio.core.io.loader import import_nvlabs_pickle, import_state_dict
    from ganstudio.core.models.registry import family as family_row

    if a.state_dict.suffix.lower() == ".pkl":
        loaded = import_nvlabs_pickle(a.state_dict, a.out)
        m = loaded.config.model
        family = family_row(m.arch).short_title  # "StyleGAN3"
        print(f"Imported a {family} generator (z {m.latent_dim}, w {m.w_dim}, {m.resolution}x{m.resolution}, "
              f"{m.channels} channel{'s' if m.channels > 1 else ''}"
              f"{f', {m.c_dim} classes' if m.c_dim else ''}) -> {a.out}")
        return 0
    loaded = import_state_dict(a.state_dict, a.out)
    m = loaded.config.model
    print(f"Imported a DCGAN generator (latent {m.latent_dim}, width {m.g_width}, "
          f"{m.resolution}x{m.resolution}, {m.channels} channel{'s' if m.channels > 1 else ''}) -> {a.out}")
    return 0


def cmd_export(a: argparse.Namespace) -> int:
    from ganstudio.core.io import interop

    from .commands.models import class_label, open_model

    implied = interop.format_for(a.out)
    if a.format and a.out.suffix.lower() in interop.KNOWN_SUFFIXES and implied != a.format:
        raise UserError(f"-o {a.out} names a {implied} file but --format is {a.format}; end the "
                        f"name in {interop.FORMATS[a.format][0]}")
    fmt = a.format or implied
    if a.class_index is not None and fmt == "safetensors":
        raise UserError("--class fixes the class of an onnx, torchscript or pt2 program; a "
                        "safetensors export keeps every class, so leave --class out")
    loaded = open_model(a.checkpoint)
    label = class_label(loaded.generator, a.class_index)
    done = interop.export(loaded, a.out, fmt, label=label)
    check = "" if done.max_error is None else f"; re-opened, images within {done.max_error:.1g}"
    if done.classes:
        check += f"; inputs z and label (one-hot rows of {done.classes} classes)"
    elif label is not None:
        check += f"; draws class {label}"
    print(f"Generator of {loaded.name} (step {loaded.step}) -> {done.path} "
          f"({done.format}, {done.path.stat().st_size / 1e6:.1f} MB{check})")
    return 0


def cmd_eval(a: argparse.Namespace) -> int:
    from .commands.models import class_label, open_model
    from .core import metrics

    if a.n is not None and not 1 <= a.n <= MAX_EVAL_SAMPLES:
        raise UserError(f"-n {a.n} is not allowed: choose 1 to {MAX_EVAL_SAMPLES:,} samples")
    loaded = open_model(a.checkpoint)
    if a.n is not None:
        _check_output_size(a.n, loaded.config.sample_shape, 4, "-n", "samples")
    kwargs = {"seed": a.seed, "label": class_label(loaded.generator, a.class_index)}
    if a.n:
        kwargs["n"] = a.n
    result = metrics.evaluate(loaded, **kwargs)
    print(json.dumps(result) if a.json else metrics.format_report(result))
    return 0


def cmd_tensorboard(a: argparse.Namespace) -> int:
    from ganstudio.core.io.tensorboard_events import TensorBoardError, convert_run

    try:
        done = convert_run(a.run, a.out)
    except TensorBoardError as e:
        raise UserError(str(e)) from None
    print(f"{done.scalars} scalar points ({len(done.tags) - (done.images > 0)} series) and "
          f"{done.images} sample grids -> {done.event_file}\n"
          f"View them with: tensorboard --logdir {done.folder}")
    return 0


def cmd_download(a: argparse.Namespace) -> int:
    from .core.data import download

    root = download(a.name, a.root)
    print(f"{a.name} is in {root}")
    return 0


def cmd_sample(a: argparse.Namespace) -> int:
    from .commands import sample

    return sample.run(a)


def cmd_project(a: argparse.Namespace) -> int:
    from .commands import project

    return project.run(a)


def cmd_stylemix(a: argparse.Namespace) -> int:
    from .commands import stylemix

    return stylemix.run(a)


COMMANDS = {"train": cmd_train, "sample": cmd_sample, "eval": cmd_eval,
            "interpolate": cmd_interpolate, "project": cmd_project, "stylemix": cmd_stylemix, "import": cmd_import, "export": cmd_export, "download": cmd_download,
            "tensorboard": cmd_tensorboard}


def _interrupt_once(signum, frame) -> None:
    """Ctrl-C: KeyboardInterrupt once; a second Ctrl-C while the first is handled is ignored,
    so the command still ends with its one line (and temporary files are removed)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    raise KeyboardInterrupt


def _interrupted(command: str) -> int:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    print(f"ganstudio {command}: interrupted", file=sys.stderr)
    return INTERRUPTED


def _opens_the_app(argv: list[str]) -> bool:
    """No argument, or a single path that is not a command: the app. Anything with a flag goes
    to argparse (--version, --help, and a usage error for an unknown flag, never the app)."""
    return not argv or (len(argv) == 1 and argv[0] not in SUBCOMMANDS and not argv[0].startswith("-"))


def main(argv: list[str] | None = None) -> int:
    program = argv is None  # the command line itself, not a call from Python
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "--self-test":
        from .gui.self_test import run

        return run()
    if _opens_the_app(argv):
        from .core.io.url import is_url
        from .core.names import ModelNameError, resolve_model_name

        try:  # `ganstudio default` opens the shipped generator (a file named default wins)
            argv = [a if is_url(a) else str(resolve_model_name(a)) for a in argv]
        except ModelNameError as e:
            print(f"ganstudio: error: {e}", file=sys.stderr)
            return USER_ERROR
        from .gui.app import main as gui_main  # the app: no argument, or a path to open

        return gui_main(argv)
    parser = _parser()
    if argv[0] not in SUBCOMMANDS and not argv[0].startswith("-"):
        parser.error(f"the app opens one file or folder at a time; got {len(argv)} arguments "
                     f"({' '.join(argv)}). Commands: {', '.join(SUBCOMMANDS)}")
    args = parser.parse_args(argv)
    # A file name that is not UTF-8 (possible on Linux) is printed escaped, not as a traceback.
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    previous = signal.signal(signal.SIGINT, _interrupt_once)  # (train installs its own while it runs)
    try:
        code = _command(args)
        # The command is over and has said so: a Ctrl-C while Python shuts down (most of a
        # second once torch is loaded) changes nothing, rather than killing it unflushed.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    except KeyboardInterrupt:  # Ctrl-C, once or twice, at any point of any command
        code = _interrupted(args.command)
    if not program and previous is not None:  # called from Python: the caller's handler is back
        signal.signal(signal.SIGINT, previous)
    return code


def _command(args: argparse.Namespace) -> int:
    """Runs the command; a user error (bad path, value or file) is one line and exit status 2."""
    if args.command == "train":
        try:  # before torch is imported (below), so that a refusal is immediate
            _refuse_a_locked_run(args)
        except UserError as e:
            print(f"ganstudio train: error: {e}", file=sys.stderr)
            return USER_ERROR
    from ganstudio.core.errors import CheckpointError
    from ganstudio.core.errors import UserError as CoreUserError
    from ganstudio.core.io.runlock import RunLocked
    from ganstudio.core.training.trainer import TrainingDiverged

    from .core.data import DataError

    try:
        return COMMANDS[args.command](args)
    except (UserError, CoreUserError, CheckpointError, DataError, TrainingDiverged, RunLocked, ValueError,
            OSError) as e:
        # ConfigError is a ValueError; OSError covers unwritable output paths and full disks.
        text = f"{e.strerror}: {e.filename}" if isinstance(e, OSError) and e.strerror else str(e)
        print(f"ganstudio {args.command}: error: {text}", file=sys.stderr)
        return USER_ERROR


if __name__ == "__main__":
    sys.exit(main())
