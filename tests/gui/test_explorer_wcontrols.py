"""The W panel's controls at the level of NVIDIA's visualizer, on NVlabs' tiny 32 px StyleGAN2:
truncation cutoff, noise none/const/random, style mixing over any set of layers, layer
presets from the model's own resolutions, and readouts that say what they show."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path

import numpy as np
import pytest
import torch
from PySide6.QtWidgets import QComboBox, QSlider, QSpinBox, QToolButton

from ganstudio.core.generate import generate_uint8, to_uint8
from ganstudio.core.io.loader import load_generator
from ganstudio.core.latent import sample_z, wspace
from ganstudio.core.latent.wspace import WState
from ganstudio.gui.explorer.wspace_panel import layer_presets
from tests.gui.explorer_helpers import make_tab, settle

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "stylegan2-ada" / "G_tiny32.pkl"


@pytest.fixture(scope="module")
def loaded():
    return load_generator(FIXTURE)


@pytest.fixture
def tab(qtbot, tmp_path, errors, loaded):
    widget = make_tab(qtbot, tmp_path / "cache", loaded)
    settle(qtbot, widget)
    yield widget
    widget.shutdown()


def child(tab, kind, name):
    found = tab.findChild(kind, name)
    assert found is not None, name
    return found


def test_a_truncation_cutoff_leaves_the_later_layers_as_the_generator_does(qtbot, tab, loaded):
    G = loaded.generator
    child(tab, QSlider, "truncationSlider").setValue(50)
    everywhere = settle(qtbot, tab)
    child(tab, QSpinBox, "truncCutoffSpin").setValue(3)
    frame = settle(qtbot, tab)
    assert tab.state.trunc_cutoff == 3
    assert np.array_equal(frame, wspace.render(G, WState(seed=0, psi=0.5, trunc_cutoff=3)))
    assert not np.array_equal(frame, everywhere)
    # NVlabs' own truncation_cutoff, through the mapping network, draws the same picture
    theirs = generate_uint8(G, sample_z(0, 1, G.z_dim), truncation_psi=0.5, truncation_cutoff=3)[0]
    assert np.abs(theirs.astype(int) - frame.astype(int)).max() <= 1
    assert "ψ 0.50 on layers 0–2" in tab.caption.text()
    assert "the rest keep their w" in child(tab, object, "truncCutoffLabel").text()
    child(tab, QSpinBox, "truncCutoffSpin").setValue(G.num_ws)  # every layer again
    assert tab.state.trunc_cutoff is None
    assert np.array_equal(settle(qtbot, tab), everywhere)


def test_noise_can_be_left_out(qtbot, tab, loaded):
    G = loaded.generator
    const = tab.image.array().copy()
    combo = child(tab, QComboBox, "noiseCombo")
    combo.setCurrentIndex(combo.findData("none"))
    frame = settle(qtbot, tab)
    with torch.inference_mode():
        expected = to_uint8(G.synthesis(wspace.ws_of(G, WState(seed=0)), noise_mode="none"))[0]
    assert np.array_equal(frame, expected) and not np.array_equal(frame, const)
    assert "no noise" in tab.caption.text()


def test_style_mixing_takes_any_set_of_layers(qtbot, tab, loaded):
    G = loaded.generator
    child(tab, QSpinBox, "mixSeedSpin").setValue(7)
    child(tab, QSpinBox, "mixFromSpin").setValue(2)
    child(tab, QSpinBox, "mixToSpin").setValue(2)
    assert [child(tab, QToolButton, f"mixLayer_{i}").isChecked() for i in range(G.num_ws)] == [
        i == 2 for i in range(G.num_ws)]
    child(tab, QToolButton, "mixLayer_5").click()
    frame = settle(qtbot, tab)
    assert tab.state.mixed_layers(G.num_ws) == [2, 5]
    expected_state = WState(seed=0, mix_seed=7, mix_layers=(2, 5))
    assert np.array_equal(frame, wspace.render(G, expected_state))
    ws, base, other = (wspace.ws_of(G, s)[0].numpy()
                       for s in (expected_state, WState(seed=0), WState(seed=7)))
    assert np.array_equal(ws[[2, 5]], other[[2, 5]])
    assert np.array_equal(ws[[0, 1, 3, 4, 6, 7]], base[[0, 1, 3, 4, 6, 7]])
    assert "layers 2, 5 from seed 7" in tab.caption.text()
    assert child(tab, object, "wspacePanel").mix_range_label.text() == "2 layers, 8–32 px"
    tab.undo()  # the layer added last is one step
    assert tab.state.mixed_layers(G.num_ws) == [2]


def test_layer_presets_come_from_the_models_own_resolutions(qtbot, tab, loaded):
    G = loaded.generator  # 32 px: styles of the 4, 8, 16 and 32 px blocks
    combo = child(tab, QComboBox, "mixPresetCombo")
    labels = [combo.itemText(i) for i in range(1, combo.count())]
    assert labels == ["Coarse (4–8 px)", "Middle (16 px)", "Fine (32 px)", "All (4–32 px)"]
    combo.setCurrentIndex(3)
    combo.activated.emit(3)
    fine = [i for i in range(G.num_ws) if child(tab, QToolButton, f"mixLayer_{i}").isChecked()]
    assert fine == tab.state.mixed_layers(G.num_ws) and fine[-1] == G.num_ws - 1
    assert 0 < len(fine) < G.num_ws
    assert tab.state.mix_seed is not None  # a preset turns mixing on
    # the sizes each style modulates, read off the model
    assert wspace.style_resolutions(G) == [4, 8, 8, 16, 16, 32, 32, 32]
    # a 1024 px StyleGAN2 keeps the paper's groups
    sizes = [4] + [r for r in (8, 16, 32, 64, 128, 256, 512, 1024) for _ in (0, 1)] + [1024]
    assert [label for label, _layers in layer_presets(sizes)] == [
        "Coarse (4–8 px)", "Middle (16–32 px)", "Fine (64–1024 px)", "All (4–1024 px)"]


def test_readouts_say_whether_they_show_values_before_or_after_truncation(qtbot, tab):
    assert "after truncation" in tab.caption.text()  # ‖w‖ of the styles synthesis takes
    assert "before truncation" in child(tab, QToolButton, "wRawToggle").text()
