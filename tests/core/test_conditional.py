"""Class-conditional models: trained from the embedded MNIST's labels, saved, opened, and asked
for a class."""

from __future__ import annotations

import pytest
import torch

from ganstudio.core.config import ConfigError, preset
from ganstudio.core.data import DataError, build_dataset, folder_classes
from ganstudio.core.generate import ClassError, class_vector, generate, num_classes
from ganstudio.core.io.loader import load_generator
from ganstudio.core.models.build import build_discriminator, build_generator
from ganstudio.core.training.trainer import GRID_ROW, Trainer


def _small_cdcgan(steps: int = 3):
    cfg = preset("mnist-cdcgan")
    cfg.model.g_width = cfg.model.d_width = 8
    cfg.train.steps, cfg.train.batch_size, cfg.train.r1_gamma = steps, 16, 0.0
    return cfg


def test_the_conditional_preset_trains_saves_and_opens_with_its_classes(tmp_path):
    trainer = Trainer(_small_cdcgan(), tmp_path / "run")
    for _ in range(3):
        row = trainer.step()
    assert all(torch.isfinite(torch.tensor([row["loss_D"], row["loss_G"]])))
    grid = trainer.sample_grid()
    # one row of GRID_ROW samples per class: 10 rows of 28 px (+ 2 px padding) in the grid
    assert grid.shape[0] == 10 * 30 + 2 and grid.shape[1] == GRID_ROW * 30 + 2
    trainer.save_checkpoint()
    trainer.close()
    loaded = load_generator(tmp_path / "run")
    assert num_classes(loaded.generator) == 10
    assert loaded.config.model.class_names == [str(i) for i in range(10)]
    z = torch.randn(1, 100).repeat(2, 1)
    three, eight = generate(loaded.generator, z, label=[3, 8])
    assert not torch.equal(three, eight)  # the label changes the image of the same z
    with pytest.raises(ClassError, match="class 10 does not exist"):
        generate(loaded.generator, z, label=10)


def test_a_soft_label_blends_two_classes_embeddings():
    cfg = _small_cdcgan()
    G = build_generator(cfg).eval()
    z = torch.randn(1, 100)
    half = class_vector(G, torch.tensor([[0, 0, 0, 0.5, 0, 0, 0, 0, 0.5, 0]]))
    assert torch.allclose(G.embed(half), 0.5 * (G.embed(class_vector(G, 3)) + G.embed(class_vector(G, 8))))
    assert generate(G, z, label=half).shape == (1, 1, 28, 28)


def test_the_discriminator_scores_image_and_label_together():
    cfg = _small_cdcgan()
    D = build_discriminator(cfg).eval()
    x = torch.randn(2, 1, 28, 28)
    c = class_vector(build_generator(cfg), [1, 2])
    assert not torch.allclose(D(x, c), D(x, c.flip(0)))


def test_labels_come_from_the_dataset_and_must_match_c_dim():
    cfg = _small_cdcgan()
    data = build_dataset(cfg)
    assert data.labels is not None and len(data.labels) == len(data) and data.labels.max() == 9
    cfg.model.c_dim, cfg.model.class_names = 3, []
    with pytest.raises(DataError, match="conditional on 3 classes"):
        build_dataset(cfg)


def test_conditional_settings_are_checked():
    cfg = _small_cdcgan()
    cfg.model.pack = 2
    with pytest.raises(ConfigError, match="model.pack"):
        cfg.validate()
    cfg = _small_cdcgan()
    cfg.model.class_names = ["a", "b"]
    with pytest.raises(ConfigError, match="model.class_names"):
        cfg.validate()
    toy = preset("toy-ring")
    toy.model.c_dim = 2
    with pytest.raises(ConfigError, match="toy data"):
        toy.validate()


def test_an_image_folder_of_class_folders_gives_labels(tmp_path):
    from PIL import Image

    for cls in ("cats", "dogs"):
        (tmp_path / cls).mkdir()
        for i in range(2):
            Image.new("L", (8, 8), 40 * i).save(tmp_path / cls / f"{i}.png")
    labels, names = folder_classes(tmp_path)
    assert names == ["cats", "dogs"] and labels.tolist() == [0, 0, 1, 1]
    Image.new("L", (8, 8)).save(tmp_path / "loose.png")
    with pytest.raises(DataError, match="outside a class folder"):
        folder_classes(tmp_path)


def test_eval_reports_conditional_accuracy_per_class(tmp_path):
    from ganstudio.core.metrics import evaluate, format_report

    trainer = Trainer(_small_cdcgan(), tmp_path / "run")
    trainer.step()
    trainer.save_checkpoint()
    trainer.close()
    result = evaluate(load_generator(tmp_path / "run"), n=100)
    assert 0.0 <= result["conditional_accuracy"] <= 1.0
    assert len(result["per_class_accuracy"]) == 10
    assert "conditional acc." in format_report(result)


def test_conditional_accuracy_reads_real_digits_as_their_labels():
    from ganstudio.core import classifier as clf
    from ganstudio.core.metrics import conditional_accuracy

    images, labels = clf.load_embedded_mnist()
    x = clf.to_model_input(images[:500])
    y = torch.as_tensor(labels[:500]).long()
    right = conditional_accuracy(x, y)
    assert right["conditional_accuracy"] > 0.95 and min(right["per_class_accuracy"]) > 0.8
    wrong = conditional_accuracy(x, (y + 1) % 10)  # every digit asked for as the next one
    assert wrong["conditional_accuracy"] < 0.1


def test_the_shipped_conditional_generator_draws_the_digit_asked_for(tmp_path, capsys):
    from ganstudio import cli
    from ganstudio.core.metrics import conditional_accuracy
    from ganstudio.core.metrics import generate as draw

    loaded = load_generator("default-conditional")
    assert num_classes(loaded.generator) == 10 and loaded.config.model.class_names[7] == "7"
    labels = torch.arange(300) % 10
    samples = draw(loaded.generator, 300, 100, seed=3, label=labels)
    assert conditional_accuracy(samples, labels)["conditional_accuracy"] > 0.9
    assert cli.main(["sample", "default-conditional", "--class", "7", "-n", "4", "-o", str(tmp_path / "s.png")]) == 0
    assert cli.main(["sample", "default-conditional", "--class", "10", "-n", "4", "-o", str(tmp_path / "t.png")]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
