"""Write the list of ``jax.numpy`` functions that ``minigrad.numpy`` does not have yet into
docs/api/namespace.md (between ``<!-- missing-jax-numpy -->`` and its closing marker).

    python docs/missing_jax_numpy.py          # rewrite the list from the installed JAX
    python docs/missing_jax_numpy.py --check  # exit 1 if the committed list is not current

A function is a public callable of ``dir(jax.numpy)`` that is neither a class (dtypes such
as ``float32``) nor a module (``linalg``, ``fft``).  The list names the JAX version it was
computed from: with another JAX installed the comparison would be against another
namespace, so ``--check`` then checks only that no listed name exists in minigrad.
"""

from __future__ import annotations

import inspect
import re
import sys
from pathlib import Path

PAGE = Path(__file__).parent / "api" / "namespace.md"
OPEN, CLOSE = "<!-- missing-jax-numpy -->", "<!-- /missing-jax-numpy -->"


def jax_functions() -> tuple[str, list[str]]:
    """The installed JAX's version and the names of its ``jax.numpy`` functions, sorted."""
    import jax
    import jax.numpy as jnp

    def is_function(name: str) -> bool:
        obj = getattr(jnp, name)
        return callable(obj) and not inspect.isclass(obj) and not inspect.ismodule(obj)

    return jax.__version__, sorted(n for n in dir(jnp) if not n.startswith("_") and is_function(n))


def missing(names: list[str]) -> list[str]:
    """Those of ``names`` that minigrad.numpy lacks."""
    import minigrad.numpy as mnp

    return [n for n in names if not hasattr(mnp, n)]


def block(version: str, names: list[str]) -> str:
    """The list as the page shows it."""
    lacking = missing(names)
    return (f"\nJAX {version}: {len(lacking)} of its {len(names)} functions.\n\n"
            + ", ".join(f"`{n}`" for n in lacking) + "\n")


def committed(page: str) -> str:
    return page.split(OPEN)[1].split(CLOSE)[0]


def listed(text: str) -> tuple[str, list[str]]:
    """The JAX version and the names a committed list gives."""
    return re.search(r"JAX (\S+):", text).group(1), re.findall(r"`(\w+)`", text)


def main(argv: list[str]) -> int:
    page = PAGE.read_text()
    version, names = jax_functions()
    current, want = committed(page), block(version, names)
    if "--check" in argv:
        listed_version, listed_names = listed(current)
        stale = [n for n in listed_names if n not in missing(listed_names)]
        if stale or (listed_version == version and current != want):
            print(f"{PAGE} lists jax.numpy functions minigrad lacks that are out of date "
                  f"(now present: {stale or 'none'}); run python docs/missing_jax_numpy.py")
            return 1
        return 0
    PAGE.write_text(page.replace(OPEN + current + CLOSE, OPEN + want + CLOSE))
    print(f"wrote {PAGE}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
