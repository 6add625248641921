"""The explorer's widgets and their arrangement (composed into the tab); behaviour lives in
tab.py and the controllers.

Pages: an empty state (no generator yet, with Open), a loading state and the
explorer itself: the image on the left, the control pages on the right.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QFont, QKeySequence
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QMenu,
    QProgressBar,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ganstudio.gui.common.labels import ElidedLabel
from ganstudio.gui.explorer.class_panel import ClassPanel
from ganstudio.gui.explorer.controls import LatentControls
from ganstudio.gui.explorer.direction_panel import DirectionSliderPanel
from ganstudio.gui.explorer.grid import SampleGridPanel
from ganstudio.gui.explorer.image import CaptionBar, LatentImageView
from ganstudio.gui.explorer.keyframes import InterpolationPanel
from ganstudio.gui.explorer.layer_view import LayerView
from ganstudio.gui.explorer.projection import ProjectionPanel
from ganstudio.gui.explorer.wspace_panel import WSpacePanel

EMPTY_TEXT = (
    "Open a checkpoint, a generator export or a run folder to explore its latent space, "
    "or train a model in the Training tab and send it here.\n\n"
    "You can also drop a file onto this tab."
)


class ExplorerView(QWidget):
    """Every widget of the tab, as attributes; the tab exposes them under the same names."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.stack = QStackedWidget()
        self.empty_page = self._build_empty_page()
        self.loading_page = self._build_loading_page()
        self.explorer_page = self._build_explorer_page()
        for page in (self.empty_page, self.loading_page, self.explorer_page):
            self.stack.addWidget(page)
        self._page_before_loading: QWidget = self.empty_page
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)

    # ------------------------------------------------------------ pages
    def show_empty(self, text: str | None = None) -> None:
        self.empty_text.setText(EMPTY_TEXT if text is None else f"{text}\n\n{EMPTY_TEXT}")
        self.stack.setCurrentWidget(self.empty_page)

    def show_loading(self, text: str) -> None:
        if self.stack.currentWidget() is self.explorer_page:
            # Keep exploring the current generator while the next one loads.
            self._page_before_loading = self.explorer_page
            self.status_label.setText(text)
            self.load_progress.setVisible(True)
            return
        self._page_before_loading = self.stack.currentWidget()
        self.loading_label.setText(text)
        self.stack.setCurrentWidget(self.loading_page)

    def restore_page(self) -> None:
        self.load_progress.setVisible(False)
        self.status_label.setText("")
        self.stack.setCurrentWidget(self._page_before_loading)

    def show_page(self, panel: QWidget) -> None:
        """Bring the right-hand page holding ``panel`` to the front."""
        self.right_tabs.setCurrentWidget(panel.parentWidget())

    def show_explorer(self) -> None:
        self.load_progress.setVisible(False)
        self.status_label.setText("")
        self.stack.setCurrentWidget(self.explorer_page)

    # ------------------------------------------------------------ builders
    def _build_empty_page(self) -> QWidget:
        page = QWidget()
        page.setObjectName("explorerEmptyPage")
        title = QLabel("No generator loaded")
        font = QFont(title.font())
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        title.setFont(font)
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_text = QLabel(EMPTY_TEXT)
        self.empty_text.setObjectName("explorerEmptyText")
        self.empty_text.setWordWrap(True)
        self.empty_text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_text.setFixedWidth(520)  # a fixed width lets the wrapped text get its height
        self.empty_open_button = QPushButton("Open…")
        self.empty_open_button.setObjectName("explorerOpenButton")
        self.empty_open_button.setMinimumWidth(140)
        self.empty_open_button.setDefault(True)
        column = QVBoxLayout()
        column.addStretch(2)
        column.addWidget(title)
        column.addSpacing(8)
        # Centred by stretches, not an alignment flag: an aligned item gets its size
        # hint and a wrapped label then loses lines.
        text_row = QHBoxLayout()
        text_row.addStretch(1)
        text_row.addWidget(self.empty_text)
        text_row.addStretch(1)
        column.addLayout(text_row)
        column.addSpacing(16)
        column.addWidget(self.empty_open_button, 0, Qt.AlignmentFlag.AlignHCenter)
        column.addStretch(3)
        page.setLayout(column)
        return page

    def _build_loading_page(self) -> QWidget:
        page = QWidget()
        self.loading_label = QLabel("Loading…")
        self.loading_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        busy = QProgressBar()
        busy.setRange(0, 0)
        busy.setMaximumWidth(260)
        column = QVBoxLayout(page)
        column.addStretch(1)
        column.addWidget(self.loading_label)
        column.addWidget(busy, 0, Qt.AlignmentFlag.AlignHCenter)
        column.addStretch(1)
        return page

    def _build_toolbar(self) -> QHBoxLayout:
        self.open_button = QPushButton("Open…")
        self.open_button.setObjectName("explorerToolbarOpenButton")
        self.open_button.setToolTip("Open a checkpoint, generator export or run folder")
        self.source_label = ElidedLabel("")  # a long file name shortens, not the window widens
        self.source_label.setObjectName("explorerSource")
        self.source_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.load_progress = QProgressBar()
        self.load_progress.setRange(0, 0)
        self.load_progress.setMaximumWidth(90)
        self.load_progress.setVisible(False)
        self.status_label = QLabel("")
        self.status_label.setObjectName("explorerStatus")
        self.undo_button = QToolButton()
        self.redo_button = QToolButton()
        # a push button draws its menu arrow beside the text (a tool button's covers it)
        self.latent_button = QPushButton("Latent")
        menu = QMenu(self.latent_button)
        self.save_latent_action = QAction("Save latent and keyframes…", self)
        self.load_latent_action = QAction("Load latent…", self)
        self.copy_latent_action = QAction("Copy latent as text", self)
        self.copy_latent_action.setShortcut(QKeySequence("Ctrl+Shift+C"))
        self.paste_latent_action = QAction("Paste latent", self)
        self.paste_latent_action.setShortcut(QKeySequence("Ctrl+Shift+V"))
        for action in (self.copy_latent_action, self.paste_latent_action):
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.addAction(action)
        menu.addAction(self.save_latent_action)
        menu.addAction(self.load_latent_action)
        menu.addSeparator()
        menu.addAction(self.copy_latent_action)
        menu.addAction(self.paste_latent_action)
        self.latent_button.setMenu(menu)
        row = QHBoxLayout()
        row.addWidget(self.open_button)
        row.addWidget(self.source_label, 1)
        row.addWidget(self.status_label)
        row.addWidget(self.load_progress)
        row.addWidget(self.undo_button)
        row.addWidget(self.redo_button)
        row.addWidget(self.latent_button)
        return row

    def _build_image_side(self) -> QWidget:
        side = QWidget()
        self.image = LatentImageView(placeholder="Rendering…")
        self.image.setObjectName("latentImage")
        self.caption = CaptionBar()
        self.caption.setObjectName("latentCaption")
        zoom_row = QHBoxLayout()
        zoom_row.addStretch(1)
        for text, tip, slot in (
            ("−", "Zoom out", self.image.zoom_out),
            ("Fit", "Fit the image to the view", self.image.fit),
            ("+", "Zoom in", self.image.zoom_in),
        ):
            button = QToolButton()
            button.setText(text)
            button.setToolTip(tip)
            button.setAutoRaise(True)
            button.clicked.connect(slot)
            zoom_row.addWidget(button)
        self.zoom_label = QLabel("")
        self.zoom_label.setMinimumWidth(48)
        self.image.zoom_changed.connect(lambda z: self.zoom_label.setText(f"{z * 100:.0f}%"))
        zoom_row.addWidget(self.zoom_label)
        zoom_row.addStretch(1)
        column = QVBoxLayout(side)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.image, 1)
        column.addWidget(self.caption)
        column.addLayout(zoom_row)
        return side

    def _build_explorer_page(self) -> QWidget:
        page = QWidget()
        self.controls = LatentControls()
        self.class_panel = ClassPanel()  # a conditional generator's class, below truncation
        self.class_panel.setVisible(False)
        self.controls.layout().insertWidget(1, self.class_panel)
        self.wspace_panel = WSpacePanel()  # a StyleGAN2's W controls, below seed and truncation
        self.wspace_panel.setVisible(False)
        self.controls.layout().addWidget(self.wspace_panel, 1)
        self.direction_panel = DirectionSliderPanel()
        self.grid_panel = SampleGridPanel()
        self.interpolation = InterpolationPanel()
        self.projection = ProjectionPanel()
        self.layer_view = LayerView()
        self.right_tabs = QTabWidget()
        self.right_tabs.setObjectName("explorerPages")
        self.right_tabs.setDocumentMode(True)
        for widget, title in (
            (self.controls, "Latent"),
            (self.direction_panel, "Directions"),
            (self.grid_panel, "Grid"),
            (self.interpolation, "Interpolate"),
            (self.projection, "Project"),
            (self.layer_view, "Layers"),
        ):
            holder = QWidget()
            inner = QVBoxLayout(holder)
            inner.setContentsMargins(8, 8, 8, 8)
            inner.addWidget(widget)
            self.right_tabs.addTab(holder, title)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("explorerSplitter")
        self.splitter.addWidget(self._build_image_side())
        self.splitter.addWidget(self.right_tabs)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setSizes([720, 560])  # until the person's own sizes are restored
        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        line.setFrameShadow(QFrame.Shadow.Sunken)
        column = QVBoxLayout(page)
        column.setContentsMargins(8, 8, 8, 8)
        column.addLayout(self._build_toolbar())
        column.addWidget(line)
        column.addWidget(self.splitter, 1)
        return page
