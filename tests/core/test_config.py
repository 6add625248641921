from __future__ import annotations

import pytest

from ganstudio.core.config import ConfigError, RunConfig, preset, presets


@pytest.mark.parametrize("name", list(presets()))
def test_presets_validate_and_round_trip_through_json(name):
    cfg = preset(name).validate()
    assert RunConfig.from_json(cfg.to_json()) == cfg


def test_classic_mlp_preset_is_goodfellows_network():
    cfg = preset("mnist-mlp")
    assert (cfg.model.arch, cfg.model.latent_dim, cfg.model.mlp_hidden) == ("mlp", 100, 256)
    assert cfg.train.loss == "bce"


def test_toy_presets_match_the_published_setups():
    assert preset("toy-ring").data.name == "toy-ring"
    assert preset("toy-grid").data.name == "toy-grid"
    assert preset("toy-ring").sample_shape == (2,)


@pytest.mark.parametrize(
    "section, field, value, words",
    [
        ("train", "lr_g", -1.0, "above 0"),
        ("train", "lr_d", float("nan"), "above 0"),
        ("train", "batch_size", 0, "1 to 8192"),
        ("train", "loss", "magic", "bce"),
        ("train", "beta1", 1.0, "up to"),
        ("model", "resolution", 30, "28, 32, 64"),
        ("model", "channels", 2, "colour"),
        ("data", "name", "imagenet", "mnist-embedded"),
        ("train", "device", "tpu", "cpu"),
        ("model", "toy_features", -1, "0 (off)"),
        ("model", "toy_feature_scale", 0.0, "above 0"),
    ],
)
def test_invalid_values_name_the_field_value_and_what_is_allowed(section, field, value, words):
    cfg = preset("mnist-dcgan")
    setattr(getattr(cfg, section), field, value)
    with pytest.raises(ConfigError) as err:
        cfg.validate()
    assert err.value.field == f"{section}.{field}"
    assert words in str(err.value)
    assert repr(value) in str(err.value) or str(value) in str(err.value)


def test_folder_needs_a_path_and_toys_need_the_mlp():
    cfg = preset("mnist-dcgan")
    cfg.data.name = "folder"
    with pytest.raises(ConfigError, match="data.path"):
        cfg.validate()
    cfg = preset("toy-ring")
    cfg.model.arch = "dcgan"
    with pytest.raises(ConfigError, match="model.arch"):
        cfg.validate()


def test_unknown_json_field_and_bad_json_are_config_errors():
    with pytest.raises(ConfigError, match="train.learning_rate"):
        RunConfig.from_dict({"train": {"learning_rate": 1}})
    with pytest.raises(ConfigError, match="valid JSON"):
        RunConfig.from_json("{not json")


def test_unknown_preset():
    with pytest.raises(ConfigError, match="mnist-dcgan"):
        preset("nope")
