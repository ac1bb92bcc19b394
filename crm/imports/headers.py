"""Which CSV column feeds which partner field: header aliases, matched loosely."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

# Aliases are compared after `normalize_header`: lowercase letters and digits only, so
# "E-mail", "e_mail" and "E Mail" are all "email". First name + last name make a name.
ALIASES: dict[str, tuple[str, ...]] = {
    "name": (
        "name", "fullname", "contactname", "contact", "yourname", "person", "partnername",
        "affiliatename", "influencer", "creator", "creatorname", "displayname",
    ),
    "first_name": ("firstname", "first", "givenname", "forename"),
    "last_name": ("lastname", "last", "surname", "familyname"),
    "email": (
        "email", "emailaddress", "mail", "emails", "email1", "primaryemail", "workemail",
        "businessemail", "emailaddress1", "email1value",
    ),
    "website": (
        "website", "url", "site", "domain", "blog", "homepage", "web", "websiteurl", "siteurl",
        "blogurl", "webaddress", "channelurl",
    ),
    "company": (
        "company", "companyname", "organisation", "organization", "organisationname",
        "organizationname", "org", "publisher", "publishername", "brand", "business",
        "businessname",
    ),
    "phone": (
        "phone", "phonenumber", "mobile", "mobilephone", "mobilenumber", "telephone", "tel",
        "cell", "cellphone", "whatsapp", "phone1value",
    ),
    "country": ("country", "countrycode", "countryregion"),
    "timezone": ("timezone", "tz"),
    "channels": (
        "channels", "channel", "platforms", "promotionmethods", "promotionmethod",
        "promotionalmethods", "trafficsources",
    ),
    "tags": ("tags", "tag", "labels", "label"),
    "source": ("source", "leadsource"),
    "about": ("notes", "note", "comments", "comment", "about", "description", "bio"),
    "owner": (
        "owner", "owneremail", "manager", "manageremail", "accountmanager", "assignedto",
        "partnermanager",
    ),
}
# "Contact email", "Lead source", "Partner website": a prefix that says whose, then the field.
PREFIXES = ("contact", "lead", "partner", "affiliate", "customer", "primary")
# Any one of these makes a row of cells a header; without one the file cannot be imported.
IDENTIFYING = frozenset({"name", "first_name", "last_name", "email", "website", "company"})
FIELD_BY_ALIAS = {alias: field for field, aliases in ALIASES.items() for alias in aliases}


def normalize_header(text: str) -> str:
    """'E-mail Address ' → 'emailaddress': lowercase ASCII letters and digits only."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", folded.lower())


def field_for(header: str) -> str | None:
    """The partner field a column header names, or None."""
    key = normalize_header(header)
    if key in FIELD_BY_ALIAS:
        return FIELD_BY_ALIAS[key]
    for prefix in PREFIXES:
        if key.startswith(prefix) and key[len(prefix):] in FIELD_BY_ALIAS:
            return FIELD_BY_ALIAS[key[len(prefix):]]
    return None


@dataclass(frozen=True)
class HeaderMap:
    """The header row understood: column indexes per field, and the columns left out."""

    headers: tuple[str, ...]
    columns: dict[str, tuple[int, ...]]
    ignored: tuple[str, ...]

    @property
    def recognisable(self) -> bool:
        return bool(IDENTIFYING & self.columns.keys())

    def used(self) -> list[tuple[str, str]]:
        """(header, field) for every column that is read, in file order."""
        field_of = {index: field for field, indexes in self.columns.items() for index in indexes}
        return [(self.headers[i], field_of[i]) for i in sorted(field_of)]

    def read(self, values: Sequence[str]) -> dict[str, str]:
        """Field → text for one row: the first non-blank cell among the field's columns."""
        raw: dict[str, str] = {}
        width = len(values)
        for field, indexes in self.columns.items():
            for index in indexes:
                text = values[index].strip() if index < width else ""
                if text:
                    raw[field] = text
                    break
        return raw


def map_headers(cells: Sequence[str]) -> HeaderMap:
    """Match each header cell to a field; unknown, non-blank headers are listed as ignored."""
    columns: dict[str, list[int]] = {}
    ignored: list[str] = []
    for index, cell in enumerate(cells):
        field = field_for(cell)
        if field is not None:
            columns.setdefault(field, []).append(index)
        elif cell.strip():
            ignored.append(cell.strip())
    return HeaderMap(
        headers=tuple(cell.strip() for cell in cells),
        columns={field: tuple(indexes) for field, indexes in columns.items()},
        ignored=tuple(ignored),
    )
