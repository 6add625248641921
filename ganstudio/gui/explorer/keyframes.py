"""Keyframes and the interpolation path through them: list, scrubber, playback, export."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ganstudio.gui.common.image_view import array_to_qimage

Z_ROLE = Qt.ItemDataRole.UserRole
CLASS_ROLE = Qt.ItemDataRole.UserRole + 1  # a conditional generator's class (None: none)
THUMB = 64


class KeyframeList(QListWidget):
    """Keyframes as thumbnails; drag to reorder. Each item holds its z (dim,) and, for a
    conditional generator, its class."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("keyframeList")
        self.setViewMode(QListWidget.ViewMode.IconMode)
        self.setFlow(QListWidget.Flow.LeftToRight)
        self.setWrapping(True)
        self.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.setMovement(QListWidget.Movement.Snap)
        self.setIconSize(QSize(THUMB, THUMB))
        self.setGridSize(QSize(THUMB + 16, THUMB + 22))
        self.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setMinimumHeight(THUMB + 36)
        self.setMaximumHeight(2 * (THUMB + 22) + 12)  # two rows, then it scrolls

    def add(self, z: np.ndarray, thumbnail: np.ndarray | None,
            class_index: int | None = None) -> None:
        item = QListWidgetItem(f"{self.count() + 1}")
        item.setData(Z_ROLE, np.asarray(z, np.float32).copy())
        item.setData(CLASS_ROLE, None if class_index is None else int(class_index))
        if thumbnail is not None:
            # QIcon never enlarges a pixmap: scale it up here, keeping pixels sharp.
            image = array_to_qimage(thumbnail).scaled(
                THUMB,
                THUMB,
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.FastTransformation,
            )
            item.setIcon(QIcon(QPixmap.fromImage(image)))
        item.setTextAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.addItem(item)
        self.renumber()

    def renumber(self) -> None:
        for i in range(self.count()):
            self.item(i).setText(str(i + 1))

    def keyframes(self) -> np.ndarray:
        """(K, dim) in list order; (0, 0) when empty."""
        rows = [self.item(i).data(Z_ROLE) for i in range(self.count())]
        return np.stack(rows).astype(np.float32) if rows else np.zeros((0, 0), np.float32)

    def classes(self) -> list[int | None]:
        """Each keyframe's class in list order (None where it has none)."""
        return [self.item(i).data(CLASS_ROLE) for i in range(self.count())]


class InterpolationPanel(QWidget):
    """Edits the keyframe list and the path settings; emits what the person asks for."""

    add_requested = Signal()
    path_changed = Signal()  # keyframes, mode, frames per segment or loop changed
    frame_requested = Signal(int)  # scrubber or playback moved to this frame
    export_requested = Signal()
    keyframe_activated = Signal(int)  # double-click: make this keyframe the current latent

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.keyframes = KeyframeList()
        self.add_button = QPushButton("Add current")
        self.add_button.setObjectName("addKeyframeButton")
        self.remove_button = QPushButton("Remove")
        self.remove_button.setObjectName("removeKeyframeButton")
        self.left_button = QPushButton("◀")
        self.left_button.setToolTip("Move the selected keyframe earlier")
        self.right_button = QPushButton("▶")
        self.right_button.setToolTip("Move the selected keyframe later")
        self.clear_button = QPushButton("Clear")
        for b in (self.left_button, self.right_button):
            b.setFixedWidth(32)
        self.mode_combo = QComboBox()
        self.mode_combo.setObjectName("interpolationModeCombo")
        self.mode_combo.addItem("Spherical (slerp)", "slerp")
        self.mode_combo.addItem("Linear (lerp)", "lerp")
        self.frames_spin = QSpinBox()
        self.frames_spin.setObjectName("framesPerSegmentSpin")
        self.frames_spin.setRange(2, 240)
        self.frames_spin.setValue(24)
        self.loop_check = QCheckBox("Loop back to the first keyframe")
        self.loop_check.setObjectName("loopCheck")
        self.loop_check.setChecked(True)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setObjectName("interpolationSlider")
        self.slider.setRange(0, 0)
        self.frame_label = QLabel("–")
        self.frame_label.setMinimumWidth(
            self.frame_label.fontMetrics().horizontalAdvance("000/000")
        )
        self.play_button = QPushButton("Play")
        self.play_button.setObjectName("playButton")
        self.play_button.setCheckable(True)
        self.fps_spin = QSpinBox()
        self.fps_spin.setObjectName("fpsSpin")
        self.fps_spin.setRange(1, 60)
        self.fps_spin.setValue(24)
        self.fps_spin.setSuffix(" fps")
        self.export_button = QPushButton("Export…")
        self.export_button.setObjectName("exportButton")
        self.export_button.setToolTip("Save the path as a GIF, an MP4 or a PNG strip")
        self._timer = QTimer(self)
        self._timer.setObjectName("playTimer")

        edit_row = QHBoxLayout()
        for w in (self.add_button, self.remove_button, self.left_button, self.right_button):
            edit_row.addWidget(w)
        edit_row.addStretch(1)
        edit_row.addWidget(self.clear_button)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        form.addRow("Path", self.mode_combo)
        form.addRow("Frames per segment", self.frames_spin)
        form.addRow("", self.loop_check)
        scrub_row = QHBoxLayout()
        scrub_row.addWidget(self.play_button)
        scrub_row.addWidget(self.slider, 1)
        scrub_row.addWidget(self.frame_label)
        out_row = QHBoxLayout()
        out_row.addWidget(QLabel("Speed"))
        out_row.addWidget(self.fps_spin)
        out_row.addStretch(1)
        out_row.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("<b>Keyframes</b>  (double-click one to explore it)"))
        layout.addWidget(self.keyframes)
        layout.addLayout(edit_row)
        layout.addLayout(form)
        layout.addLayout(scrub_row)
        layout.addLayout(out_row)
        layout.addStretch(1)

        self.add_button.clicked.connect(self.add_requested)
        self.remove_button.clicked.connect(self._on_remove_clicked)
        self.left_button.clicked.connect(lambda: self._move_selected(-1))
        self.right_button.clicked.connect(lambda: self._move_selected(+1))
        self.clear_button.clicked.connect(self._on_clear_clicked)
        self.export_button.clicked.connect(self.export_requested)
        self.keyframes.model().rowsMoved.connect(self._on_rows_moved)
        self.keyframes.itemDoubleClicked.connect(
            lambda item: self.keyframe_activated.emit(self.keyframes.row(item))
        )
        self.mode_combo.currentIndexChanged.connect(lambda _i: self.path_changed.emit())
        self.frames_spin.valueChanged.connect(lambda _v: self.path_changed.emit())
        self.loop_check.toggled.connect(lambda _v: self.path_changed.emit())
        self.slider.valueChanged.connect(self._on_slider_value_changed)
        self.play_button.toggled.connect(self._on_play_toggled)
        self.fps_spin.valueChanged.connect(self._on_fps_changed)
        self._timer.timeout.connect(self._on_timer_timeout)
        self.path_changed.connect(self._update_enabled)
        self._update_enabled()

    # ------------------------------------------------------------ queries
    def mode(self) -> str:
        return str(self.mode_combo.currentData())

    def frames_per_segment(self) -> int:
        return self.frames_spin.value()

    def loop(self) -> bool:
        return self.loop_check.isChecked()

    def fps(self) -> int:
        return self.fps_spin.value()

    def is_playing(self) -> bool:
        return self.play_button.isChecked()

    # ------------------------------------------------------------ edits
    def add_keyframe(self, z: np.ndarray, thumbnail: np.ndarray | None,
                     class_index: int | None = None) -> None:
        self.keyframes.add(z, thumbnail, class_index)
        self.keyframes.setCurrentRow(self.keyframes.count() - 1)
        self.path_changed.emit()

    def set_keyframes(self, rows: np.ndarray, thumbnails: list[np.ndarray | None],
                      classes: list[int | None] | None = None) -> None:
        self.keyframes.clear()
        classes = list(classes) if classes is not None else [None] * len(rows)
        for z, thumb, k in zip(rows, thumbnails, classes, strict=False):
            self.keyframes.add(z, thumb, k)
        self.path_changed.emit()

    def set_frame_count(self, frames: int) -> None:
        """Range the scrubber over ``frames`` path frames (0 hides it)."""
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(0, frames - 1))
        self.slider.blockSignals(False)
        self._update_label()

    def stop(self) -> None:
        self.play_button.setChecked(False)

    def _move_selected(self, delta: int) -> None:
        row = self.keyframes.currentRow()
        target = row + delta
        if row < 0 or not 0 <= target < self.keyframes.count():
            return
        item = self.keyframes.takeItem(row)
        self.keyframes.insertItem(target, item)
        self.keyframes.setCurrentRow(target)
        self.keyframes.renumber()
        self.path_changed.emit()

    def _update_enabled(self) -> None:
        n = self.keyframes.count()
        for w in (self.remove_button, self.left_button, self.right_button, self.clear_button):
            w.setEnabled(n > 0)
        for w in (self.slider, self.play_button, self.export_button):
            w.setEnabled(n >= 2)
        if n < 2:
            self.stop()
        self._update_label()

    def _update_label(self) -> None:
        if self.slider.maximum() <= 0:
            self.frame_label.setText("–")
        else:
            self.frame_label.setText(f"{self.slider.value() + 1}/{self.slider.maximum() + 1}")

    # ------------------------------------------------------------ slots
    def _on_remove_clicked(self) -> None:
        row = self.keyframes.currentRow()
        if row < 0:
            row = self.keyframes.count() - 1
        if row >= 0:
            self.keyframes.takeItem(row)
            self.keyframes.renumber()
            self.path_changed.emit()

    def _on_clear_clicked(self) -> None:
        self.keyframes.clear()
        self.path_changed.emit()

    def _on_rows_moved(self, *_args) -> None:
        self.keyframes.renumber()
        self.path_changed.emit()

    def _on_slider_value_changed(self, value: int) -> None:
        self._update_label()
        self.frame_requested.emit(value)

    def _on_play_toggled(self, playing: bool) -> None:
        self.play_button.setText("Pause" if playing else "Play")
        if playing:
            self._timer.start(int(1000 / self.fps()))
        else:
            self._timer.stop()

    def _on_fps_changed(self, fps: int) -> None:
        if self._timer.isActive():
            self._timer.setInterval(int(1000 / fps))

    def _on_timer_timeout(self) -> None:
        top = self.slider.maximum()
        if top <= 0:
            self.stop()
            return
        nxt = self.slider.value() + 1
        self.slider.setValue(0 if nxt > top else nxt)  # playback repeats until paused
