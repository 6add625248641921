from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from ganstudio.core.config import DataConfig, ModelConfig
from ganstudio.core.data import (
    DataError,
    build_dataset,
    download,
    embedded_mnist,
    is_available,
    load_image_folder,
    preview,
)


def test_embedded_mnist_matches_the_published_facts():
    images, labels = embedded_mnist()
    assert images.shape == (10_000, 28, 28)
    assert abs(images.mean() / 255 - 0.1325) < 1e-4
    assert np.bincount(labels).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def test_dataset_is_scaled_to_minus_one_one_at_the_model_resolution(tiny_config):
    cfg = tiny_config()
    cfg.model.resolution, cfg.model.channels = 32, 3
    ds = build_dataset(cfg)
    assert ds.images.shape == (10_000, 3, 32, 32)
    x = ds[0]
    assert x.min() >= -1 and x.max() <= 1 and x.max() > 0.9


def _write_images(folder, n, size=(40, 30), mode="RGB"):
    rng = np.random.default_rng(0)
    for i in range(n):
        arr = rng.integers(0, 255, size=(size[1], size[0], 3), dtype=np.uint8)
        Image.fromarray(arr).convert(mode).save(folder / f"img{i}.png")


def test_image_folder_is_recursive_resized_and_skips_corrupt_files(tmp_path):
    sub = tmp_path / "nested"
    sub.mkdir()
    _write_images(tmp_path, 3)
    _write_images(sub, 2, mode="L")
    Image.fromarray(np.zeros((10, 10, 3), np.uint8)).save(sub / "pic.jpg")
    (tmp_path / "broken.png").write_bytes(b"not an image at all")
    (tmp_path / "notes.txt").write_text("ignored")
    images, skipped = load_image_folder(tmp_path, 28, 3)
    assert images.shape == (6, 3, 28, 28)
    assert [p.name for p in skipped] == ["broken.png"]


def test_empty_folder_and_all_corrupt_folder_are_clear_errors(tmp_path):
    with pytest.raises(DataError, match="holds no images"):
        load_image_folder(tmp_path, 28, 1)
    (tmp_path / "a.png").write_bytes(b"garbage")
    with pytest.raises(DataError, match="could be read"):
        load_image_folder(tmp_path, 28, 1)
    with pytest.raises(DataError, match="does not exist"):
        load_image_folder(tmp_path / "missing", 28, 1)


def test_toys_and_preview():
    pts = preview(DataConfig("toy-ring"), ModelConfig(), n=200)
    radius = np.linalg.norm(pts, axis=1)
    assert pts.shape == (200, 2) and np.all(np.abs(radius - 1) < 0.1)
    imgs = preview(DataConfig("mnist-embedded"), ModelConfig(), n=5)
    assert imgs.shape == (5, 28, 28, 1) and imgs.dtype == np.uint8


def test_torchvision_download_offline_is_a_clear_error(tmp_path, monkeypatch):
    import urllib.request

    def offline(*a, **k):
        raise urllib.error.URLError("no network")

    monkeypatch.setattr(urllib.request, "urlopen", offline)
    assert not is_available("mnist", tmp_path)
    with pytest.raises(DataError, match="Could not download"):
        download("mnist", tmp_path)


def test_not_downloaded_dataset_says_how_to_get_it(tiny_config, tmp_path):
    cfg = tiny_config()
    cfg.data.name, cfg.data.root = "fashion-mnist", str(tmp_path)
    with pytest.raises(DataError, match="not downloaded"):
        build_dataset(cfg)


def test_download_reports_progress_from_the_files_arriving(tmp_path, monkeypatch):
    import time

    from ganstudio.core import data

    def fake_fetch(name, root, download):
        for i in range(3):
            (root / f"part{i}").write_bytes(b"x" * 1_000_000)
            time.sleep(0.6)

    monkeypatch.setattr(data, "_tv_dataset", fake_fetch)
    seen = []
    download("mnist", tmp_path, progress=lambda done, total: seen.append((done, total)))
    assert seen[-1][0] == seen[-1][1] == data._DOWNLOAD_BYTES["mnist"]
    middle = [d for d, _ in seen[:-1]]
    assert middle == sorted(middle) and 0 < max(middle) <= 3_000_000
