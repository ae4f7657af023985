"""The rule packs: CN, US (Regulation F), US-MA (US + Massachusetts), UK (CONC 7).

`get_pack(id)` returns a `faircollect.rules.pack.Pack`; modules load on first use.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from faircollect.rules.pack import Pack

__all__ = ["PACK_IDS", "all_packs", "get_pack"]

PACK_IDS: tuple[str, ...] = ("CN", "US", "US-MA", "UK")
_MODULES = {"CN": "cn", "US": "us", "US-MA": "us_ma", "UK": "uk"}


_LOADED: dict[str, Pack] = {}


def get_pack(pack_id: str) -> Pack:
    pack = _LOADED.get(pack_id)
    if pack is None:
        try:
            mod = _MODULES[pack_id]
        except KeyError:
            raise KeyError(
                f"unknown pack {pack_id!r}; expected one of {', '.join(PACK_IDS)}"
            ) from None
        pack = _LOADED[pack_id] = import_module(f"faircollect.rules.packs.{mod}").PACK
    return pack


def all_packs() -> tuple[Pack, ...]:
    return tuple(get_pack(p) for p in PACK_IDS)
