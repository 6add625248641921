"""Low-pass filter design for the alias-free generator (Karras et al., 2021, appendix C).

Every layer of StyleGAN3 upsamples its feature maps, applies the nonlinearity at the higher
rate and low-passes them back down. The filters are Kaiser-windowed sincs ("the window
method"): the ideal low-pass impulse response truncated to `numtaps` taps and tapered by a
Kaiser window whose shape parameter beta is chosen from the transition band width by
Kaiser's empirical formulas (Oppenheim & Schafer, "Discrete-Time Signal Processing", 7.6).
Config R replaces the separable downsampling filter with a radially symmetric one: a jinc
(the 2-D Fourier transform of a disc) under the outer product of two Kaiser windows.

Only numpy and torch are used; the numbers agree with the usual SciPy design routines
(`firwin` with a Kaiser window, `kaiser_beta`, `kaiser_atten`) to float32 precision, so
filters designed here equal the ones stored in NVIDIA's snapshots.
"""

from __future__ import annotations

import math

import numpy as np
import torch


def kaiser_attenuation(numtaps: int, width: float) -> float:
    """Stopband attenuation in dB that a Kaiser-window filter of `numtaps` taps reaches with a
    transition band of `width` (a fraction of the Nyquist frequency)."""
    return 2.285 * (numtaps - 1) * math.pi * width + 7.95


def kaiser_beta(attenuation: float) -> float:
    """Kaiser's window shape parameter for a stopband attenuation in dB."""
    a = float(attenuation)
    if a > 50:
        return 0.1102 * (a - 8.7)
    if a > 21:
        return 0.5842 * (a - 21) ** 0.4 + 0.07886 * (a - 21)
    return 0.0


def _kaiser_window(numtaps: int, width: float, fs: float) -> np.ndarray:
    """The symmetric Kaiser window for a transition band `width` (Hz) at sampling rate `fs`."""
    beta = kaiser_beta(kaiser_attenuation(numtaps, width / (fs / 2)))
    return np.kaiser(numtaps, beta)


def kaiser_lowpass(numtaps: int, cutoff: float, width: float, fs: float) -> np.ndarray:
    """1-D windowed-sinc low-pass filter (float64), normalised to unit gain at DC.

    cutoff and width in the same unit as fs (cycles per unit length here: the generator's
    sampling rates are in pixels per image-space unit)."""
    centred = np.arange(numtaps) - (numtaps - 1) / 2
    band = cutoff / (fs / 2)  # the cutoff as a fraction of Nyquist
    taps = band * np.sinc(band * centred) * _kaiser_window(numtaps, width, fs)
    return taps / taps.sum()


def radial_lowpass(numtaps: int, cutoff: float, width: float, fs: float) -> np.ndarray:
    """2-D radially symmetric low-pass filter (float64, numtaps x numtaps): the jinc of a
    disc of radius `cutoff` times a separable Kaiser window, normalised to unit DC gain."""
    coords = (np.arange(numtaps) - (numtaps - 1) / 2) / fs
    r = np.hypot(*np.meshgrid(coords, coords))
    arg = torch.from_numpy(2 * cutoff * math.pi * r)
    j1 = torch.special.bessel_j1(arg).numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        jinc = j1 / (math.pi * r)
    # At r = 0 (odd tap counts only) J1(a r) / (pi r) tends to a / (2 pi) = cutoff.
    jinc = np.where(r == 0, cutoff, jinc)
    window = _kaiser_window(numtaps, width, fs)
    taps = jinc * np.outer(window, window)
    return taps / taps.sum()


def design_lowpass(numtaps: int, cutoff: float, width: float, fs: float,
                   radial: bool = False) -> torch.Tensor | None:
    """The float32 filter a layer stores: None for one tap (no filtering at all), 1-D taps
    applied separably, or a 2-D radial kernel."""
    if numtaps < 1:
        raise ValueError(f"a filter needs at least one tap, not {numtaps}")
    if numtaps == 1:
        return None
    taps = radial_lowpass(numtaps, cutoff, width, fs) if radial else kaiser_lowpass(numtaps, cutoff, width, fs)
    return torch.as_tensor(taps, dtype=torch.float32)
