"""Pytrees as JAX defines them: nested tuples, lists, dicts (keys sorted), None, and the
classes registered with ``register_pytree_node`` (``minigrad.tree_util``).

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

    @property
    def num_nodes(self) -> int:
        return 1 + sum(c.num_nodes for c in self.children)

    def unflatten(self, leaves) -> Any:
        """The tree of this structure holding ``leaves`` (``jax.tree_util.PyTreeDef.unflatten``)."""
        return unflatten(self, leaves)

    def __repr__(self) -> str:
        return f"PyTreeDef({_structure_text(self)})"


def _structure_text(td: "TreeDef") -> str:
    if td.kind == "leaf":
        return "*"
    if td.kind == "none":
        return "None"
    kids = [_structure_text(c) for c in td.children]
    if td.kind is dict:
        return "{" + ", ".join(f"{k!r}: {c}" for k, c in zip(td.meta, kids)) + "}"
    if td.kind is list:
        return "[" + ", ".join(kids) + "]"
    if td.kind is tuple:
        return "(" + ", ".join(kids) + ("," if len(kids) == 1 else "") + ")"
    return f"{td.kind.__name__}[{td.meta!r}](" + ", ".join(kids) + ")"


# Classes registered as pytree nodes: type -> (flatten: node -> (children, aux), unflatten:
# (aux, children) -> node), as jax.tree_util.register_pytree_node takes them.
REGISTRY: dict[type, tuple[Callable, Callable]] = {}


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
    node = REGISTRY.get(type(tree))
    if node is not None:
        kids, aux = node[0](tree)
        return type(tree), aux, list(kids)
    return None


def flatten(tree, is_leaf: Callable | None = None) -> tuple[list, TreeDef]:
    """Leaves in order, and the structure to rebuild the tree from them; ``is_leaf(node)``
    true stops the walk there (JAX's argument)."""
    if type(tree) is float:  # the commonest argument, decided without the walk
        return [tree], _LEAF
    leaves: list = []
    return leaves, _flatten_into(tree, leaves, is_leaf)


# The recursive helpers are module functions, not closures: a closure that calls itself
# is a reference cycle, and one holding a traced output would keep its whole graph alive
# until the cyclic collector ran.
def _flatten_into(node, leaves: list, is_leaf) -> TreeDef:
    parts = None if is_leaf is not None and is_leaf(node) else _children(node)
    if parts is None:
        leaves.append(node)
        return _LEAF
    kind, meta, kids = parts
    if kind == "none":
        return _NONE
    return TreeDef(kind, meta, tuple([_flatten_into(k, leaves, is_leaf) for k in kids]))


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
    node = REGISTRY.get(td.kind)
    if node is not None:
        return node[1](td.meta, kids)
    if issubclass(td.kind, tuple) and hasattr(td.kind, "_fields"):
        return td.kind(*kids)
    return td.kind(kids)


def tree_map(fn: Callable, tree, *rest, is_leaf: Callable | None = None) -> Any:
    """Apply ``fn`` leaf by leaf to ``tree`` (and trees of the same structure in ``rest``,
    whose subtrees at ``tree``'s leaves are passed whole, as JAX does)."""
    leaves, td = flatten(tree, is_leaf)
    others = [flatten_up_to(td, r) for r in rest]
    return unflatten(td, [fn(*xs) for xs in zip(leaves, *others)])


def flatten_up_to(td: TreeDef, tree) -> list:
    """The subtrees of ``tree`` at the leaves of structure ``td`` (a prefix of its own)."""
    out: list = []
    _up_to(td, tree, out)
    return out


def _up_to(td: TreeDef, node, out: list) -> None:
    if td.kind == "leaf":
        out.append(node)
        return
    parts = _children(node)
    kind, meta, kids = parts if parts is not None else (type(node), None, [])
    if td.kind == "none" and node is None:
        return
    if kind != td.kind or meta != td.meta or len(kids) != len(td.children):
        raise ValueError(f"tree_map: a tree of structure {_structure_text(td)} was mapped "
                         f"together with one of a different structure ({node!r:.80}). Fix: "
                         f"pass trees of the same structure (or whose structure starts with it).")
    for c, k in zip(td.children, kids):
        _up_to(c, k, out)


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
    keys = meta if kind is dict else range(len(kids))  # (a registered class: flat positions)
    for key, kid in zip(keys or (), kids):
        _paths_into(kid, f"{path}[{key!r}]", paths)
