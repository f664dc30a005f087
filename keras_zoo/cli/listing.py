"""The snapshot the ``keras-zoo`` listings answer from without Keras
(:mod:`keras_zoo_cli.catalog`), made from the registries: ``python -m keras_zoo.cli.listing``
rewrites it; ``tests/test_cli_fast.py`` fails while it differs from them. The listing commands
themselves are :mod:`keras_zoo_cli.listing`.
"""

from __future__ import annotations

import pprint
from pathlib import Path
from typing import Any

from keras_zoo_cli import catalog as generated
from keras_zoo_cli.listing import KINDS, plain, text_table

__all__ = ["KINDS", "live_catalog", "plain", "render_catalog", "stored_catalog", "text_table"]


# === The snapshot ===

def live_catalog() -> dict[str, dict[str, Any]]:
    """The registries' listings, as :mod:`keras_zoo_cli.catalog` holds them (imports Keras)."""
    from keras_zoo import datasets as registry
    from keras_zoo import zoo
    from keras_zoo.zoo import catalog

    return {
        "MODELS": {n: (zoo.model_info(n).family, zoo.model_info(n).description)
                   for n in zoo.list_models()},
        "DATASETS": registry.list_datasets(),
        "COMPONENTS": {kind: getattr(catalog, f"list_{kind}")() for kind in KINDS},
    }


def stored_catalog() -> dict[str, dict[str, Any]]:
    """What :mod:`keras_zoo_cli.catalog` holds, shaped as :func:`live_catalog`."""
    return {"MODELS": generated.MODELS, "DATASETS": generated.DATASETS,
            "COMPONENTS": generated.COMPONENTS}


_HEADER = '''"""What ``keras-zoo models``, ``datasets`` and ``components`` list, without importing Keras.

Generated from the registries by ``python -m keras_zoo.cli.listing``: do not edit by hand
(``tests/test_cli_fast.py`` fails when this differs from the registries).
"""

'''
_TYPES = {"MODELS": "dict[str, tuple[str, str]]", "DATASETS": "dict[str, str]",
          "COMPONENTS": "dict[str, dict[str, str]]"}


def _entry(key: str, value: Any, pad: str) -> str:
    """One ``key: value,`` line of a dict literal (wrapped to 100 columns)."""
    if isinstance(value, dict):
        return "\n".join([f"{pad}{key!r}: {{", *(_entry(k, v, pad + "    ") for k, v in
                                                value.items()), f"{pad}}},"])
    line = f"{pad}{key!r}: {value!r},"
    if len(line) <= 100:
        return line
    body = pprint.pformat(value, width=100 - len(pad) - 5).splitlines()
    return "\n".join([f"{pad}{key!r}:", *(f"{pad}    {b}" for b in body[:-1]),
                      f"{pad}    {body[-1]},"])


def render_catalog(snapshot: dict[str, dict[str, Any]]) -> str:
    """The text of :mod:`keras_zoo_cli.catalog` holding ``snapshot``."""
    parts = [f"{name}: {_TYPES[name]} = {{\n"
             + "".join(_entry(k, v, "    ") + "\n" for k, v in table.items()) + "}\n"
             for name, table in snapshot.items()]
    return _HEADER + "\n".join(parts)


if __name__ == "__main__":  # pragma: no cover - `python -m keras_zoo.cli.listing`
    target = Path(generated.__file__)
    target.write_text(render_catalog(live_catalog()))
    print(f"wrote {target}")
