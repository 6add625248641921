"""The training tab's widgets and their arrangement; behaviour lives in tab.py.

Left: the config form (scrolling) with the dataset's download row. Right: Start, Pause,
Stop and the step buttons, the progress bar with the run's buttons, the run folder, the
collapse banner and the restart bar, and the live plots beside the lab panel (samples, or
the 2-D or 1-D view of a toy run, under the model overview).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QHBoxLayout,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ganstudio.gui.common import settings
from ganstudio.gui.common.labels import PathLinkLabel
from ganstudio.gui.training.datasets import DatasetStatus
from ganstudio.gui.training.form import ConfigForm
from ganstudio.gui.training.lab_panel import LabPanel
from ganstudio.gui.training.live_edit import LiveEdit
from ganstudio.gui.training.live_plots import LivePlots
from ganstudio.gui.training.metrics_plot import CollapseBanner, MetricsPanel
from ganstudio.gui.training.progress import RunProgressBar
from ganstudio.gui.training.stepping import Stepper


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
        self.lab = LabPanel(self)
        self.samples, self.toy_view, self.toy_view_1d = self.lab.samples, self.lab.toy_view, self.lab.toy_view_1d
        self.view_stack, self.sample_every_spin = self.lab.view_stack, self.lab.sample_every_spin
        self.stepper = Stepper(self, self.lab.slow)
        self.live_edit = LiveEdit(self.form, self)
        controls = QHBoxLayout()
        for b in (self.start_button, self.pause_button, self.stop_button):
            controls.addWidget(b)
        controls.addSpacing(8)
        for b in (*self.stepper.buttons.values(), self.stepper.slow_button):
            controls.addWidget(b)
        controls.addStretch(1)

        self.progress_bar = RunProgressBar()
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
        self.live_splitter.setStretchFactor(0, 1)
        self.live_splitter.setStretchFactor(1, 1)
        self.live_splitter.setSizes([520, 440])

        status = QHBoxLayout()
        status.addWidget(self.progress_bar, 1)
        for b in (self.save_button, self.explorer_button, self.resume_button):
            status.addWidget(b)

        live = QWidget()
        live_layout = QVBoxLayout(live)
        live_layout.setSpacing(4)
        live_layout.addLayout(controls)
        live_layout.addLayout(status)
        live_layout.addWidget(self.run_label)
        live_layout.addWidget(self.collapse_banner)
        live_layout.addWidget(self.live_edit.bar)
        live_layout.addWidget(self.live_splitter, 1)
        return live

    def _build_view_panel(self) -> QWidget:
        return self.lab
