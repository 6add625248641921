from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from ganstudio.core.config import ConfigError, ModelConfig, RunConfig
from ganstudio.core.models.build import build_generator
from ganstudio.core.models.stylegan2.networks import (
    StyleGAN2Generator,
    setup_filter,
    upfirdn2d,
    upsample2d,
)
from ganstudio.core.models.stylegan2.ops import downsample2d


def tiny(resolution: int = 16, **kw) -> StyleGAN2Generator:
    torch.manual_seed(0)
    args = dict(z_dim=8, c_dim=0, w_dim=8, img_resolution=resolution, img_channels=3, mapping_layers=2,
                channel_base=64, channel_max=8)
    args.update(kw)
    G = StyleGAN2Generator(**args).eval()
    with torch.no_grad():  # noise strengths start at 0; make the noise inputs matter
        for name, p in G.named_parameters():
            if name.endswith("noise_strength"):
                p.fill_(0.5)
        G.mapping.w_avg.normal_()
    return G


def test_names_follow_nvlabs_so_their_state_dicts_load():
    G = tiny(16, c_dim=3)
    names = set(G.state_dict())
    for name in ("mapping.fc0.weight", "mapping.fc1.bias", "mapping.embed.weight", "mapping.w_avg",
                 "synthesis.b4.const", "synthesis.b4.resample_filter", "synthesis.b4.conv1.affine.weight",
                 "synthesis.b4.conv1.noise_const", "synthesis.b4.conv1.noise_strength",
                 "synthesis.b8.conv0.weight", "synthesis.b8.conv0.resample_filter",
                 "synthesis.b16.torgb.affine.bias", "synthesis.b16.torgb.weight"):
        assert name in names
    assert G.num_ws == 6 and G.synthesis.block_resolutions == [4, 8, 16]
    assert G.latent_dim == 8 and G.sample_shape == (3, 16, 16)


def test_shapes_and_w_space():
    G = tiny(16)
    z = torch.randn(3, 8)
    ws = G.mapping(z, None)
    assert ws.shape == (3, G.num_ws, 8)
    assert torch.equal(ws[:, 0], ws[:, -1])  # one w broadcast to every layer
    img = G.synthesis(ws)
    assert img.shape == (3, 3, 16, 16) and torch.isfinite(img).all()
    assert torch.equal(G(z), img)  # G(z) is mapping then synthesis with const noise


def test_truncation_pulls_towards_w_avg():
    G = tiny(16)
    z = torch.randn(2, 8)
    ws = G.mapping(z, None, truncation_psi=0.0)
    assert torch.allclose(ws, G.mapping.w_avg.expand_as(ws))
    half = G.mapping(z, None, truncation_psi=0.5, truncation_cutoff=2)
    full = G.mapping(z, None)
    assert torch.allclose(half[:, :2], G.mapping.w_avg.lerp(full[:, :2], 0.5))
    assert torch.equal(half[:, 2:], full[:, 2:])


def test_w_avg_moves_only_when_asked():
    G = tiny(16)
    before = G.mapping.w_avg.clone()
    G.mapping(torch.randn(4, 8), None)
    assert torch.equal(G.mapping.w_avg, before)
    w = G.mapping(torch.randn(4, 8), None, update_emas=True)[:, 0]
    assert torch.allclose(G.mapping.w_avg, w.mean(0).lerp(before, 0.995))


def test_conditional_generator_without_a_label_draws_class_0():
    G = tiny(8, c_dim=4)
    z = torch.randn(2, 8)
    one_hot = torch.zeros(2, 4)
    one_hot[:, 0] = 1
    assert torch.equal(G(z), G(z, one_hot))
    assert not torch.equal(G(z), G(z, one_hot.roll(1, dims=1)))


def test_noise_modes():
    G = tiny(16)
    ws = G.mapping(torch.randn(1, 8), None)
    const = G.synthesis(ws, noise_mode="const")
    assert torch.equal(const, G.synthesis(ws, noise_mode="const"))
    assert not torch.equal(const, G.synthesis(ws, noise_mode="none"))
    torch.manual_seed(1)
    a = G.synthesis(ws, noise_mode="random")
    torch.manual_seed(2)
    assert not torch.equal(a, G.synthesis(ws, noise_mode="random"))
    with pytest.raises(ValueError, match="noise_mode"):
        G.synthesis(ws, noise_mode="loud")


def test_preview_is_the_rgb_summed_so_far():
    """synthesis(ws, max_res=16) of a 32 px generator is what a 16 px generator with the same
    first blocks draws: the skip architecture's RGB at that resolution."""
    G32, G16 = tiny(32), tiny(16)
    G16.load_state_dict({k: v for k, v in G32.state_dict().items() if not k.startswith("synthesis.b32")})
    ws = G32.mapping(torch.randn(2, 8), None)
    preview = G32.synthesis(ws, max_res=16)
    assert preview.shape == (2, 3, 16, 16)
    assert torch.allclose(preview, G16.synthesis(ws[:, :G16.num_ws]), atol=1e-6)
    assert torch.equal(G32.synthesis(ws, max_res=32), G32.synthesis(ws))
    with pytest.raises(ValueError, match="max_res"):
        G32.synthesis(ws, max_res=12)


def test_fused_and_unfused_modulation_agree():
    G = tiny(16, conv_clamp=0.5)
    ws = G.mapping(torch.randn(3, 8), None)
    fused = G.synthesis(ws, fused_modconv=True)
    unfused = G.synthesis(ws, fused_modconv=False)
    assert torch.allclose(fused, unfused, atol=1e-5)
    single = G.synthesis(ws[1:2])  # one sample alone computes what it does in a batch
    assert torch.allclose(single, fused[1:2], atol=1e-5)


def test_conv_clamp_bounds_every_layer():
    G = tiny(16, conv_clamp=0.05)
    img = G(torch.randn(4, 8))
    # Three RGB outputs (4, 8, 16 px), each clamped to 0.05 and upsampled with unit DC gain.
    assert img.abs().max() <= 0.05 * 3 * 1.6


def test_orig_architecture_has_rgb_only_at_the_end():
    G = tiny(16, architecture="orig")
    names = set(G.state_dict())
    assert "synthesis.b16.torgb.weight" in names and "synthesis.b8.torgb.weight" not in names
    assert G.num_ws == 6
    ws = G.mapping(torch.randn(1, 8), None)
    assert G.synthesis(ws).shape == (1, 3, 16, 16)
    assert G.synthesis(ws, max_res=8).shape == (1, 3, 16, 16)  # no preview without skip RGB


def test_gradients_reach_every_parameter():
    G = tiny(8).train()
    G.requires_grad_(True)
    ws = G.mapping(torch.randn(2, 8), None)
    G.synthesis(ws, noise_mode="random").square().mean().backward()
    missing = [n for n, p in G.named_parameters() if p.grad is None or not p.grad.abs().sum() > 0]
    assert missing == []


def _upfirdn_by_definition(x, f, up, down, pad):
    """Zero insertion, padding, true convolution with f, decimation: spelled out."""
    n, c, h, w = x.shape
    u = torch.zeros(n, c, h * up, w * up)
    u[:, :, ::up, ::up] = x
    u = F.pad(u, [pad[0], pad[1], pad[2], pad[3]])
    k = f.flip([0, 1])[None, None].repeat(c, 1, 1, 1)
    return F.conv2d(u, k, groups=c)[:, :, ::down, ::down]


@pytest.mark.parametrize("up, down, pad", [(1, 1, (1, 2, 1, 2)), (2, 1, (2, 1, 2, 1)),
                                           (2, 1, (1, 1, 1, 1)), (1, 2, (1, 1, 1, 1)),
                                           (1, 1, (2, 2, 1, 1))])
def test_upfirdn2d_matches_its_definition(up, down, pad):
    torch.manual_seed(0)
    x = torch.randn(2, 3, 6, 6)
    f = setup_filter([1, 2, 3, 4])  # asymmetric, so a flipped filter would show
    ref = _upfirdn_by_definition(x, f, up, down, pad)
    assert torch.allclose(upfirdn2d(x, f, up=up, down=down, padding=pad), ref, atol=1e-6)


def test_resampling_keeps_constants_and_halves_or_doubles_size():
    x = torch.full((1, 2, 8, 8), 3.0)
    f = setup_filter([1, 3, 3, 1])
    up = upsample2d(x, f)
    down = downsample2d(x, f)
    assert up.shape == (1, 2, 16, 16) and down.shape == (1, 2, 4, 4)
    assert torch.allclose(up[:, :, 2:-2, 2:-2], torch.tensor(3.0))  # away from the zero padding
    assert torch.allclose(down[:, :, 1:-1, 1:-1], torch.tensor(3.0))


# --- configuration -------------------------------------------------------------------------

def sg2_config(**model) -> RunConfig:
    cfg = RunConfig(model=ModelConfig(arch="stylegan2", latent_dim=16, resolution=32, channels=1,
                                      w_dim=16, mapping_layers=2, channel_base=256, channel_max=16))
    for k, v in model.items():
        setattr(cfg.model, k, v)
    return cfg


def test_build_generator_makes_a_stylegan2_from_its_config():
    cfg = sg2_config().validate()
    G = build_generator(cfg)
    assert isinstance(G, StyleGAN2Generator)
    assert G.sample_shape == cfg.sample_shape == (1, 32, 32)
    assert G(torch.randn(2, 16)).shape == (2, 1, 32, 32)
    assert G.mapping.num_layers == 2 and G.synthesis.b32.conv1.weight.shape[0] == 8  # 256 / 32


@pytest.mark.parametrize("field, value, words", [
    ("resolution", 48, "power of two"), ("resolution", 2048, "power of two"),
    ("channels", 2, r"1 \(grey\) or 3"), ("w_dim", 0, "w_dim"), ("mapping_layers", 0, "mapping_layers"),
    ("channel_base", 16, "every resolution"), ("c_dim", -1, "c_dim"), ("conv_clamp", 0, "conv_clamp"),
    ("architecture", "resnet", "skip, orig"),
])
def test_stylegan2_config_errors_name_the_field(field, value, words):
    with pytest.raises(ConfigError, match=words) as err:
        sg2_config(**{field: value}).validate()
    assert err.value.field == f"model.{field}"


def test_stylegan2_config_accepts_large_resolutions_and_round_trips():
    cfg = sg2_config(resolution=1024, channels=3, channel_base=32768, conv_clamp=256.0).validate()
    assert RunConfig.from_json(cfg.to_json()) == cfg


def test_configs_written_before_stylegan2_still_load():
    d = RunConfig().to_dict()
    for key in ("w_dim", "mapping_layers", "channel_base", "channel_max", "c_dim", "conv_clamp",
                "architecture"):
        del d["model"][key]
    cfg = RunConfig.from_dict(d).validate()
    assert cfg.model.arch == "dcgan" and cfg.model.w_dim == 512
    with pytest.raises(ConfigError, match="pixels"):
        RunConfig(model=ModelConfig(arch="dcgan", resolution=128)).validate()  # DCGAN sizes unchanged


def test_inference_caches_follow_weight_changes():
    """Inference reuses each weight's square sums and transposed copy; an optimizer step, an
    EMA update or a load must still show in the next image."""
    import copy
    import io

    G = tiny(16).requires_grad_(False)
    ws = G.mapping(torch.randn(1, 8), None)
    before = G.synthesis(ws)  # fills the caches
    with torch.no_grad():
        G.synthesis.b8.conv0.weight.mul_(-2)  # in place, like an EMA update
        G.synthesis.b16.conv1.weight.add_(0.5)
    fresh = copy.deepcopy(G)  # a copy starts with empty caches
    after = G.synthesis(ws)
    assert not torch.allclose(after, before)
    assert torch.equal(after, fresh.synthesis(ws))
    G.load_state_dict(tiny(16).state_dict())
    assert torch.equal(G.synthesis(ws), before)
    buffer = io.BytesIO()
    torch.save(G, buffer)  # whole-module pickling still works with the caches
    assert buffer.tell() > 0
