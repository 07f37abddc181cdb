"""Benchmarks of minigrad, each checking its derivatives before it times them.

``python -m bench``: the "cheap gradient" ratio, minigrad's gradient and JVP over plain
evaluation (cheap_gradient.py).  ``python -m bench --peers``: minigrad against micrograd,
autograd, PyTorch and JAX on every workload of issue 5 (peers/).  ``python -m bench
--bridge``: jaxbridge against JAX itself (bridge.py).  ``--quick`` is the CI smoke test.
"""
