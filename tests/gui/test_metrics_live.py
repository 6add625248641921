"""Live quality figures and the mode-collapse banner in the Training tab."""

from __future__ import annotations

import json

import pytest
import torch
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton, QSpinBox, QWidget

RUN_TIMEOUT_MS = 120_000


class _Digits(torch.nn.Module):
    """A stand-in generator that returns held-out real digits (healthy) or one digit (collapsed)."""

    def __init__(self, collapsed: bool) -> None:
        super().__init__()
        from ganstudio.core import classifier as clf

        images, _ = clf.heldout_images()
        self.images = images[1300:1600]  # not the probe's own real samples
        self.collapsed = collapsed

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        if self.collapsed:
            return self.images[:1].expand(len(z), -1, -1, -1)
        return self.images[torch.arange(len(z)) % len(self.images)]


def _digit_config():  # noqa: ANN202
    from ganstudio.core.config import preset

    return preset("mnist-mlp")


@pytest.mark.parametrize("collapsed", [True, False])
def test_probe_flags_one_digit_and_passes_real_digits(collapsed: bool) -> None:
    from ganstudio.gui.training.probe import MetricsProbe

    probe = MetricsProbe(_digit_config())
    row, message = probe.evaluate(_Digits(collapsed), step=7)
    assert row["step"] == 7
    assert row["collapsed"] is collapsed, message
    assert message.startswith("Possible mode collapse") is collapsed
    if collapsed:
        assert row["classes_covered"] == 1
    else:
        assert row["classes_covered"] == 10
        assert row["frechet_distance"] < 3 * row["frechet_floor"] + 1


class _AskedDigits(torch.nn.Module):
    """A stand-in conditional generator: for class k it returns real held-out digits of class
    k (obedient) or of class k + 1 (every digit drawn as the next one)."""

    c_dim = 10

    def __init__(self, shift: int) -> None:
        super().__init__()
        from ganstudio.core import classifier as clf

        images, labels = clf.heldout_images()
        self.by_class = [images[labels == k][:40] for k in range(10)]
        self.shift = shift

    def forward(self, z: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        asked = c.argmax(dim=1)
        return torch.stack([self.by_class[(int(k) + self.shift) % 10][i % 40] for i, k in enumerate(asked)])


@pytest.mark.parametrize("shift, accurate", [(0, True), (1, False)])
def test_probe_reports_how_often_a_conditional_model_draws_the_class_asked_for(shift, accurate) -> None:
    from ganstudio.gui.training.probe import MetricsProbe, summary

    row, _ = MetricsProbe(_digit_config()).evaluate(_AskedDigits(shift), step=3)
    assert (row["conditional_accuracy"] > 0.9) is accurate and (row["conditional_accuracy"] < 0.1) is not accurate
    assert "drawn as the class asked for" in summary(row)


def test_toy_probe_counts_modes() -> None:
    from ganstudio.core.config import preset
    from ganstudio.gui.training.probe import MetricsProbe

    class OnePoint(torch.nn.Module):
        def forward(self, z: torch.Tensor) -> torch.Tensor:
            return torch.tensor([[1.0, 0.0]]).expand(len(z), 2)

    row, message = MetricsProbe(preset("toy-ring")).evaluate(OnePoint(), step=3)
    assert row["modes_covered"] == 1 and row["n_modes"] == 8
    assert row["collapsed"] and "mode collapse" in message.lower()


def _run_with_generator(qtbot, tab, tiny_run, monkeypatch, collapsed: bool) -> None:  # noqa: ANN001
    from ganstudio.core.training.trainer import Trainer
    from ganstudio.gui.training import metrics_plot
    from ganstudio.gui.training import worker as workers

    monkeypatch.setattr(workers, "METRICS_COST_SHARE", 0.0)  # every 2nd step, however fast the steps
    monkeypatch.setattr(metrics_plot, "WARMUP_STEPS", 0)  # a 6-step run: no warm-up
    fake = _Digits(collapsed)
    monkeypatch.setattr(Trainer, "sampler", property(lambda self: fake))
    tiny_run(tab, "mnist-embedded", steps=6, batch=8)
    tab.findChild(QSpinBox, "metricsEverySpin").setValue(2)
    with qtbot.waitSignal(tab.training_finished, timeout=RUN_TIMEOUT_MS) as finished:
        qtbot.mouseClick(tab.findChild(QPushButton, "startButton"), Qt.MouseButton.LeftButton)
    assert finished.args == ["completed"]


def test_collapsing_generator_shows_the_banner_and_logs_figures(
    qtbot, training_tab, tiny_run, monkeypatch, runs_root  # noqa: ANN001
) -> None:
    tab = training_tab
    _run_with_generator(qtbot, tab, tiny_run, monkeypatch, collapsed=True)
    banner = tab.findChild(QLabel, "collapseWarning")
    assert banner.isVisible(), "no collapse warning for a generator that draws one digit"
    assert "mode collapse" in banner.text().lower()
    assert "pack" in banner.text(), "the warning does not say what to try"
    plot = tab.findChild(QWidget, "metricsPlot")
    assert plot is not None and plot.isVisible()
    xs, _ = tab.metrics_panel.series("frechet_distance")
    assert xs == [2.0, 4.0, 6.0]

    run_dir = next(runs_root.iterdir())
    rows = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    figures = [r for r in rows if "diversity_ratio" in r]
    assert [r["step"] for r in figures] == [2, 4, 6] and all(r["collapsed"] for r in figures)

    assert tab.open_run(run_dir)  # an opened run folder shows the figures and the warning again
    assert len(tab.metrics_panel.rows) == 3
    assert tab.findChild(QLabel, "collapseWarning").isVisible()


def test_healthy_generator_shows_no_warning(qtbot, training_tab, tiny_run, monkeypatch) -> None:  # noqa: ANN001
    tab = training_tab
    _run_with_generator(qtbot, tab, tiny_run, monkeypatch, collapsed=False)
    assert len(tab.metrics_panel.rows) == 3
    assert not tab.findChild(QLabel, "collapseWarning").isVisible()
    assert "10 digits" in tab.findChild(QLabel, "metricsSummary").text()


def test_banner_clears_when_diversity_recovers(qtbot) -> None:  # noqa: ANN001
    from ganstudio.gui.training.metrics_plot import CollapseBanner

    parent = QWidget()
    qtbot.addWidget(parent)
    banner = CollapseBanner(parent)
    parent.show()
    collapsed = {"collapsed": True, "collapse_message": "Possible mode collapse: few digits"}
    banner.show_row({"step": 100, **collapsed})
    assert not banner.isVisible(), "a generator that has not learnt yet is not a collapse"
    banner.show_row({"step": 200, "collapsed": False, "collapse_message": "no sign of mode collapse"})
    banner.show_row({"step": 400, **collapsed})
    assert banner.isVisible() and "step 400" in banner.text(), "varied, then not: that is a collapse"
    banner.show_row({"step": 600, "collapsed": False, "collapse_message": "no sign of mode collapse"})
    assert not banner.isVisible()
    banner.reset()
    banner.show_row({"step": 100, **collapsed})
    assert not banner.isVisible()
    banner.show_row({"step": 800, **collapsed})
    assert banner.isVisible(), "still one digit after the warm-up"


def test_a_fast_run_skips_evaluations_that_would_cost_too_much(qtbot) -> None:  # noqa: ANN001
    import time

    from ganstudio.gui.training.worker import METRICS_COST_SHARE, TrainingJob, TrainingWorker

    worker = TrainingWorker(TrainingJob(metrics_every=2))
    worker._last_metrics = (time.monotonic(), 10)
    worker._metrics_cost = 0.0
    assert worker._metrics_due(12) and not worker._metrics_due(13)
    worker._metrics_cost = 3600.0 * METRICS_COST_SHARE  # would need an hour of training to pay off
    assert not worker._metrics_due(12)
