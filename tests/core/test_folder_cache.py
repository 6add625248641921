"""An image folder is decoded once: the next build of the same folder reads the cache."""

from __future__ import annotations

import os

import numpy as np
import pytest
import torch
from PIL import Image

from ganstudio.core import data, folder_cache
from ganstudio.core.config import DataConfig, RunConfig
from ganstudio.core.data import DataError, build_dataset, load_image_folder


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("GANSTUDIO_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache" / "folders"


@pytest.fixture
def decodes(monkeypatch) -> list[str]:
    """Names of the files the decoder was asked for."""
    seen: list[str] = []
    real = data.load_image_file

    def counting(path, resolution, channels):
        seen.append(os.path.basename(path))
        return real(path, resolution, channels)

    monkeypatch.setattr(data, "load_image_file", counting)
    return seen


def _folder(root, n=6):
    root.mkdir()
    rng = np.random.default_rng(0)
    for i in range(n):
        Image.fromarray(rng.integers(0, 256, (40, 48, 3), dtype=np.uint8)).save(root / f"{i}.png")
    (root / "sub").mkdir()
    Image.fromarray(rng.integers(0, 256, (20, 20), dtype=np.uint8)).save(root / "sub" / "g.jpg")
    (root / "broken.png").write_bytes(b"not an image")
    return root


def _config(folder) -> RunConfig:
    cfg = RunConfig(data=DataConfig(name="folder", path=str(folder)))
    cfg.model.resolution, cfg.model.channels = 32, 3
    return cfg.validate()


def test_the_second_build_reads_the_cache_instead_of_decoding(tmp_path, cache_dir, decodes):
    folder = _folder(tmp_path / "imgs")
    first = build_dataset(_config(folder))
    assert len(decodes) == 8 and len(first) == 7
    assert [p.name for p in first.skipped] == ["broken.png"]
    assert len(list(cache_dir.glob("*.safetensors"))) == 1
    decodes.clear()
    progress: list[tuple[int, int]] = []
    second = build_dataset(_config(folder), progress=lambda done, total: progress.append((done, total)))
    assert decodes == [] and progress[-1] == (8, 8)
    assert torch.equal(first.images, second.images) and second.skipped == first.skipped
    decodes.clear()
    other_size = load_image_folder(folder, 28, 1)[0]  # another resolution is another entry
    assert len(decodes) == 8 and other_size.shape == (7, 1, 28, 28)


def test_the_parallel_decode_matches_decoding_file_by_file(tmp_path, cache_dir):
    folder = _folder(tmp_path / "imgs")
    images, skipped = load_image_folder(folder, 32, 3, cache=False)
    one_by_one = [data.load_image_file(f, 32, 3) for f in data._image_files(folder) if f not in skipped]
    assert torch.equal(images, torch.from_numpy(np.stack(one_by_one)).permute(0, 3, 1, 2))
    assert not cache_dir.exists()  # cache=False writes nothing


def test_a_changed_file_invalidates_the_cache(tmp_path, cache_dir, decodes):
    folder = _folder(tmp_path / "imgs")
    before, _ = load_image_folder(folder, 32, 3)
    Image.fromarray(np.full((40, 48, 3), 255, np.uint8)).save(folder / "0.png")
    st = (folder / "0.png").stat()
    os.utime(folder / "0.png", ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))  # coarse clocks
    decodes.clear()
    after, _ = load_image_folder(folder, 32, 3)
    assert len(decodes) == 8
    assert after[0].min() == 255 and not torch.equal(before[0], after[0])
    (folder / "1.png").unlink()
    decodes.clear()
    assert load_image_folder(folder, 32, 3)[0].shape[0] == 6 and len(decodes) == 7


@pytest.mark.parametrize("damage", [b"", b"\x00" * 64, "truncate"])
def test_a_corrupt_cache_entry_is_ignored_and_rebuilt(tmp_path, cache_dir, decodes, damage):
    folder = _folder(tmp_path / "imgs")
    good, _ = load_image_folder(folder, 32, 3)
    (entry,) = cache_dir.glob("*.safetensors")
    raw = entry.read_bytes()
    entry.write_bytes(raw[: len(raw) // 2] if damage == "truncate" else damage)
    decodes.clear()
    again, skipped = load_image_folder(folder, 32, 3)
    assert len(decodes) == 8 and torch.equal(good, again) and [p.name for p in skipped] == ["broken.png"]
    decodes.clear()
    load_image_folder(folder, 32, 3)
    assert decodes == []  # the rebuilt entry is readable again


def test_an_empty_folder_is_still_a_clear_error(tmp_path, cache_dir):
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="holds no images"):
        load_image_folder(tmp_path / "empty", 32, 3)
    assert not cache_dir.exists()


def test_the_cache_keeps_the_most_recently_used_folders(tmp_path, cache_dir, monkeypatch, decodes):
    monkeypatch.setattr(folder_cache, "MAX_ENTRIES", 2)
    folders = [_folder(tmp_path / f"f{i}", n=1) for i in range(3)]
    for f in folders:
        load_image_folder(f, 32, 3)
    assert len(list(cache_dir.glob("*.safetensors"))) == 2
    decodes.clear()
    load_image_folder(folders[2], 32, 3)
    assert decodes == []  # the newest is kept


def test_an_exif_rotated_photo_is_turned_upright(tmp_path):
    from PIL import ImageOps

    pixels = np.zeros((40, 40, 3), np.uint8)
    pixels[:, :20] = 255  # left half white
    exif = Image.Exif()
    exif[0x0112] = 6  # shown rotated 90 degrees clockwise
    Image.fromarray(pixels).save(tmp_path / "photo.jpg", exif=exif, quality=95)
    with Image.open(tmp_path / "photo.jpg") as im:
        upright = np.asarray(ImageOps.exif_transpose(im).convert("RGB"))
    got = data.load_image_file(tmp_path / "photo.jpg", 40, 3)
    assert np.array_equal(got, upright)
    assert got[:20].mean() > 200 and got[20:].mean() < 50  # the white half is now on top
