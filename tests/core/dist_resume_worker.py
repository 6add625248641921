"""Run under torchrun by test_trainer_resume.py: trains a run, or continues one for more steps."""

from __future__ import annotations

import sys
from pathlib import Path

import torch

from ganstudio.core.config import RunConfig
from ganstudio.core.training import dist
from ganstudio.core.training.trainer import Trainer

if __name__ == "__main__":
    torch.set_num_threads(1)
    run = Path(sys.argv[2])
    dist.init_from_env("cpu")
    if sys.argv[1] == "resume":
        trainer = Trainer.resume(run, steps=int(sys.argv[3]))
    else:
        trainer = Trainer(RunConfig.from_json(Path(sys.argv[3]).read_text()), run)
    trainer.run()
    trainer.close()
    dist.shutdown()
