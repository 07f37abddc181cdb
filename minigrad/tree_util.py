"""``minigrad.tree_util``: JAX's pytree utilities, with ``jax.tree_util``'s signatures.

Pytrees are nested tuples, lists, dicts (keys in sorted order) and None, plus the classes
registered here; every transformation (``grad``, ``jvp``, ``vjp``, ``jacfwd``, ``jacrev``,
``hessian``, ``jit``, ``lax.scan``...) flattens its arguments and results through this one
registry (``minigrad.pytree``), so a registered class works through all of them.
"""

from __future__ import annotations

import functools
from typing import Any, Callable

from .pytree import REGISTRY, TreeDef, flatten, tree_map

PyTreeDef = TreeDef

__all__ = ["tree_map", "tree_leaves", "tree_flatten", "tree_unflatten", "tree_structure",
           "tree_reduce", "tree_all", "register_pytree_node", "register_pytree_node_class",
           "PyTreeDef"]


def tree_flatten(tree, is_leaf: Callable | None = None) -> tuple[list, TreeDef]:
    """``(leaves, treedef)``: the leaves in order, and the structure that rebuilds the tree."""
    return flatten(tree, is_leaf)


def tree_unflatten(treedef: TreeDef, leaves) -> Any:
    """The tree of structure ``treedef`` holding ``leaves``."""
    return treedef.unflatten(leaves)


def tree_leaves(tree, is_leaf: Callable | None = None) -> list:
    return flatten(tree, is_leaf)[0]


def tree_structure(tree, is_leaf: Callable | None = None) -> TreeDef:
    return flatten(tree, is_leaf)[1]


_NO_INITIAL = object()


def tree_reduce(function: Callable, tree, initializer: Any = _NO_INITIAL,
                is_leaf: Callable | None = None) -> Any:
    """``functools.reduce`` over the leaves."""
    leaves = flatten(tree, is_leaf)[0]
    if initializer is _NO_INITIAL:
        return functools.reduce(function, leaves)
    return functools.reduce(function, leaves, initializer)


def tree_all(tree, *, is_leaf: Callable | None = None) -> bool:
    return all(flatten(tree, is_leaf)[0])


def register_pytree_node(nodetype: type, flatten_func: Callable, unflatten_func: Callable,
                         flatten_with_keys_func: Callable | None = None) -> None:
    """Make ``nodetype`` a pytree node: ``flatten_func(node) -> (children, aux_data)`` and
    ``unflatten_func(aux_data, children) -> node``, as ``jax.tree_util`` takes them.
    ``aux_data`` must be hashable and comparable: it is part of the structure (jit keys its
    programs on it)."""
    if not isinstance(nodetype, type):
        raise TypeError(f"register_pytree_node: nodetype must be a class, got {nodetype!r}. "
                        f"Fix: pass the class itself.")
    if nodetype in REGISTRY or nodetype in (tuple, list, dict, type(None)):
        raise ValueError(f"register_pytree_node: {nodetype.__name__} is already a pytree node "
                         f"type. Fix: register each class once.")
    REGISTRY[nodetype] = (flatten_func, unflatten_func)


def register_pytree_node_class(cls: type) -> type:
    """Class decorator: ``cls.tree_flatten(self) -> (children, aux_data)`` and the
    classmethod ``cls.tree_unflatten(aux_data, children)`` make it a pytree node."""
    register_pytree_node(cls, lambda node: node.tree_flatten(), cls.tree_unflatten)
    return cls
