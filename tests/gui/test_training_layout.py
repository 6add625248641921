"""The training tab's layout and readouts: the wheel over the form, legends clear of the
curves, plot heights on a small screen, a followed command-line run, the sample grid's size
and a one-line collapse banner."""

from __future__ import annotations

import json

import numpy as np
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QLabel, QProgressBar, QScrollArea, QSpinBox, QWidget

RUN_TIMEOUT_MS = 120_000


def _cli_run(tiny_config, folder, steps: int = 6):  # noqa: ANN001, ANN202
    """A run folder written as `ganstudio train` writes it: no quality figures."""
    from ganstudio.core.training.trainer import Trainer

    trainer = Trainer(tiny_config("mlp", "toy-ring", steps=steps), folder)
    trainer.run()
    trainer.close()
    return folder


def _wheel(widget: QWidget, down: bool = True) -> None:
    centre = QPointF(widget.width() / 2, widget.height() / 2)
    event = QWheelEvent(centre, widget.mapToGlobal(centre), QPoint(), QPoint(0, -120 if down else 120),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase,
                        False)
    QApplication.sendEvent(widget, event)


def test_the_wheel_scrolls_the_form_past_fields_it_does_not_edit(qtbot, training_tab) -> None:  # noqa: ANN001
    tab = training_tab
    tab.window().resize(1024, 600)
    qtbot.waitUntil(lambda: tab.form_scroll.verticalScrollBar().maximum() > 0, timeout=5000)
    scroll = tab.findChild(QScrollArea, "formScroll")
    spin = tab.findChild(QSpinBox, "latentSpin")
    before, at = spin.value(), scroll.verticalScrollBar().value()
    for _ in range(3):
        _wheel(spin)
    assert spin.value() == before, "the wheel edited a field the pointer passed over"
    assert scroll.verticalScrollBar().value() > at, "the pane did not scroll"
    spin.setFocus()
    qtbot.waitUntil(spin.hasFocus, timeout=5000)
    _wheel(spin, down=False)
    assert spin.value() == before + 1, "a focused spin box takes the wheel"


def test_legends_are_above_the_curves_and_plots_are_tall_enough(qtbot, main_window, training_tab) -> None:  # noqa: ANN001
    main_window.resize(1024, 600)
    qtbot.waitUntil(lambda: main_window.height() == 600, timeout=5000)
    QApplication.processEvents()
    plots = training_tab.plots
    for plot, names in ((plots.loss_plot, ("loss D", "loss G")), (plots.d_plot, ("D(x)", "D(G(z))"))):
        item = plot.getPlotItem()
        assert item.legend is None, "a legend inside the data area hides the curves' newest part"
        assert all(n in item.titleLabel.text for n in names)
        data_top = item.vb.sceneBoundingRect().top()
        assert item.titleLabel.sceneBoundingRect().bottom() <= data_top + 1
        assert item.vb.height() >= 75, f"{plot.objectName()}: {item.vb.height():.0f} px of curves"


def test_a_followed_command_line_run_reads_as_it_is(qtbot, training_tab, tiny_config, tmp_path) -> None:  # noqa: ANN001
    from ganstudio.core.config import preset

    tab = training_tab
    own = preset("mnist-mlp")
    own.train.lr_g = 0.00042  # the person's own settings
    tab.form.set_config(own)
    run_dir = _cli_run(tiny_config, tmp_path / "cli-run")
    assert tab.open_run(run_dir)
    bar = tab.findChild(QProgressBar, "progressBar")
    assert bar.format().startswith("step 6 of 6"), f"a finished followed run reads {bar.format()!r}"
    summary = tab.findChild(QLabel, "metricsSummary").text()
    assert "No quality figures" in summary and "every" not in summary
    assert not tab.metrics_panel.every_spin.isVisible()

    tab.save_settings()  # the window closes while the run is shown
    from ganstudio.gui.common import settings

    saved = json.loads(settings.get("training/last_config"))
    assert saved["train"]["lr_g"] == 0.00042, "the followed run's settings replaced the person's own"
    tab.follower.close()


def test_the_quality_plot_follows_each_runs_steps(qtbot, training_tab, tiny_run, monkeypatch) -> None:  # noqa: ANN001
    from ganstudio.gui.training import worker

    monkeypatch.setattr(worker, "METRICS_COST_SHARE", 0.0)  # every evaluation, however fast the steps
    tab = training_tab
    panel = tab.metrics_panel
    tiny_run(tab, "toy-ring", steps=300, batch=16)
    panel.set_config(tab.form.raw_config())
    panel.every_spin.setValue(100)
    with qtbot.waitSignal(tab.training_finished, timeout=RUN_TIMEOUT_MS):
        tab.start()
    # the plots fit their data when they are next painted
    qtbot.waitUntil(lambda: panel.plot.getPlotItem().viewRange()[0][1] >= 290, timeout=RUN_TIMEOUT_MS)

    tiny_run(tab, "toy-ring", steps=40, batch=16)  # a shorter run next: no stale axis
    panel.every_spin.setValue(10)
    with qtbot.waitSignal(tab.training_finished, timeout=RUN_TIMEOUT_MS):
        tab.start()
        assert "every 10 steps" in panel.summary.text(), "the caption and the spin box disagree"
    assert [r["step"] for r in panel.rows] == [10, 20, 30, 40]
    qtbot.waitUntil(lambda: 40 <= panel.plot.getPlotItem().viewRange()[0][1] < 100, timeout=RUN_TIMEOUT_MS)
    assert panel.plot.getPlotItem().viewRange()[0][0] < 10
    assert {"kl", "js"} <= set(panel.rows[-1]) and "KL" in panel.summary.text()
    _xs, ys = panel.series("js")
    assert np.isfinite(ys).all() and 0 <= min(ys) and max(ys) <= 1


def test_the_sample_grid_fills_its_panel(qtbot, training_tab) -> None:  # noqa: ANN001
    tab = training_tab
    tab.window().resize(1280, 800)
    tab.view_stack.setCurrentWidget(tab.samples)
    grid = np.zeros((242, 242, 1), np.uint8)
    grid[::30] = 255
    tab.samples.add(1, grid)
    view = tab.samples.view
    qtbot.waitUntil(lambda: view.width() > 242 and view.height() > 242, timeout=5000)
    drawn = view.target_rect()
    assert max(drawn.width(), drawn.height()) >= 0.98 * min(view.width(), view.height())


def test_a_long_collapse_warning_stays_one_line(qtbot, training_tab) -> None:  # noqa: ANN001
    tab = training_tab
    tab.window().resize(1024, 600)
    banner = tab.collapse_banner
    advice = "try packing (model.pack = 2-4), spectral norm or an R1 penalty " * 6
    banner.show_row({"step": 900, "collapsed": True,
                     "collapse_message": f"Possible mode collapse: the samples are only 3% as varied; {advice}"})
    QApplication.processEvents()
    assert banner.isVisible() and "pack" in banner.text()
    assert banner.height() <= 2 * banner.fontMetrics().lineSpacing() + 12, f"{banner.height()} px tall"
    assert QLabel.text(banner).endswith("…")
    assert banner.fontMetrics().horizontalAdvance(QLabel.text(banner)) <= banner.width()
