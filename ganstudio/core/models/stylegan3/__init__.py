"""StyleGAN3 (alias-free) generators, configs T and R: see networks.py."""

from __future__ import annotations

from .networks import StyleGAN3Generator, SynthesisNetwork, layer_plan
from .transform import InputTransformError, input_transform_matrix, set_input_transform

__all__ = ["InputTransformError", "StyleGAN3Generator", "SynthesisNetwork", "input_transform_matrix",
           "layer_plan", "set_input_transform"]
