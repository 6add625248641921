"""Grids, animations and latent files: what a person opens afterwards."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
import torch
from PIL import Image

from ganstudio.core import export


def frames(n: int = 5, h: int = 6, w: int = 8, c: int = 1) -> np.ndarray:
    rng = np.random.default_rng(0)
    out = np.zeros((n, h, w, c), np.uint8)
    for i in range(n):  # distinct frames, so no GIF writer can fold two together
        out[i] = rng.integers(0, 256, size=(h, w, c))
    return out


def test_to_uint8_maps_range_and_layout():
    x = torch.tensor([[[[-1.0, 0.0], [1.0, 2.0]]]])  # (1, 1, 2, 2)
    out = export.to_uint8(x)
    assert out.shape == (1, 2, 2, 1) and out.dtype == np.uint8
    assert out[0, :, :, 0].tolist() == [[0, 128], [255, 255]]


def test_make_grid_places_tiles_in_rows():
    imgs = np.stack([np.full((4, 4, 3), v, np.uint8) for v in (10, 20, 30)])
    grid = export.make_grid(imgs, nrow=2, padding=1)
    assert grid.shape == (1 + 2 * 5, 1 + 2 * 5, 3)
    assert grid[1, 1, 0] == 10 and grid[1, 6, 0] == 20 and grid[6, 1, 0] == 30
    assert grid[6, 6, 0] == 0  # the empty fourth cell stays padding
    floats = export.make_grid(torch.zeros(4, 1, 3, 3), nrow=4, padding=0)
    assert floats.shape == (3, 12, 1) and np.all(floats == 128)


def test_save_png_round_trips_and_leaves_no_temp_files(tmp_path):
    img = frames(1, c=3)[0]
    out = export.save_png(img, tmp_path / "grid.png")
    assert np.array_equal(np.asarray(Image.open(out)), img)
    assert [p.name for p in tmp_path.iterdir()] == ["grid.png"]
    # Exports are for sharing: not private like a temporary file.
    umask = os.umask(0)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask


def test_gif_has_expected_frame_count_and_size(tmp_path):
    seen: list[int] = []
    path = export.save_animation(
        frames(7), tmp_path / "walk.gif", fps=10, scale=3, progress=lambda i, n: seen.append(i)
    )
    with Image.open(path) as im:
        assert im.n_frames == 7
        assert im.size == (8 * 3, 6 * 3)
    assert seen[-1] == 7
    assert Image.open(path).info.get("loop") == 0  # repeats forever
    once = export.save_animation(frames(3), tmp_path / "once.gif", fps=10, loop=False)
    assert "loop" not in Image.open(once).info


def test_png_strip_puts_frames_side_by_side(tmp_path):
    path = export.save_animation(frames(4, c=3), tmp_path / "strip.png", fps=5)
    with Image.open(path) as im:
        assert im.size == (4 * 8, 6)


def test_mp4_is_written(tmp_path):
    pytest.importorskip("imageio_ffmpeg")
    import imageio.v3 as iio

    path = export.save_animation(frames(6, h=7, w=9, c=1), tmp_path / "walk.mp4", fps=12, scale=2)
    video = iio.imread(path, plugin="pyav") if _has_pyav() else None
    assert path.stat().st_size > 0
    assert path.read_bytes()[4:8] == b"ftyp"
    if video is not None:
        assert video.shape[0] == 6


def _has_pyav() -> bool:
    try:
        import av  # noqa: F401
    except ImportError:
        return False
    return True


def test_cancelled_export_keeps_the_old_file(tmp_path):
    target = tmp_path / "walk.gif"
    target.write_bytes(b"old")
    with pytest.raises(export.ExportCancelled):
        export.save_animation(frames(5), target, fps=10, should_stop=lambda: True)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["walk.gif"]


@pytest.mark.parametrize("suffix", [".npy", ".json"])
def test_saved_latents_load_back_equal(tmp_path, suffix):
    z = np.random.default_rng(1).normal(size=12).astype(np.float32)
    keys = np.random.default_rng(2).normal(size=(3, 12)).astype(np.float32)
    path = export.save_latents(tmp_path / f"latents{suffix}", torch.from_numpy(z), keys)
    loaded = export.load_latents(path)
    np.testing.assert_array_equal(loaded["z"], z)
    np.testing.assert_array_equal(loaded["keyframes"], keys)
    only_z = export.load_latents(export.save_latents(tmp_path / f"z{suffix}", z))
    assert only_z["keyframes"].shape == (0, 12)


def test_bad_latent_files_raise_a_readable_error(tmp_path):
    (tmp_path / "text.npy").write_text("not numpy")
    (tmp_path / "bad.json").write_text(json.dumps({"hello": 1}))
    (tmp_path / "broken.json").write_text("{")
    np.save(tmp_path / "cube.npy", np.zeros((2, 2, 2)))
    np.save(tmp_path / "objects.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    for name in ("text.npy", "bad.json", "broken.json", "cube.npy", "objects.npy", "x.txt"):
        with pytest.raises(export.FileFormatError, match="latent"):
            export.load_latents(tmp_path / name)


def test_load_image_converts_any_mode_and_rejects_non_images(tmp_path):
    Image.new("P", (10, 20), 3).save(tmp_path / "p.png")
    Image.new("LA", (10, 20)).save(tmp_path / "la.png")
    for name in ("p.png", "la.png"):
        rgb = export.load_image(tmp_path / name)
        assert rgb.shape == (20, 10, 3) and rgb.dtype == np.uint8
    (tmp_path / "fake.png").write_bytes(b"\x89PNG not really")
    with pytest.raises(export.FileFormatError, match="not an image"):
        export.load_image(tmp_path / "fake.png")


def test_image_to_tensor_fits_model_resolution_and_channels():
    rgb = np.zeros((40, 60, 3), np.uint8)
    rgb[:, :, 0] = 255
    gray = export.image_to_tensor(rgb, channels=1, resolution=28)
    assert gray.shape == (1, 28, 28)
    assert -1.0 <= float(gray.min()) and float(gray.max()) <= 1.0
    color = export.image_to_tensor(rgb, channels=3, resolution=16)
    assert color.shape == (3, 16, 16)
    assert float(color[0].mean()) == pytest.approx(1.0) and float(color[1].mean()) == pytest.approx(
        -1.0
    )
