"""The training form is one table of config field -> widget: every bound field is a real
config field, and every one of them goes from a config to its widget and back."""

from __future__ import annotations

import dataclasses

from PySide6.QtWidgets import QSpinBox


def _fields() -> set[str]:
    from ganstudio.core.config import RunConfig

    cfg = RunConfig()
    return {f"{part}.{f.name}" for part in ("model", "data", "train") for f in dataclasses.fields(getattr(cfg, part))}


def test_every_binding_is_a_config_field(form) -> None:  # noqa: ANN001
    assert set(form.bindings) <= _fields()
    assert {"train.optimizer", "train.g_steps", "model.latent_dist", "model.mlp_layers"} <= set(form.bindings)


def test_each_bound_field_goes_to_its_widget_and_back(form) -> None:  # noqa: ANN001
    """Each field set to a value other than the preset's shows in the form and comes back."""
    from ganstudio.core.config import preset

    changes = {
        "dcgan": {"model.latent_dim": 24, "model.latent_dist": "uniform", "model.g_width": 16, "model.d_width": 12,
                  "train.optimizer": "sgd", "train.g_steps": 3, "train.n_critic": 2, "train.lr_g": 0.0003,
                  "train.lr_d": 0.0001, "train.beta1": 0.3, "train.beta2": 0.95, "train.steps": 1234,
                  "train.batch_size": 40, "train.lr_decay": 0.25, "train.ema": False, "train.seed": 9,
                  "train.loss": "hinge", "model.spectral_norm": True, "train.r1_gamma": 2.0,
                  "train.label_smoothing": 0.1, "train.diffaug": "translation,color", "model.pack": 2},
        "mlp": {"model.mlp_hidden": 96, "model.mlp_layers": 3, "model.latent_dim": 3},
    }
    for arch, values in changes.items():
        cfg = preset("mnist-dcgan" if arch == "dcgan" else "mnist-mlp")
        for name, value in values.items():
            part, field = name.split(".")
            setattr(getattr(cfg, part), field, value)
        form.set_config(cfg.validate())
        assert form.is_valid, form.error
        back = form.raw_config()
        for name, value in values.items():
            part, field = name.split(".")
            assert getattr(getattr(back, part), field) == value, name


def test_the_network_size_rows_follow_the_family(form) -> None:  # noqa: ANN001
    from ganstudio.core.config import preset

    def shown(name: str) -> bool:
        return form.findChild(QSpinBox, name).isVisibleTo(form)

    form.set_config(preset("mnist-dcgan"))
    assert shown("gWidthSpin") and shown("dWidthSpin") and not shown("mlpWidthSpin")
    form.set_config(preset("toy-ring"))
    assert shown("mlpWidthSpin") and shown("mlpLayersSpin") and not shown("gWidthSpin")
    form.findChild(QSpinBox, "mlpLayersSpin").setValue(2)
    assert form.raw_config().model.mlp_layers == 2
