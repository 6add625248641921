"""Run under torchrun by test_distributed.py: trains, then writes this rank's final weights."""

from __future__ import annotations

import sys
from pathlib import Path

import torch
from safetensors.torch import save_file

from ganstudio.core.config import RunConfig
from ganstudio.core.training import dist
from ganstudio.core.training.trainer import Trainer

if __name__ == "__main__":
    torch.set_num_threads(1)
    config = RunConfig.from_json(Path(sys.argv[1]).read_text())
    out = Path(sys.argv[2])
    dist.init_from_env("cpu")
    trainer = Trainer(config, out)
    trainer.run()
    trainer.close()
    state = {f"G.{k}": v.contiguous() for k, v in trainer.G.state_dict().items()}
    state.update({f"D.{k}": v.contiguous() for k, v in trainer.D.state_dict().items()})
    save_file(state, out.parent / f"rank{trainer.rank}.safetensors")
    dist.shutdown()
