"""Data-parallel training under torchrun: nccl on GPUs, gloo on CPUs.

A GAN step runs D on the real and the generated batch separately (batch norm needs them
apart) and G's update backpropagates through D. DistributedDataParallel's reducer expects one
forward per backward, so, like StyleGAN2-ADA's training loop, we keep the modules plain and
average gradients ourselves: one all_reduce of the flattened gradients before each optimizer
step, the same collective DDP would issue. Batch norm uses each rank's own batch statistics
(what DDP does without SyncBatchNorm); the running averages are taken from rank 0 whenever a
checkpoint is written, so every rank holds the same weights and buffers afterwards.

Every process runs with its own batch of `batch_size`; the data is split by a
DistributedSampler, so the effective batch is batch_size x world size.
"""

from __future__ import annotations

import os
from typing import Any

import torch
import torch.distributed as td
from torch import nn
from torch.utils.data.distributed import DistributedSampler


def launched_by_torchrun() -> bool:
    return int(os.environ.get("WORLD_SIZE", "1")) > 1 and "RANK" in os.environ


def init_from_env(device: str = "auto") -> None:
    """Joins the process group torchrun describes (no-op outside torchrun)."""
    if not launched_by_torchrun() or td.is_initialized():
        return
    use_cuda = torch.cuda.is_available() and device in ("auto", "cuda")
    if use_cuda:
        torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
    td.init_process_group("nccl" if use_cuda else "gloo")


def shutdown() -> None:
    if td.is_initialized():
        td.barrier()
        td.destroy_process_group()


def rank() -> int:
    return td.get_rank() if td.is_initialized() else 0


def world_size() -> int:
    return td.get_world_size() if td.is_initialized() else 1


def device_for_rank(device: torch.device) -> torch.device:
    if device.type == "cuda" and td.is_initialized():
        return torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
    return device


class _Sized:
    def __init__(self, n: int) -> None:
        self.n = n

    def __len__(self) -> int:
        return self.n


def epoch_indices(n: int, seed: int, epoch: int) -> torch.Tensor:
    """This rank's shuffled share of range(n) for one epoch (a DistributedSampler's order)."""
    sampler = DistributedSampler(_Sized(n), num_replicas=world_size(), rank=rank(),  # type: ignore[arg-type]
                                 shuffle=True, seed=seed, drop_last=True)
    sampler.set_epoch(epoch)
    return torch.tensor(list(iter(sampler)), dtype=torch.long)


def broadcast_module(module: nn.Module) -> None:
    if not td.is_initialized():
        return
    for t in [*module.parameters(), *module.buffers()]:
        td.broadcast(t.data, src=0)


def broadcast_buffers(module: nn.Module) -> None:
    if not td.is_initialized():
        return
    for b in module.buffers():
        td.broadcast(b.data, src=0)


def any_rank(flag: bool) -> bool:
    """True on every rank when ``flag`` is true on any (one all_reduce; the flag itself alone
    outside torchrun). Every rank must call it at the same point."""
    if not td.is_initialized() or td.get_world_size() == 1:
        return flag
    device = torch.device("cuda", torch.cuda.current_device()) if td.get_backend() == "nccl" else None
    t = torch.tensor([1 if flag else 0], dtype=torch.int32, device=device)
    td.all_reduce(t, op=td.ReduceOp.MAX)
    return bool(t.item())


def all_gather_object(obj: Any) -> list[Any]:
    """Every rank's ``obj``, in rank order, on every rank ([obj] outside torchrun)."""
    if not td.is_initialized() or td.get_world_size() == 1:
        return [obj]
    out: list[Any] = [None] * td.get_world_size()
    td.all_gather_object(out, obj)
    return out


def average_gradients(module: nn.Module) -> None:
    if not td.is_initialized() or td.get_world_size() == 1:
        return
    grads = [p.grad for p in module.parameters() if p.grad is not None]
    if not grads:
        return
    flat = torch.cat([g.reshape(-1) for g in grads])
    td.all_reduce(flat)
    flat.div_(td.get_world_size())
    offset = 0
    for g in grads:
        g.copy_(flat[offset:offset + g.numel()].view_as(g))
        offset += g.numel()
