from __future__ import annotations

import numpy as np

from ganstudio.core.io.runs import RunReader, RunWriter, is_run_dir


def test_reader_follows_a_folder_another_writer_is_filling(tiny_config, tmp_path):
    writer = RunWriter(tmp_path / "run", tiny_config())
    reader = RunReader(tmp_path / "run")
    assert is_run_dir(tmp_path / "run")
    assert reader.poll() == []
    writer.log({"step": 1, "loss_D": 1.0})
    writer.log({"step": 2, "loss_D": 0.9})
    assert [r["step"] for r in reader.poll()] == [1, 2]
    assert reader.poll() == []
    # A line caught half-written is left for the next poll.
    with open(tmp_path / "run" / "metrics.jsonl", "a") as f:
        f.write('{"step": 3, "loss')
        f.flush()
        assert reader.poll() == []
        f.write('_D": 0.8}\n')
    assert [r["step"] for r in reader.poll()] == [3]
    writer.save_samples(10, np.zeros((8, 8, 1), np.uint8))
    assert [s for s, _ in reader.samples()] == [10]
    writer.close()


def test_damaged_line_costs_only_that_line(tiny_config, tmp_path):
    RunWriter(tmp_path, tiny_config()).close()
    (tmp_path / "metrics.jsonl").write_text('{"step": 1}\ngarbage\n{"step": 2}\n')
    assert [r["step"] for r in RunReader(tmp_path).metrics()] == [1, 2]
