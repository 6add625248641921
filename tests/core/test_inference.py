"""The copy of a generator the explorer renders frames with."""

from __future__ import annotations

import torch

from ganstudio.core.inference import for_rendering
from ganstudio.core.models.build import build_generator


def _generator(tiny_config, arch: str):
    torch.manual_seed(0)
    return build_generator(tiny_config(arch=arch)).eval().requires_grad_(False)


def test_render_copy_draws_the_same_images_and_leaves_the_original_alone(tiny_config):
    gen = _generator(tiny_config, "dcgan")
    before = {k: v.clone() for k, v in gen.state_dict().items()}
    plan = for_rendering(gen, runs=3)
    z = torch.randn(5, gen.latent_dim)
    with torch.inference_mode():
        expected, got = gen(z), plan(z)
    assert got.shape == expected.shape
    assert torch.allclose(got, expected, atol=1e-5)
    assert plan.source is gen
    assert plan.ms_chosen <= plan.ms_contiguous
    for k, v in gen.state_dict().items():  # same values, same (contiguous) layout
        assert torch.equal(v, before[k]) and v.is_contiguous()
    if plan.channels_last:
        assert plan.module is not gen


def test_mlp_generator_is_rendered_as_it_is(tiny_config):
    gen = _generator(tiny_config, "mlp")
    plan = for_rendering(gen, runs=2)
    assert plan.module is gen and not plan.channels_last


def test_a_slow_generator_is_timed_within_the_budget(tiny_config):
    import time

    gen = _generator(tiny_config, "dcgan")
    calls = []
    real = gen.forward

    def slow(z):
        calls.append(1)
        time.sleep(0.05)
        return real(z)

    gen.forward = slow
    start = time.perf_counter()
    for_rendering(gen, runs=15, budget_s=0.3)
    assert time.perf_counter() - start < 1.0
    assert len(calls) <= 12  # 15 runs of each format would have been over 30 calls
