"""The toy labs' data (2-D layers, the 1-D view), point files as data, and the histogram
divergences that score toys and flag collapse."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from ganstudio.core import metrics
from ganstudio.core.config import preset
from ganstudio.core.data import DataError, load_points
from ganstudio.core.io.runs import RunReader
from ganstudio.core.toys import sample_toy
from ganstudio.core.training.trainer import Trainer


def _toy(name="toy-ring", latent_dim=2, **train):
    cfg = preset(name if name != "points" else "toy-ring")
    cfg.data.name = name
    cfg.model.latent_dim, cfg.model.mlp_hidden, cfg.model.mlp_layers, cfg.model.pack = latent_dim, 32, 2, 1
    cfg.model.toy_features = 0
    cfg.train.device, cfg.train.batch_size, cfg.train.steps = "cpu", 64, 100
    for k, v in train.items():
        setattr(cfg.train, k, v)
    return cfg


@pytest.mark.parametrize("latent_dim, lines", [(1, 1), (2, 22), (3, 22)])
def test_the_2d_view_has_its_layers(latent_dim, lines):
    trainer = Trainer(_toy(latent_dim=latent_dim).validate())
    trainer.step()
    view = trainer.toy_view(resolution=12, n=50)
    assert view["real"].shape == (50, 2) and view["fake"].shape == (50, 2)
    assert view["heat"].shape == (12, 12) and view["extent"] == (-1.6, 1.6, -1.6, 1.6)
    assert view["d_range"] == (view["heat"].min(), view["heat"].max())
    assert view["manifold"].shape == (lines, 41, 2) and view["gradients"].shape == (50, 2)
    # The manifold is G's image of latent points: its middle point of the middle line is G(0).
    with torch.no_grad():
        g0 = trainer.sampler.eval()(torch.zeros(1, latent_dim)).numpy()[0]
    mid = view["manifold"][5 if lines > 1 else 0, 20]  # 11 lines each way: the 6th is z2 = 0
    assert np.allclose(mid, g0, atol=1e-5)


def test_moving_the_fakes_along_their_gradients_lowers_g_loss():
    trainer = Trainer(_toy(loss="hinge").validate())
    for _ in range(3):
        trainer.step()
    view = trainer.toy_view(resolution=4, n=64)
    D = trainer.D.eval()

    def g_loss(points):
        with torch.no_grad():
            return trainer.loss.g_loss(D(torch.as_tensor(points, dtype=torch.float32))).item()

    step = 1e-3 / max(np.abs(view["gradients"]).max(), 1e-12)
    assert g_loss(view["fake"] + step * view["gradients"]) < g_loss(view["fake"])
    assert g_loss(view["fake"] - step * view["gradients"]) > g_loss(view["fake"])


def test_the_1d_view_has_densities_d_and_the_optimal_d():
    trainer = Trainer(_toy("toy-1d", latent_dim=1, steps=300).validate())
    before = trainer.toy_view_1d()
    trainer.run()
    view = trainer.toy_view_1d(resolution=200)
    x = view["x"]
    assert x.shape == (200,) and (x[0], x[-1]) == (-4.0, 4.0)
    assert np.trapezoid(view["p_data"], x) == pytest.approx(1.0, abs=0.01)
    assert np.trapezoid(view["p_g"], x) == pytest.approx(1.0, abs=0.05)
    for key in ("d", "d_opt"):
        assert view[key].shape == (200,) and 0 <= view[key].min() <= view[key].max() <= 1
    assert np.allclose(view["d_opt"], view["p_data"] / (view["p_data"] + view["p_g"]))
    z, gz = view["z_lines"][:, 0], view["z_lines"][:, 1]
    assert view["z_lines"].shape == (40, 2) and np.all(np.diff(z) > 0)
    with torch.no_grad():
        assert np.allclose(gz, trainer.sampler(torch.as_tensor(z[:, None])).numpy()[:, 0], atol=1e-5)
    assert 0 <= view["js"] < before["js"] <= 1  # training brought G's density towards the data's
    with pytest.raises(ValueError, match="toy_view_1d"):
        trainer.toy_view()


def test_the_toy_1d_preset_trains_an_mlp_on_points_on_a_line():
    cfg = preset("toy-1d").validate()
    assert cfg.sample_shape == (1,) and cfg.model.arch == "mlp"
    assert sample_toy("toy-1d", 10, np.random.default_rng(0)).shape == (10, 1)


# --- point files --------------------------------------------------------------------------

def test_point_files_train_and_the_view_frames_their_points(tmp_path):
    pts = np.random.default_rng(0).normal(size=(300, 2)) * [3.0, 1.0] + 10
    (tmp_path / "p.csv").write_text("x,y\n" + "\n".join(f"{a},{b}" for a, b in pts))
    cfg = _toy("points")
    cfg.data.path = str(tmp_path / "p.csv")
    trainer = Trainer(cfg.validate(), tmp_path / "run")
    trainer.run()
    trainer.close()
    x0, x1, y0, y1 = trainer.toy_view(resolution=4, n=10)["extent"]
    assert x0 < pts[:, 0].min() and x1 > pts[:, 0].max() and y0 < pts[:, 1].min() and y1 > pts[:, 1].max()
    real = trainer.dataset.sample(1000, np.random.default_rng(1)).numpy()
    assert {tuple(p) for p in real} <= {tuple(p) for p in pts.astype(np.float32)}  # its own points


def test_a_1d_point_file_builds_1d_networks_that_load_without_the_file(tmp_path):
    from ganstudio.core.io.loader import load_generator

    np.save(tmp_path / "line.npy", np.linspace(-1, 1, 50, dtype=np.float32)[:, None])
    cfg = _toy("points", latent_dim=1, steps=2)
    cfg.data.path = str(tmp_path / "line.npy")
    trainer = Trainer(cfg.validate(), tmp_path / "run")
    trainer.run()
    trainer.close()
    assert trainer.config.sample_shape == (1,) and trainer.toy_view_1d()["x"].shape == (200,)
    (tmp_path / "line.npy").unlink()
    loaded = load_generator(tmp_path / "run")
    assert loaded.generator(torch.zeros(3, 1)).shape == (3, 1)


@pytest.mark.parametrize("name, content, says", [
    ("three.csv", "1,2,3\n4,5,6\n", "3 columns"),
    ("nan.csv", "1,2\nnan,3\n", "not a finite number"),
    ("one.csv", "x,y\n1,2\n", "at least 2"),
    ("words.csv", "x,y\n1,2\nthree,4\n", "line 3"),
    ("cube.npy", None, "shaped (N, 2)"),
    ("junk.npy", b"not an array", "could not be read"),
    ("p.txt", "1,2\n", ".csv"),
    ("missing.csv", False, "does not exist"),
])
def test_bad_point_files_are_refused_in_one_line(tmp_path, name, content, says):
    path = tmp_path / name
    if content is None:
        np.save(path, np.zeros((4, 2, 2)))
    elif isinstance(content, bytes):
        path.write_bytes(content)
    elif content:
        path.write_text(content)
    with pytest.raises(DataError, match=says.replace("(", r"\(").replace(")", r"\)")) as err:
        load_points(path)
    assert "\n" not in str(err.value)


def test_too_many_points_are_refused(tmp_path, monkeypatch):
    from ganstudio.core import data

    monkeypatch.setattr(data, "MAX_POINTS", 10)
    np.save(tmp_path / "many.npy", np.zeros((11, 2), dtype=np.float32))
    (tmp_path / "many.csv").write_text("1,2\n" * 11)
    for suffix in ("npy", "csv"):
        with pytest.raises(DataError, match="at most 10"):
            load_points(tmp_path / f"many.{suffix}")


# --- divergences and the collapse warning -------------------------------------------------

@pytest.mark.parametrize("dims", [1, 2])
def test_divergence_is_zero_for_the_same_points_and_one_bit_for_disjoint_ones(dims):
    rng = np.random.default_rng(0)
    a = rng.normal(size=(2000, dims))
    same = metrics.toy_divergence(a, a)
    assert same["kl"] == pytest.approx(0, abs=1e-9) and same["js"] == pytest.approx(0, abs=1e-9)
    apart = metrics.toy_divergence(a, a + 100)
    assert apart["js"] == pytest.approx(1.0, abs=1e-3) and apart["kl"] > 10


def test_fakes_on_a_line_over_two_grid_modes_are_flagged_as_collapse():
    # The reported case: at step 500 of toy-grid the fakes lay on one line across 2 of the 25
    # modes, as spread out as the data by the pairwise distance, and no warning came.
    rng = np.random.default_rng(0)
    real = sample_toy("toy-grid", 500, rng)
    t = rng.uniform(0, 1, (500, 1))
    line = np.array([-4.0, -4.0]) + t * np.array([8.0, 2.0]) + rng.normal(0, 0.05, (500, 2))
    check = metrics.collapse_check(line, real)
    assert check.ratio > metrics.COLLAPSE_SHARE  # diversity alone saw nothing wrong
    assert check.collapsed and "mode collapse" in check.message
    assert "\n" not in check.message and len(check.message) < 260
    good = metrics.collapse_check(sample_toy("toy-grid", 500, rng), real)
    assert not good.collapsed and good.divergence["js"] < 0.2


def test_eval_of_a_toy_run_reports_the_divergences(tmp_path):
    from ganstudio.core.io.loader import load_generator

    trainer = Trainer(_toy(steps=2).validate(), tmp_path / "run")
    trainer.run()
    trainer.close()
    result = metrics.evaluate(load_generator(tmp_path / "run"), n=300)
    assert {"kl", "js", "modes_covered"} <= set(result) and 0 <= result["js"] <= 1
    assert "JS" in metrics.format_report(result)


def test_the_cli_trains_on_a_point_file_and_refuses_a_bad_one_in_one_line(tmp_path, capsys):
    from ganstudio.cli import main

    pts = np.random.default_rng(0).normal(size=(50, 2))
    (tmp_path / "my.csv").write_text("\n".join(f"{a},{b}" for a, b in pts))
    args = ["train", "--preset", "toy-ring", "--data", "points", "--steps", "2", "--batch-size", "16",
            "--device", "cpu", "--quiet"]
    assert main([*args, "--data-path", str(tmp_path / "my.csv"), "--out", str(tmp_path / "run")]) == 0
    reader_config = RunReader(tmp_path / "run").config
    assert reader_config.data.name == "points" and reader_config.sample_shape == (2,)
    (tmp_path / "bad.csv").write_text("1,2,3\n4,5,6\n")
    capsys.readouterr()
    assert main([*args, "--data-path", str(tmp_path / "bad.csv"), "--out", str(tmp_path / "bad")]) == 2
    err = capsys.readouterr().err.strip()
    assert "bad.csv" in err and len(err.splitlines()) == 1
