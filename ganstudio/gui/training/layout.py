"""The training tab's widgets and their arrangement; behaviour lives in tab.py.

Left: the config form (scrolling) with the dataset's download row. Right: Start, Pause,
Stop and the run's buttons, the progress bar, the run folder, the collapse banner, and
the live plots beside the samples (or the 2-D view of a toy run).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ganstudio.gui.common import settings
from ganstudio.gui.common.image_view import SampleHistory
from ganstudio.gui.common.labels import PathLinkLabel
from ganstudio.gui.training.datasets import DatasetStatus
from ganstudio.gui.training.form import ConfigForm
from ganstudio.gui.training.live_plots import LivePlots
from ganstudio.gui.training.metrics_plot import CollapseBanner, MetricsPanel
from ganstudio.gui.training.toy_view import ToyView


def _button(text: str, name: str, tip: str = "") -> QPushButton:
    b = QPushButton(text)
    b.setObjectName(name)
    b.setToolTip(tip)
    b.setEnabled(False)
    return b


class TrainingLayout(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.form = ConfigForm(self)
        self.dataset = DatasetStatus(self.form, self)
        self.start_button = _button("Start", "startButton", "Start training with these settings")
        self.start_button.setDefault(True)
        self.pause_button = _button("Pause", "pauseButton", "Pause or resume (Space)")
        self.stop_button = _button("Stop", "stopButton", "Stop after this step and save a checkpoint")
        self.save_button = _button("Save checkpoint", "saveCheckpointButton", "Save a checkpoint now (Ctrl+S)")
        self.explorer_button = _button("Open in Explorer", "openInExplorerButton",
                                       "Explore the current generator in the Explorer tab")
        self.resume_button = _button("Resume run…", "resumeRunButton",
                                     "Continue a run from its newest checkpoint")
        scroll = self.form_scroll = self._build_form_page()
        live = self._build_live_page()
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setObjectName("trainingSplitter")
        self.splitter.addWidget(scroll)
        self.splitter.addWidget(live)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([scroll.minimumWidth(), 960])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.splitter)
        state = settings.get("training/splitter")
        if not state.isEmpty():
            self.splitter.restoreState(state)

    def size_form_pane(self) -> None:
        """Once the form holds its choices: give it the width it asks for, unless the person
        set one (the splitter then narrows it only when the window is too small)."""
        if not settings.get("training/splitter").isEmpty():
            return
        page = self.form_scroll.widget()
        want = page.sizeHint().width() + self.form_scroll.verticalScrollBar().sizeHint().width() + 4
        self.splitter.setSizes([want, max(1, self.splitter.width() - want)])

    def _build_form_page(self) -> QScrollArea:
        download_row = QHBoxLayout()
        download_row.addWidget(self.dataset.label, 1)
        download_row.addWidget(self.dataset.button)
        form_page = QWidget()
        form_layout = QVBoxLayout(form_page)
        form_layout.addWidget(self.form)
        form_layout.addLayout(download_row)
        form_layout.addWidget(self.dataset.bar)
        scroll = QScrollArea()
        scroll.setObjectName("formScroll")
        scroll.setWidgetResizable(True)
        scroll.setWidget(form_page)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # never narrower than the form can be: a clipped field would hide its value
        scroll.setMinimumWidth(form_page.minimumSizeHint().width()
                               + scroll.verticalScrollBar().sizeHint().width() + 4)
        return scroll

    def _build_live_page(self) -> QWidget:
        controls = QHBoxLayout()
        for b in (self.start_button, self.pause_button, self.stop_button):
            controls.addWidget(b)
        controls.addStretch(1)
        for b in (self.save_button, self.explorer_button, self.resume_button):
            controls.addWidget(b)

        self.progress_bar = QProgressBar()
        self.progress_bar.setObjectName("progressBar")
        self.progress_bar.setRange(0, 1)
        self.progress_bar.setValue(0)
        self.progress_bar.setFormat("No run yet")
        self.progress_bar.setTextVisible(True)
        self.run_label = PathLinkLabel("Runs are saved in a folder of their own.")
        self.run_label.setObjectName("runLabel")
        self.run_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.run_label.setOpenExternalLinks(False)
        self.run_label.linkActivated.connect(lambda link: QDesktopServices.openUrl(QUrl(link)))

        self.plots = LivePlots(self)
        self.metrics_panel = MetricsPanel(self)
        self.collapse_banner = CollapseBanner(self)
        plots_column = QSplitter(Qt.Orientation.Vertical)
        plots_column.setObjectName("plotsColumn")
        plots_column.setChildrenCollapsible(False)
        plots_column.addWidget(self.plots)
        plots_column.addWidget(self.metrics_panel)
        plots_column.setStretchFactor(0, 3)
        plots_column.setStretchFactor(1, 2)

        self.live_splitter = QSplitter(Qt.Orientation.Horizontal)
        self.live_splitter.setObjectName("liveSplitter")
        self.live_splitter.addWidget(plots_column)
        self.live_splitter.addWidget(self._build_view_panel())
        self.live_splitter.setStretchFactor(0, 3)
        self.live_splitter.setStretchFactor(1, 2)
        self.live_splitter.setSizes([560, 400])

        live = QWidget()
        live_layout = QVBoxLayout(live)
        live_layout.addLayout(controls)
        live_layout.addWidget(self.progress_bar)
        live_layout.addWidget(self.run_label)
        live_layout.addWidget(self.collapse_banner)
        live_layout.addWidget(self.live_splitter, 1)
        return live

    def _build_view_panel(self) -> QWidget:
        """The samples of an image run or the 2-D view of a toy run, and how often they update."""
        self.samples = SampleHistory(self)
        self.toy_view = ToyView(self)
        self.view_stack = QStackedWidget()
        self.view_stack.setObjectName("liveViewStack")
        self.view_stack.addWidget(self.samples)
        self.view_stack.addWidget(self.toy_view)
        self.sample_every_spin = QSpinBox()
        self.sample_every_spin.setObjectName("sampleEverySpin")
        self.sample_every_spin.setRange(1, 100_000)
        self.sample_every_spin.setGroupSeparatorShown(True)
        self.sample_every_spin.setSuffix(" steps")
        self.sample_every_spin.setValue(settings.get("training/sample_every"))
        every_row = QHBoxLayout()
        every_row.addWidget(QLabel("Update samples every"))
        every_row.addWidget(self.sample_every_spin)
        every_row.addStretch(1)
        view_panel = QWidget()
        view_layout = QVBoxLayout(view_panel)
        view_layout.setContentsMargins(0, 0, 0, 0)
        view_layout.addWidget(self.view_stack, 1)
        view_layout.addLayout(every_row)
        return view_panel
