"""Pytrees as JAX defines them: nested tuples, lists, dicts (keys sorted) and None.

A parameter dictionary ``{'W0': ..., 'b0': ...}`` flattens to its leaves in sorted-key
order, so gradients come back in the same structure, exactly as with ``jax.grad``.
"""

from __future__ import annotations

from typing import Any, Callable, NamedTuple


class TreeDef(NamedTuple):
    """The shape of a pytree without its leaves: ``kind`` is "leaf", "none", a container
    type, and ``meta`` holds dict keys (or None)."""

    kind: Any
    meta: Any
    children: tuple

    @property
    def num_leaves(self) -> int:
        if self.kind == "leaf":
            return 1
        return sum(c.num_leaves for c in self.children)


_LEAF = TreeDef("leaf", None, ())
_NONE = TreeDef("none", None, ())


def _children(tree):
    """(kind, meta, children) of a container node, or None for a leaf."""
    if tree is None:
        return "none", None, ()
    if isinstance(tree, dict):
        keys = sorted(tree)
        return dict, tuple(keys), [tree[k] for k in keys]
    if isinstance(tree, (list, tuple)):
        return type(tree), None, list(tree)
    return None


def flatten(tree) -> tuple[list, TreeDef]:
    """Leaves in order, and the structure to rebuild the tree from them."""
    if type(tree) is float:  # the commonest argument, decided without the walk
        return [tree], _LEAF
    leaves: list = []
    return leaves, _flatten_into(tree, leaves)


# The recursive helpers are module functions, not closures: a closure that calls itself
# is a reference cycle, and one holding a traced output would keep its whole graph alive
# until the cyclic collector ran.
def _flatten_into(node, leaves: list) -> TreeDef:
    parts = _children(node)
    if parts is None:
        leaves.append(node)
        return _LEAF
    kind, meta, kids = parts
    if kind == "none":
        return _NONE
    return TreeDef(kind, meta, tuple([_flatten_into(k, leaves) for k in kids]))


def unflatten(treedef: TreeDef, leaves) -> Any:
    """Rebuild a tree of ``treedef``'s structure from ``leaves`` (consumed in order)."""
    if treedef is _LEAF:
        return next(iter(leaves))
    return _build(treedef, iter(leaves))


def _build(td: TreeDef, it):
    if td.kind == "leaf":
        return next(it)
    if td.kind == "none":
        return None
    kids = [_build(c, it) for c in td.children]
    if td.kind is dict:
        return dict(zip(td.meta, kids))
    if issubclass(td.kind, tuple) and hasattr(td.kind, "_fields"):
        return td.kind(*kids)
    return td.kind(kids)


def tree_map(fn: Callable, tree, *rest) -> Any:
    """Apply ``fn`` leaf by leaf to ``tree`` (and trees of the same structure in ``rest``)."""
    leaves, td = flatten(tree)
    others = [flatten(r)[0] for r in rest]
    return unflatten(td, [fn(*xs) for xs in zip(leaves, *others)])


def leaf_paths(tree) -> list[str]:
    """How each leaf is reached, as Python would write it: ``""``, ``"[0]"``, ``"['W0']"``."""
    paths: list[str] = []
    _paths_into(tree, "", paths)
    return paths


def _paths_into(node, path: str, paths: list) -> None:
    parts = _children(node)
    if parts is None:
        paths.append(path)
        return
    kind, meta, kids = parts
    keys = meta if kind is dict else range(len(kids))
    for key, kid in zip(keys or (), kids):
        _paths_into(kid, f"{path}[{key!r}]", paths)
