"""The one way the explorer runs an export: the tab's "export" task with a progress dialog
whose Cancel stops it, and a status line or one error dialog at the end."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QProgressDialog


def start_export(tab: Any, job: Any, target: Path, object_name: str, error_title: str) -> None:
    """Run ``job`` (writing ``target``) as the tab's export task, with its progress dialog."""
    dialog = QProgressDialog(f"Exporting {target.name}…", "Cancel", 0, 100, tab)
    dialog.setObjectName(object_name)
    dialog.setWindowTitle("Export")
    # Not modal: exploring goes on while the export (of a copy of the latents) runs, and
    # setValue() never re-enters the event loop.
    dialog.setWindowModality(Qt.WindowModality.NonModal)
    dialog.setMinimumDuration(300)
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)

    def progress(done: int, total: int) -> None:
        dialog.setMaximum(max(1, total))
        dialog.setValue(done)

    def finish(status: str | None = None) -> None:
        dialog.close()
        dialog.deleteLater()
        if status is not None:
            tab.status_label.setText(status)

    def failed(message: str) -> None:
        finish()
        tab.show_error(error_title, message)

    worker = tab.tasks.start(
        "export", job, lambda path: finish(f"Exported {Path(path).name}"), progress=progress,
        failed=failed, cancelled=lambda: finish("Export cancelled; nothing was written."),
    )
    dialog.canceled.connect(worker.cancel)
