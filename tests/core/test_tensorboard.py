"""`ganstudio tensorboard RUN` and `train --tensorboard`: what TensorBoard will read back."""

from __future__ import annotations

import io
import json
import struct
import sys

import numpy as np
from PIL import Image

from ganstudio.cli import main


def read_events(path) -> list:
    """The events of a TFRecord file, parsed with tensorboardX's own protobuf classes."""
    from tensorboardX.proto import event_pb2

    data, pos, events = path.read_bytes(), 0, []
    while pos < len(data):
        (n,) = struct.unpack_from("<Q", data, pos)
        pos += 12  # length, then the length's checksum
        events.append(event_pb2.Event.FromString(data[pos : pos + n]))
        pos += n + 4  # the record, then its checksum
    return events


def scalars_and_images(folder):
    (event_file,) = folder.glob("events.out.tfevents.*")
    scalars: dict[str, dict[int, float]] = {}
    images: list[tuple[int, np.ndarray]] = []
    for ev in read_events(event_file):
        for v in ev.summary.value:
            if v.HasField("image"):
                images.append((ev.step, np.asarray(Image.open(io.BytesIO(v.image.encoded_image_string)))))
            else:
                scalars.setdefault(v.tag, {})[ev.step] = v.simple_value
    return scalars, images


def _run(tmp_path, tiny_config, *flags):
    cfg = tiny_config(steps=6)  # metrics every step, sample grids at steps 3 and 6
    (tmp_path / "cfg.json").write_text(cfg.to_json())
    run = tmp_path / "run"
    assert main(["train", "--config", str(tmp_path / "cfg.json"), "--out", str(run), "--quiet", *flags]) == 0
    return run


def _expected(run):
    rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    # every numeric key is a scalar; text (the part of the step, the loss and optimizer in force) is not
    numeric = [k for k, v in rows[0].items() if k != "step" and isinstance(v, (int, float)) and not isinstance(v, bool)]
    return {k: {r["step"]: r[k] for r in rows} for k in numeric}


def test_a_run_converts_to_the_scalars_and_sample_grids_tensorboard_reads(tmp_path, tiny_config, capsys):
    run = _run(tmp_path, tiny_config)
    assert main(["tensorboard", str(run)]) == 0
    assert "tensorboard --logdir" in capsys.readouterr().out
    scalars, images = scalars_and_images(run / "tensorboard")
    expected = _expected(run)
    assert set(scalars) == set(expected) >= {"loss_D", "loss_G", "D_real", "D_fake", "images_per_s"}
    for tag, by_step in expected.items():
        assert sorted(scalars[tag]) == [1, 2, 3, 4, 5, 6]
        assert np.allclose([scalars[tag][s] for s in by_step], list(by_step.values()), rtol=1e-6)
    assert [step for step, _ in images] == [3, 6]
    for step, pixels in images:  # the grids as saved in samples/ (grey shown as equal RGB)
        saved = np.asarray(Image.open(run / "samples" / f"step_{step:07d}.png"))
        assert saved.ndim == 2 and pixels.shape == (*saved.shape, 3)
        assert all(np.array_equal(pixels[..., c], saved) for c in range(3))
    # converting again replaces the file instead of doubling every point
    assert main(["tensorboard", str(run), "--out", str(tmp_path / "tb")]) == 0
    assert main(["tensorboard", str(run), "--out", str(tmp_path / "tb")]) == 0
    assert len(list((tmp_path / "tb").iterdir())) == 1
    assert scalars_and_images(tmp_path / "tb")[0] == scalars


def test_train_with_tensorboard_writes_events_as_it_trains(tmp_path, tiny_config):
    run = _run(tmp_path, tiny_config, "--tensorboard")
    scalars, images = scalars_and_images(run / "tensorboard")
    expected = _expected(run)
    assert np.allclose([scalars["loss_D"][s] for s in range(1, 7)], [expected["loss_D"][s] for s in range(1, 7)])
    assert [step for step, _ in images] == [3, 6]


def test_without_tensorboardx_one_line_says_how_to_install_it(tmp_path, tiny_config, monkeypatch, capsys):
    run = _run(tmp_path, tiny_config)
    capsys.readouterr()
    monkeypatch.setitem(sys.modules, "tensorboardX", None)  # makes `import tensorboardX` fail
    assert main(["tensorboard", str(run)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "pip install" in err and "tensorboardX" in err
    assert not (run / "tensorboard").exists() or not any((run / "tensorboard").glob("events.*"))


def test_a_folder_that_is_not_a_run_is_one_clear_line(tmp_path, capsys):
    assert main(["tensorboard", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "is not a run folder" in err
