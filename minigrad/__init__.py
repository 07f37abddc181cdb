"""minigrad: forward- and reverse-mode AD over an explicit computation graph.

Write a function once with Python operators and ``minigrad.numpy``; record it with
``trace`` to see its Wengert list, or differentiate it with the JAX-style
transformations below.
"""

from . import ad_checkpoint, lax, nn, numpy, random, scipy, tree, tree_util
from .array import Array, block_until_ready, device_put
from .batching import vmap
from .custom import custom_jvp, custom_vjp, primitive
from .errors import (EscapedVariableError, GuardError, MinigradError, ShapeError, SingularMatrixError,
                     TracedValueError, TransformError)
from .graph import Const, Graph, Variable, scope, trace
from .jit import jit
from .linear import linear_transpose, linearize
from .modes import forward_sweep, reverse_sweep
from .primitives import TABLE as PRIMITIVES
from .primitives import Primitive
from .remat import checkpoint, checkpoint_name, checkpoint_policies, remat
from .transforms import grad, hessian, jacfwd, jacrev, jvp, value_and_grad, vjp
from .tree_util import tree_map  # (jax.tree_map, which the older tutorials use)

__all__ = [
    "numpy", "lax", "nn", "random", "scipy", "tree", "tree_util", "tree_map", "Array", "device_put", "block_until_ready",
    "trace", "scope", "Graph", "Variable", "Const", "Primitive", "PRIMITIVES",
    "grad", "value_and_grad", "jvp", "vjp", "jacfwd", "jacrev", "hessian",
    "forward_sweep", "reverse_sweep", "jit", "vmap", "linearize", "linear_transpose", "checkpoint",
    "remat", "checkpoint_policies", "checkpoint_name", "ad_checkpoint", "custom_jvp", "custom_vjp", "primitive",
    "MinigradError", "TracedValueError", "ShapeError", "TransformError", "EscapedVariableError",
    "GuardError", "SingularMatrixError",
]
__version__ = "0.1.0"
