"""Models opened from an http(s) address: downloaded once into the user cache, then opened by
the same loaders as files. The server is the test's own, on 127.0.0.1."""

from __future__ import annotations

import pytest
from model_server import model_site

from ganstudio.cli import main
from ganstudio.core.errors import UserError
from ganstudio.core.io import url as urls
from ganstudio.core.io.loader import load_generator, load_url
from ganstudio.core.names import shipped_generator_file


@pytest.fixture
def site(tmp_path, monkeypatch):
    """A served folder holding the shipped model and a page that is not a model."""
    with model_site(tmp_path, monkeypatch) as server:
        yield server


def test_a_model_url_downloads_once_and_opens_like_its_file(site, tmp_path):
    url = site.url("digits.safetensors")
    seen = []
    loaded = load_url(url, progress=lambda done, total: seen.append((done, total)))
    local = load_generator(shipped_generator_file())
    assert loaded.name == "digits.safetensors"
    assert loaded.config.to_dict() == local.config.to_dict()
    size = shipped_generator_file().stat().st_size
    assert seen[-1] == (size, size)
    cached = urls.cached_file(url)
    assert cached is not None and cached.read_bytes() == shipped_generator_file().read_bytes()
    assert not [p for p in cached.parent.iterdir() if p.name.endswith(".part")]
    assert site.requests == ["/digits.safetensors"]
    again = load_generator(url)  # the cache answers: no second request
    assert again.config.to_dict() == local.config.to_dict()
    assert site.requests == ["/digits.safetensors"]


def test_the_command_line_samples_a_model_url_with_a_progress_bar(site, tmp_path, capsys):
    url = site.url("digits.safetensors")
    assert main(["sample", url, "--seeds", "0-3", "--outdir", str(tmp_path / "out")]) == 0
    err = capsys.readouterr().err
    assert "Downloading [" in err and "MB" in err
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "seed0000.png", "seed0001.png", "seed0002.png", "seed0003.png"]
    assert main(["sample", url, "--seeds", "1", "-o", str(tmp_path / "again.png")]) == 0
    assert len(site.requests) == 1


@pytest.mark.parametrize("name, words", [
    ("missing.safetensors", "404"),
    ("page.safetensors", "is not a model"),
])
def test_a_url_that_is_no_model_is_one_line(site, tmp_path, capsys, name, words):
    url = site.url(name)
    with pytest.raises(UserError, match=words):
        load_generator(url)
    assert urls.cached_file(url) is None  # nothing kept for next time
    assert main(["sample", url, "-o", str(tmp_path / "s.png")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len([line for line in err if "error" in line]) == 1
    assert words in err[-1] and url in err[-1]
    assert not (tmp_path / "s.png").exists()


def test_offline_bad_addresses_and_cancel_are_one_sentence(site, tmp_path):
    closed = site.url("digits.safetensors").replace(str(site.httpd.server_address[1]), "9")
    with pytest.raises(urls.DownloadError, match="Cannot download"):
        urls.download(closed)  # nothing listens on port 9 here: as offline
    with pytest.raises(urls.DownloadError, match="not a web address"):
        urls.download("http://")
    with pytest.raises(urls.DownloadCancelled):
        urls.download(site.url("digits.safetensors"), should_stop=lambda: True)
    assert urls.cached_file(site.url("digits.safetensors")) is None
    with pytest.raises(urls.DownloadError, match="more than"):
        urls.download(site.url("digits.safetensors"), max_bytes=1000)
    assert urls.cached_file(site.url("digits.safetensors")) is None
