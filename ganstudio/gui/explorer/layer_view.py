"""The layer view: what any generator computes inside, for the frame on screen.

Pick a block (a DCGAN's layers, a StyleGAN2 block, a StyleGAN3 layer) and see its feature maps
as a grid, normalised over the layer or per map, or one map large, with the layer's value
range. The panel owns its state (the chosen block, mode, channel) and reads the explorer's
current latent through `show(latent, **generate_kwargs)`; the maps are computed in a
background job on a private copy of the generator (hooks on the copy never touch the
renderer's), newest request first.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ganstudio.gui.common.image_view import ImageView
from ganstudio.gui.common.jobs import JobRunner


class LayerView(QWidget):
    """A self-contained panel: `set_generator(G)`, then `show(latent, **generate_kwargs)`."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("layerView")
        self._jobs = JobRunner(self, on_error=self._on_failed)
        self._generator: Any = None  # the private copy the hooks go on
        self._layers: list[Any] = []
        self._request: tuple[Any, dict[str, Any]] | None = None
        self._maps: Any = None  # the last FeatureMaps shown

        self.layer_combo = QComboBox(objectName="layerViewCombo")
        self.layer_combo.setToolTip("The block whose feature maps are shown")
        self.single_check = QCheckBox("One map", objectName="layerViewSingleCheck")
        self.single_check.setToolTip("Show one feature map large instead of all of them")
        self.channel_spin = QSpinBox(objectName="layerViewChannelSpin")
        self.channel_spin.setToolTip("Which feature map to show large")
        self.per_map_check = QCheckBox("Normalise each map", objectName="layerViewPerMapCheck")
        self.per_map_check.setToolTip("Stretch each map over its own range instead of the layer's, "
                                      "so that faint maps are visible (their brightness then no "
                                      "longer compares)")
        self.image = ImageView(placeholder="Open a model to see its layers")
        self.image.setObjectName("layerViewImage")
        self.range_label = QLabel(objectName="layerViewRange")
        self.range_label.setWordWrap(True)

        row = QHBoxLayout()
        row.addWidget(QLabel("Block"))
        row.addWidget(self.layer_combo, 1)
        options = QHBoxLayout()
        options.addWidget(self.single_check)
        options.addWidget(self.channel_spin)
        options.addWidget(self.per_map_check)
        options.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addLayout(options)
        layout.addWidget(self.image, 1)
        layout.addWidget(self.range_label)

        self.layer_combo.currentIndexChanged.connect(self._on_layer_chosen)
        self.single_check.toggled.connect(self._on_display_changed)
        self.channel_spin.valueChanged.connect(self._on_display_changed)
        self.per_map_check.toggled.connect(self._on_display_changed)
        self._sync_controls()

    # --- the explorer's side --------------------------------------------------------------
    def set_generator(self, generator: Any) -> None:
        """A newly opened model: list its blocks (in the background)."""
        from ganstudio.core.latent.layers import feature_layers

        self._generator, self._layers, self._maps = None, [], None
        self.layer_combo.blockSignals(True)
        self.layer_combo.clear()
        self.layer_combo.blockSignals(False)
        self.image.set_array(None)
        self.image.set_placeholder("Reading the model's blocks…")
        self.range_label.setText("")

        def work(_state: Any) -> tuple[Any, list[Any]]:
            private = copy.deepcopy(generator)
            return private, feature_layers(private)

        self._jobs.start("layers", work, done=self._on_layers_read, newest_wins=True)

    def show_latent(self, latent: Any, **generate_kwargs: Any) -> None:
        """The frame on screen changed: show the maps of its latent (z, or w with space="w")."""
        if hasattr(latent, "detach"):  # a tensor: a copy the next edit cannot change
            latent = latent.detach().cpu().numpy()
        self._request = (np.array(latent, dtype=np.float32), dict(generate_kwargs))
        self._compute()

    def layer_names(self) -> list[str]:
        return [layer.name for layer in self._layers]

    # --- internals -----------------------------------------------------------------------
    def _on_layers_read(self, result: tuple[Any, list[Any]]) -> None:
        self._generator, self._layers = result
        self.layer_combo.blockSignals(True)
        for layer in self._layers:
            self.layer_combo.addItem(layer.title, layer.name)
        self.layer_combo.blockSignals(False)
        if not self._layers:
            self.image.set_placeholder("This model has no blocks to show (it runs outside PyTorch)")
        else:
            self.image.set_placeholder("Move a slider to see this block")
            self.layer_combo.setCurrentIndex(0)
            self._on_layer_chosen()

    def _on_layer_chosen(self) -> None:
        self._maps = None
        self._sync_controls()
        self._compute()

    def _compute(self) -> None:
        name = self.layer_combo.currentData()
        if self._generator is None or name is None or self._request is None:
            return
        from ganstudio.core.latent.layers import feature_maps

        G, (latent, kwargs) = self._generator, self._request

        def work(_state: Any) -> Any:
            return feature_maps(G, name, latent, **kwargs)

        self._jobs.start("maps", work, done=self._on_maps, newest_wins=True)

    def _on_maps(self, maps: Any) -> None:
        if maps.layer != self.layer_combo.currentData():
            return  # a block chosen since
        self._maps = maps
        self._sync_controls()
        self._paint()

    def _on_display_changed(self, *_args: Any) -> None:
        self._sync_controls()
        self._paint()

    def _sync_controls(self) -> None:
        n = int(self._maps.maps.shape[0]) if self._maps is not None else 1
        self.channel_spin.setRange(0, max(0, n - 1))
        self.channel_spin.setEnabled(self.single_check.isChecked())
        self.per_map_check.setEnabled(not self.single_check.isChecked())

    def _paint(self) -> None:
        from ganstudio.core.latent.layers import channel_image, maps_grid

        fm = self._maps
        if fm is None:
            return
        n = fm.maps.shape[0]
        if self.single_check.isChecked():
            i = min(self.channel_spin.value(), n - 1)
            m = fm.maps[i]
            self.image.set_array(channel_image(fm, i))
            self.range_label.setText(f"Map {i} of {n}: values {float(m.min()):.3g} to "
                                     f"{float(m.max()):.3g} (black to white)")
        else:
            self.image.set_array(maps_grid(fm, per_channel=self.per_map_check.isChecked()))
            shown = min(n, 256)
            scale = "each map over its own range" if self.per_map_check.isChecked() else \
                "black to white over the layer's range"
            self.range_label.setText(f"{shown} of {n} maps, values {fm.low:.3g} to {fm.high:.3g} ({scale})")

    def _on_failed(self, exc: BaseException, _details: str) -> None:
        from ganstudio.gui.common.errors import describe

        self.image.set_array(None)
        self.image.set_placeholder(describe(exc)[0])
