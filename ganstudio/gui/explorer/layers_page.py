"""The Layers page's controller: the layer view (layer_view.py) follows the frame on screen.

The view copies the generator and computes feature maps in the background, so it is
handed the generator and the latent only while its page is shown: a model opened or a
slider dragged on another page costs it nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject

if TYPE_CHECKING:
    from ganstudio.gui.explorer.tab import ExplorerTab


class LayersController(QObject):
    def __init__(self, tab: ExplorerTab) -> None:
        super().__init__(tab)
        self.tab = tab
        self.view = tab.layer_view
        self._generator: Any = None  # the one the view was given last
        self.view.installEventFilter(self)
        tab.state_changed.connect(self.update)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if watched is self.view and event.type() == QEvent.Type.Show:
            self.update()
        return False

    def update(self) -> None:
        """Show the maps of the state on screen, if the page is."""
        tab = self.tab
        if not self.view.isVisible() or tab.loaded is None or tab.state is None:
            return
        G = tab.loaded.generator
        if G is not self._generator:
            self._generator = G
            self.view.set_generator(G)
        vector = tab.mode.vector(tab.state, tab.directions)
        if tab.w_mode:  # the styles synthesis takes, one w per layer
            ws = vector.reshape(1, int(G.num_ws), int(G.w_dim))
            noise = "none" if tab.state.noise_mode == "none" else "const"
            self.view.show_latent(ws, space="w", noise_mode=noise)
        else:
            self.view.show_latent(vector, label=getattr(tab.state, "label", None))
