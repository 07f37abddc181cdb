"""jaxbridge: the same user functions, differentiated by JAX on its default device.

A function written with Python operators and ``minigrad.numpy`` dispatches to
``jax.numpy`` when it receives JAX arrays or tracers, so these transformations simply
hand the user's function object to ``jax.grad``, ``jax.jvp`` and friends: JAX runs the
function itself, never a replay of minigrad's graph.  The names and signatures are
minigrad's (and JAX's); ``jit=True`` compiles the transformed function.  ``jaxpr`` shows
what JAX traced (of the function, its jvp or its grad) and ``align`` puts it beside
minigrad's variables.  ``check_gradients_at`` checks many points in one vmap sharded over
all local devices.
"""

from .batch import BatchReport, check_gradients_at, sharded_vmap
from .device import device, precision
from .jaxpr import Alignment, JaxprView, align, jaxpr
from .transforms import grad, hessian, jacfwd, jacrev, jit, jvp, value_and_grad, vjp, vmap

__all__ = ["grad", "value_and_grad", "jvp", "vjp", "jacfwd", "jacrev", "hessian", "jit", "vmap",
           "device", "precision", "jaxpr", "align", "JaxprView", "Alignment",
           "sharded_vmap", "check_gradients_at", "BatchReport"]
