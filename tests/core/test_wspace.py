"""W-space exploring on a tiny StyleGAN2: state -> ws, mixing, directions, noise, previews,
interpolation, files and projection."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from ganstudio.core import export, latent
from ganstudio.core.latent import wspace
from ganstudio.core.latent.wspace import WState
from ganstudio.core.latent.wspace_directions import WDirections, direction_strip, w_directions
from ganstudio.core.latent.wspace_files import load_w_latents, save_w_latents
from ganstudio.core.latent.wspace_project import project_w
from ganstudio.core.models.stylegan2.networks import StyleGAN2Generator

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def tiny(resolution: int = 16, **kw) -> StyleGAN2Generator:
    torch.manual_seed(0)
    args = dict(z_dim=8, c_dim=0, w_dim=8, img_resolution=resolution, img_channels=3,
                mapping_layers=2, channel_base=128, channel_max=16)
    args.update(kw)
    G = StyleGAN2Generator(**args).eval()
    with torch.no_grad():
        for name, p in G.named_parameters():
            if name.endswith("noise_strength"):
                p.fill_(0.5)
        # w_avg as training leaves it: the mean of the mapping's output
        G.mapping.w_avg.copy_(G.mapping(torch.randn(2000, 8), None)[:, 0].mean(0))
    return G


@pytest.fixture(scope="module")
def G() -> StyleGAN2Generator:
    return tiny()


def test_a_seed_state_renders_what_the_generator_makes_of_that_seed(G):
    state = WState.from_seed(5)
    z = latent.sample_z(5, 1, G.z_dim)
    ws = wspace.ws_of(G, state)
    assert ws.shape == (1, G.num_ws, G.w_dim)
    assert torch.allclose(ws, G.mapping(z, None), atol=1e-6)
    frame = wspace.render(G, state)
    assert frame.shape == (16, 16, 3) and frame.dtype == np.uint8
    with torch.inference_mode():
        expected = export.to_uint8(G(z))[0]
    assert np.abs(frame.astype(int) - expected.astype(int)).max() <= 1


def test_truncation_pulls_every_layer_towards_w_avg(G):
    z = latent.sample_z(2, 1, G.z_dim)
    half = wspace.ws_of(G, WState.from_seed(2, psi=0.5))
    assert torch.allclose(half, G.mapping(z, None, truncation_psi=0.5), atol=1e-5)
    zero = wspace.ws_of(G, WState.from_seed(2, psi=0.0))
    assert torch.allclose(zero[0], G.mapping.w_avg.expand(G.num_ws, -1), atol=1e-6)


def test_style_mixing_takes_the_chosen_layers_from_the_second_seed(G):
    base, other = wspace.seed_w(G, 1), wspace.seed_w(G, 9)
    state = WState.from_seed(1, mix_seed=9, mix_from=2, mix_to=4)
    ws = wspace.ws_of(G, state)[0].numpy()
    for i in range(G.num_ws):
        expected = other if 2 <= i <= 4 else base
        assert np.allclose(ws[i], expected, atol=1e-6), i
    assert not np.array_equal(wspace.render(G, state), wspace.render(G, WState.from_seed(1)))
    # Every layer from the second seed is the second seed's image.
    everything = WState.from_seed(1, mix_seed=9, mix_from=0, mix_to=None)
    assert np.array_equal(wspace.render(G, everything), wspace.render(G, WState.from_seed(9)))
    # An empty range mixes nothing.
    empty = WState.from_seed(1, mix_seed=9, mix_from=4, mix_to=2)
    assert np.array_equal(wspace.render(G, empty), wspace.render(G, WState.from_seed(1)))


def test_w_directions_are_principal_components_of_w(G):
    d = w_directions(G, n_samples=3000, k=4, batch=700)
    assert d.vectors.shape == (4, G.w_dim)
    assert np.allclose(d.vectors @ d.vectors.T, np.eye(4), atol=1e-4)
    assert np.all(np.diff(d.explained) <= 1e-6) and 0 < d.explained.sum() <= 1.0001
    # stds are the spread of w along each direction.
    with torch.inference_mode():
        w = G.mapping(latent.sample_z(77, 4000, G.z_dim), None)[:, 0].numpy()
    spread = ((w - w.mean(0)) @ d.vectors.T).std(0)
    assert np.allclose(spread, d.stds, rtol=0.1)
    again = w_directions(G, n_samples=3000, k=4, batch=1000)
    assert np.allclose(again.vectors, d.vectors, atol=1e-4)  # fixed signs


def test_direction_offsets_move_only_the_chosen_layers(G):
    d = w_directions(G, n_samples=2000, k=3)
    plain = wspace.ws_of(G, WState.from_seed(4))[0].numpy()
    moved = wspace.ws_of(G, WState.from_seed(4, offsets=(0.0, 2.0), dir_from=1, dir_to=3), d)
    moved = moved[0].numpy()
    step = 2.0 * d.stds[1] * d.vectors[1]
    for i in range(G.num_ws):
        expected = plain[i] + step if 1 <= i <= 3 else plain[i]
        assert np.allclose(moved[i], expected, atol=1e-5), i
    strip = direction_strip(G, WState.from_seed(4), d, 0, sigmas=(-2, 0, 2))
    assert strip.shape == (16 + 4, 3 * 16 + 8, 3)


def test_w_directions_save_and_load(tmp_path, G):
    d = w_directions(G, n_samples=1000, k=3)
    path = tmp_path / "dirs.npz"
    d.renamed(1, "smile").save(path)
    back = WDirections.load(path)
    assert np.array_equal(back.vectors, d.vectors) and np.array_equal(back.stds, d.stds)
    assert back.layer == "mapping" and back.labels() == ["PC1", "smile", "PC3"]
    assert np.array_equal(latent.Directions.load(path).vectors, d.vectors)  # the z reader too
    z_dirs = tmp_path / "z.npz"
    latent.Directions(d.vectors, d.explained, "main.1").save(z_dirs)
    with pytest.raises(export.FileFormatError, match="directions in z, not in W"):
        WDirections.load(z_dirs)


def test_random_noise_is_reproducible_from_its_seed_and_leaves_global_rng_alone(G):
    rng = torch.get_rng_state()
    a = wspace.render(G, WState.from_seed(3, noise_mode="random", noise_seed=1))
    b = wspace.render(G, WState.from_seed(3, noise_mode="random", noise_seed=1))
    c = wspace.render(G, WState.from_seed(3, noise_mode="random", noise_seed=2))
    const = wspace.render(G, WState.from_seed(3))
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c) and not np.array_equal(a, const)
    assert torch.equal(rng, torch.get_rng_state())
    # The copy shares the weights: nothing was duplicated but the noise.
    variant = wspace.noise_variant(G.synthesis, 1)
    assert variant.b4.conv1.weight is G.synthesis.b4.conv1.weight
    assert not torch.equal(variant.b4.conv1.noise_const, G.synthesis.b4.conv1.noise_const)
    with pytest.raises(ValueError, match="noise mode"):
        wspace.render(G, WState.from_seed(3, noise_mode="blur"))


def test_renderer_frames_match_render_and_previews_are_smaller_blocks(G):
    renderer = wspace.WRenderer(G)
    state = WState.from_seed(6, psi=0.7, mix_seed=2, mix_from=3)
    assert np.array_equal(renderer.frame(state), wspace.render(G, state))
    preview = renderer.frame(state, max_res=8)
    assert preview.shape == (8, 8, 3)
    with torch.inference_mode():
        expected = wspace.to_uint8(G.synthesis(wspace.ws_of(G, state), max_res=8))[0]
    assert np.array_equal(preview, expected)
    assert renderer.frame(state.with_(max_res=4)).shape == (4, 4, 3)


class _CostlyRenderer(wspace.WRenderer):
    """Advances a fake clock by a cost per block, so the plan's choice is deterministic."""

    def __init__(self, G, costs):
        super().__init__(G)
        self.costs, self.now, self.asked = costs, 0.0, []

    def images(self, ws, noise_mode="const", noise_seed=0, max_res=None, **kw):
        self.asked.append(max_res)
        self.now += self.costs[max_res] / 1000.0
        return super().images(ws, noise_mode, noise_seed, max_res, **kw)


def test_preview_plan_picks_the_largest_block_within_budget():
    G = tiny(64)
    r = _CostlyRenderer(G, {4: 1, 8: 3, 16: 20, 32: 60, 64: 200})
    plan = wspace.plan_preview(G, 50, renderer=r, clock=lambda: r.now, min_res=4)
    assert plan.resolution == 16 and plan.needed  # 20 ms fits 50 * 0.7; 32 px's 60 does not
    assert set(plan.ms_by_res) == {4, 8, 16, 32} and 64 not in r.asked  # stops past the budget
    assert plan.ms_by_res[32] == pytest.approx(60)
    cheap = _CostlyRenderer(G, {4: 1, 8: 1, 16: 1, 32: 1, 64: 1})
    whole = wspace.plan_preview(G, 50, renderer=cheap, clock=lambda: cheap.now)
    assert whole.resolution == 64 and not whole.needed
    slow = _CostlyRenderer(G, {4: 90, 8: 90, 16: 90, 32: 90, 64: 90})
    floor = wspace.plan_preview(G, 50, renderer=slow, clock=lambda: slow.now, min_res=16)
    assert floor.resolution == 16  # never below the floor, however slow


def test_orig_architecture_has_no_preview_and_times_the_whole_image():
    G = tiny(16, architecture="orig")
    plan = wspace.plan_preview(G, 50, threads=[1, 2], precisions=wspace.PRECISIONS)
    assert plan.resolution == 16 and not plan.needed
    # The drag frame is the whole image: timed with each thread count, in float32 only.
    assert list(plan.ms_by_res) == [16] and plan.precision == "float32"
    assert set(plan.tried) == {(1, "float32"), (2, "float32")} and plan.threads in (1, 2)


def test_interpolation_in_w_is_linear_and_passes_through_keyframes(G):
    keys = np.stack([wspace.ws_of(G, WState.from_seed(s))[0].numpy() for s in (1, 2, 3)])
    path = wspace.interpolate_ws(keys, 4)
    assert path.shape == (9, G.num_ws, G.w_dim)
    for i in range(3):
        assert np.allclose(path[4 * i], keys[i], atol=1e-6)
    assert np.allclose(path[2], (keys[0] + keys[1]) / 2, atol=1e-5)
    assert wspace.interpolate_ws(keys, 4, loop=True).shape == (12, G.num_ws, G.w_dim)


def test_interpolation_exports_as_gif_and_png_strip(tmp_path, G):
    from PIL import Image

    keys = np.stack([wspace.ws_of(G, WState.from_seed(s))[0].numpy() for s in (1, 2)])
    seen = []
    gif = wspace.export_interpolation(G, keys, tmp_path / "a.gif", 3, fps=10,
                                      progress=lambda i, t: seen.append((i, t)))
    with Image.open(gif) as im:
        assert im.size == (16, 16) and im.n_frames == 4
    assert seen[-1] == (8, 8)
    strip = wspace.export_interpolation(G, keys, tmp_path / "a.png", 3, fps=10, scale=2)
    with Image.open(strip) as im:
        assert im.size == (4 * 32, 32)
    with pytest.raises(latent.Cancelled):
        wspace.export_interpolation(G, keys, tmp_path / "b.gif", 3, fps=10,
                                    should_stop=lambda: True)
    assert not (tmp_path / "b.gif").exists()


@pytest.mark.parametrize("suffix", [".npy", ".npz", ".json"])
def test_w_latent_files_round_trip(tmp_path, G, suffix):
    ws = wspace.ws_of(G, WState.from_seed(3, mix_seed=4, mix_from=2))[0].numpy()
    keys = np.stack([ws, ws * 0.5])
    path = save_w_latents(tmp_path / f"w{suffix}", ws, keys, state={"seed": 3})
    back = load_w_latents(path, G.num_ws, G.w_dim)
    assert np.array_equal(back["ws"], ws) and np.array_equal(back["keyframes"], keys)
    alone = save_w_latents(tmp_path / f"alone{suffix}", ws)
    assert load_w_latents(alone, G.num_ws, G.w_dim)["keyframes"].shape == (0, G.num_ws, G.w_dim)
    if suffix == ".json":
        assert json.loads(path.read_text())["space"] == "w"
        assert load_w_latents(path, G.num_ws, G.w_dim)["state"] == {"seed": 3}


def test_w_files_written_elsewhere_load(tmp_path, G):
    ws = np.random.default_rng(0).normal(size=(G.num_ws, G.w_dim)).astype(np.float32)
    np.savez(tmp_path / "projected_w.npz", w=ws[None])  # NVlabs projector.py's format
    assert np.array_equal(load_w_latents(tmp_path / "projected_w.npz", G.num_ws, G.w_dim)["ws"], ws)
    np.save(tmp_path / "one.npy", ws[0])  # a single w goes to every layer
    one = load_w_latents(tmp_path / "one.npy", G.num_ws, G.w_dim)["ws"]
    assert np.array_equal(one, np.repeat(ws[:1], G.num_ws, 0))


def test_wrong_latent_files_say_what_is_wrong(tmp_path, G):
    np.save(tmp_path / "bad.npy", np.zeros((3, 5), np.float32))
    with pytest.raises(export.FileFormatError, match=r"shape \(3, 5\)"):
        load_w_latents(tmp_path / "bad.npy", G.num_ws, G.w_dim)
    export.save_latents(tmp_path / "z.json", np.zeros(8, np.float32))
    with pytest.raises(export.FileFormatError, match="holds a z latent"):
        load_w_latents(tmp_path / "z.json", G.num_ws, G.w_dim)
    save_w_latents(tmp_path / "w.json", np.zeros((G.num_ws, G.w_dim)))
    with pytest.raises(export.FileFormatError, match="W styles of a StyleGAN2"):
        export.load_latents(tmp_path / "w.json")
    with pytest.raises(export.FileFormatError, match="does not exist"):
        load_w_latents(tmp_path / "missing.npy", G.num_ws, G.w_dim)


def test_projection_into_w_recovers_a_generated_image():
    G = tiny(16)
    state = WState.from_seed(11)
    with torch.inference_mode():
        target = G.synthesis(wspace.ws_of(G, state))[0].clone()
    seen = []
    result = project_w(G, target, steps=80, progress=lambda i, t: seen.append((i, t)),
                       n_stats=2000)
    assert seen[-1] == (80, 80)
    assert result.ws.shape == (G.num_ws, G.w_dim) and result.image.shape == (3, 16, 16)
    assert np.allclose(result.ws, result.w[None])  # one w on every layer
    assert result.error < 0.2 * result.start_error
    plus = project_w(G, target, steps=40, w_plus_steps=40, n_stats=2000, loss_resolution=8)
    assert plus.w_plus and plus.loss_resolution == 8
    assert not np.allclose(plus.ws, plus.ws[:1])  # each layer its own w
    assert plus.error < 0.5 * plus.start_error
    with pytest.raises(latent.Cancelled):
        project_w(G, target, steps=10, should_stop=lambda: True, n_stats=100)
    with pytest.raises(ValueError, match="shaped"):
        project_w(G, target[:, :8], steps=1, n_stats=100)


def test_projection_works_on_a_frozen_generator_that_already_rendered():
    # Loaded generators have no weight gradients; frames rendered under inference_mode first
    # must not leave anything behind that the projection's autograd pass cannot use.
    G = tiny(16).requires_grad_(False)
    with torch.inference_mode():
        target = G.synthesis(wspace.ws_of(G, WState.from_seed(2)))[0].clone()
    result = project_w(G, target, steps=20, n_stats=500)
    assert result.error < result.start_error


def test_a_frame_can_be_abandoned_between_blocks(G):
    ws = wspace.ws_of(G, WState.from_seed(8))
    with torch.inference_mode():
        for res in (None, 8):
            whole = G.synthesis(ws, max_res=res)
            stepwise = wspace.synthesize(G, ws, max_res=res, should_stop=lambda: False)
            assert torch.equal(whole, stepwise)
    asked = []

    def stop_after_two() -> bool:
        asked.append(1)
        return len(asked) > 2

    with pytest.raises(wspace.Interrupted):
        wspace.WRenderer(G).frame(WState.from_seed(8), should_stop=stop_after_two)
    assert len(asked) == 3  # two blocks ran, the third was not started


def test_states_compare_by_their_settings_and_w():
    a = WState.from_seed(1, psi=0.5, mix_seed=2)
    assert a.same_as(WState.from_seed(1, psi=0.5, mix_seed=2))
    assert not a.same_as(a.with_(mix_to=3)) and not a.same_as(a.with_(noise_mode="random"))
    w = np.ones(8, np.float32)
    assert a.with_(w=w).same_as(a.with_(w=w.copy()))
    assert not a.with_(w=w).same_as(a.with_(w=w * 2)) and not a.with_(w=w).same_as(a)


def test_preview_plan_keeps_the_setting_that_reaches_the_larger_block():
    G = tiny(64)
    costs = {(1, "float32"): {4: 1, 8: 3, 16: 20, 32: 45, 64: 200},
             (2, "float32"): {4: 1, 8: 2, 16: 10, 32: 30, 64: 200},
             (2, "bfloat16"): {4: 1, 8: 2, 16: 8, 32: 25, 64: 200},
             (1, "bfloat16"): {4: 1, 8: 3, 16: 20, 32: 60, 64: 200}}

    class BySetting(_CostlyRenderer):
        def images(self, ws, noise_mode="const", noise_seed=0, max_res=None, **kw):
            self.costs = costs[(torch.get_num_threads(), kw.get("precision", "float32"))]
            return super().images(ws, noise_mode, noise_seed, max_res, **kw)

    r = BySetting(G, {})
    before = torch.get_num_threads()
    plan = wspace.plan_preview(G, 50, renderer=r, clock=lambda: r.now, threads=(1, 2),
                               precisions=("float32", "bfloat16"))
    # 32 px fits 35 ms with two threads, in either precision; bfloat16's 25 ms is faster
    assert (plan.resolution, plan.threads, plan.precision) == (32, 2, "bfloat16")
    assert plan.tried[(1, "float32")][32] == pytest.approx(45) and len(plan.tried) == 4
    # Where two threads are only a little faster than one, one thread is kept.
    costs[(1, "bfloat16")] = {4: 1, 8: 2, 16: 8, 32: 28, 64: 200}
    r = BySetting(G, {})
    plan = wspace.plan_preview(G, 50, renderer=r, clock=lambda: r.now, threads=(1, 2),
                               precisions=("float32", "bfloat16"))
    assert (plan.resolution, plan.threads, plan.precision) == (32, 1, "bfloat16")
    assert torch.get_num_threads() == before  # the caller's count is left as it was


def test_bfloat16_previews_stay_close_to_float32(G):
    state = WState.from_seed(3)
    exact = wspace.render(G, state, max_res=8).astype(int)
    low = wspace.render(G, state, max_res=8, precision="bfloat16").astype(int)
    assert np.abs(exact - low).mean() < 2.0
    with pytest.raises(ValueError, match="precision"):
        wspace.render(G, state, precision="float16")
