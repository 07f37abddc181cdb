"""``minigrad.tree``: JAX's short names for the pytree utilities (``jax.tree.map``...)."""

from __future__ import annotations

from typing import Any

from .pytree import TreeDef
from .tree_util import tree_all as all
from .tree_util import tree_flatten as flatten
from .tree_util import tree_leaves as leaves
from .tree_util import tree_map as map
from .tree_util import tree_reduce as reduce
from .tree_util import tree_structure as structure

__all__ = ["map", "leaves", "flatten", "unflatten", "structure", "reduce", "all"]


def unflatten(treedef: TreeDef, leaves: Any) -> Any:  # (jax.tree.unflatten: same order)
    return treedef.unflatten(leaves)

