"""Benchmarks of minigrad: ``python -m bench`` (``--quick`` for the CI smoke test).

The first benchmark measures the "cheap gradient" ratio: the time of minigrad's gradient
(record the graph, then one reverse sweep) over the time of plain evaluation of the same
function, next to the forward-mode JVP, on a 10,000-node scalar expression graph and on
the logistic-regression objective with 10,000 x 100 data.
"""
