"""Country names as lists spell them ("Germany", "USA") turned into ISO 3166 alpha-2 codes."""

from __future__ import annotations

import re
from collections import Counter
from functools import cache
from importlib import resources

# Spellings the tz database's table does not carry but lists often do.
ALIASES = {
    "usa": "US", "unitedstatesofamerica": "US", "america": "US", "uk": "GB",
    "unitedkingdom": "GB", "greatbritain": "GB", "england": "GB", "scotland": "GB",
    "wales": "GB", "northernireland": "GB", "southkorea": "KR", "northkorea": "KP",
    "czechia": "CZ", "turkiye": "TR", "holland": "NL", "thenetherlands": "NL",
    "uae": "AE", "russianfederation": "RU", "vietnam": "VN", "burma": "MM",
    "ivorycoast": "CI", "hongkongsar": "HK",
}


def _key(text: str) -> str:
    return re.sub(r"[^a-z]", "", text.lower())


@cache
def _names() -> dict[str, str]:
    # tzdata ships iso3166.tab ("DE<TAB>Germany"); it is public domain and always installed.
    table = resources.files("tzdata").joinpath("zoneinfo", "iso3166.tab").read_text("utf-8")
    rows = [line.split("\t", 1) for line in table.splitlines() if not line.startswith("#")]
    names = {_key(name): code for code, name in rows}
    # "Britain (UK)" is also "Britain"; "Korea (North)"/"Korea (South)" make "Korea" ambiguous.
    bases = [(_key(name.split("(")[0]), code) for code, name in rows if "(" in name]
    counts = Counter(base for base, _ in bases)
    names.update((base, code) for base, code in bases if counts[base] == 1)
    return names | ALIASES


def country_code(text: str) -> str:
    """The two-letter code for a country name or code; unknown text is returned unchanged."""
    value = text.strip()
    if len(value) <= 2:
        return value
    return _names().get(_key(value), value)
