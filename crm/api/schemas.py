"""The API's contract: these schemas validate requests, shape responses and write openapi.json.

They check shape only (types, lengths, choices); rules that need the database or the domain
(duplicates, owner exists, time zone names) stay in the services.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import marshmallow as ma
from flask import url_for
from marshmallow import fields, validate

from crm.api.pagination import DEFAULT_LIMIT, MAX_LIMIT, IdCursor, TimelineCursor
from crm.ids import MAX_ID
from crm.models import (
    DIRECTIONS,
    GROWTH_LEVERS,
    INTERACTION_KINDS,
    LOGGABLE_KINDS,
    MEMBERSHIP_STATUSES,
    SOURCES,
    STAGES,
)
from crm.partners.fields import TEXT_LIMITS


class Timestamp(fields.DateTime):
    """A stored time, written as ISO 8601 with its offset, in UTC."""

    def _serialize(self, value: datetime | None, attr: str | None, obj: Any, **kwargs: Any):
        return None if value is None else value.astimezone(UTC).isoformat()


class ResourceUrl(fields.String):
    """The absolute API address of the object, built from its id."""

    def __init__(self, endpoint: str, id_arg: str, **kwargs: Any) -> None:
        super().__init__(attribute="id", dump_only=True, **kwargs)
        self.endpoint, self.id_arg = endpoint, id_arg

    def _serialize(self, value: int | None, attr: str | None, obj: Any, **kwargs: Any):
        return url_for(self.endpoint, **{self.id_arg: value}, _external=True)


class Id(fields.Integer):
    """A row id in a request: 1 to MAX_ID, so a larger number is a 422 naming the field."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(validate=validate.Range(1, MAX_ID), **kwargs)


# Days and times a request may carry: far wider than any real schedule, and narrow enough that
# the arithmetic on them (UTC conversion, a day ahead, 90 days back) stays inside Python's
# years 1 to 9999 instead of raising OverflowError.
EARLIEST_YEAR, LATEST_YEAR = 1900, 2999
YEARS = f"must be in the years {EARLIEST_YEAR} to {LATEST_YEAR}"


def _plausible_day(value: date) -> None:
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise ma.ValidationError(YEARS)


def _plausible_instant(value: datetime) -> None:
    try:
        _plausible_day(value.astimezone(UTC))
    except OverflowError:
        raise ma.ValidationError(YEARS) from None


class Day(fields.Date):
    """A day in a request (ISO 8601), in the years EARLIEST_YEAR to LATEST_YEAR."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(validate=_plausible_day, **kwargs)


class Instant(fields.AwareDateTime):
    """A time in a request: ISO 8601 with its offset, in the years EARLIEST_YEAR to
    LATEST_YEAR."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("error_messages", {
            "invalid_awareness": "Must include a UTC offset, e.g. +01:00 or Z."})
        super().__init__(validate=_plausible_instant, **kwargs)


def _text(limit: int, **kwargs: Any) -> fields.String:
    return fields.String(validate=validate.Length(max=limit), **kwargs)


# --- errors (documentation only; crm.http_errors writes them) ---------------------------


class ApiErrorDetailSchema(ma.Schema):
    code = fields.String(metadata={"description": "Machine-readable, e.g. invalid_input"})
    message = fields.String()
    field_errors = fields.Dict(
        keys=fields.String(), values=fields.String(), data_key="fields",
        metadata={"description": "Each offending field and what is wrong with it"},
    )


class ApiErrorSchema(ma.Schema):
    error = fields.Nested(ApiErrorDetailSchema)


# --- shared pieces -----------------------------------------------------------------------


class UserRefSchema(ma.Schema):
    id = fields.Integer()
    name = fields.String()
    email = fields.String()


class MembershipSchema(ma.Schema):
    id = fields.Integer(metadata={"description": "Its growth records are under /memberships/<id>"})
    client_id = fields.Integer()
    client_name = fields.String(attribute="client.name")
    partner_id = fields.Integer()
    partner_name = fields.String(attribute="partner.name")
    status = fields.String(metadata={"enum": list(MEMBERSHIP_STATUSES)})
    commission_terms = fields.String()
    started_on = fields.Date(allow_none=True)
    created_at = Timestamp()


class PageArgsSchema(ma.Schema):
    limit = fields.Integer(
        load_default=DEFAULT_LIMIT, validate=validate.Range(1, MAX_LIMIT),
        metadata={"description": f"Items per page, 1 to {MAX_LIMIT}"},
    )
    cursor = IdCursor(metadata={"description": "next_cursor from the previous page"})

    @ma.pre_load
    def _drop_blanks(self, data: Any, **kwargs: Any) -> dict[str, Any]:
        # Like the list page, an empty query argument means "not given".
        return {key: value for key, value in data.items() if value != ""}


# --- partners ----------------------------------------------------------------------------


class PartnerSchema(ma.Schema):
    id = fields.Integer()
    name = fields.String()
    email = fields.String(allow_none=True)
    phone = fields.String()
    company = fields.String()
    website = fields.String()
    channels = fields.List(fields.String())
    country = fields.String()
    timezone = fields.String()
    source = fields.String(metadata={"enum": list(SOURCES)})
    source_list = fields.String()
    stage = fields.String(metadata={"enum": list(STAGES)})
    owner_id = fields.Integer(allow_none=True)
    owner = fields.Nested(UserRefSchema, allow_none=True)
    about = fields.String()
    tags = fields.List(fields.String(), attribute="tag_names")
    memberships = fields.List(fields.Nested(MembershipSchema))
    created_at = Timestamp()
    updated_at = Timestamp()
    last_interaction_at = Timestamp(allow_none=True)
    url = ResourceUrl("api_partners.partner", "partner_id")


class PartnerUpdateSchema(ma.Schema):
    """Partner fields a caller may set; any subset of them on PATCH."""

    name = fields.String(validate=validate.Length(1, TEXT_LIMITS["name"]))
    email = fields.Email(allow_none=True, validate=validate.Length(max=254))
    phone = _text(TEXT_LIMITS["phone"])
    company = _text(TEXT_LIMITS["company"])
    website = _text(500, allow_none=True)
    channels = fields.List(fields.String(validate=validate.Length(1, 64)))
    country = fields.String(metadata={"description": "ISO 3166 two-letter code, e.g. DE"})
    timezone = fields.String(metadata={"description": "IANA name, e.g. Europe/Berlin"})
    source = fields.String(validate=validate.OneOf(SOURCES))
    source_list = _text(TEXT_LIMITS["source_list"])
    stage = fields.String(validate=validate.OneOf(STAGES))
    owner_id = Id(strict=True, allow_none=True)
    about = _text(TEXT_LIMITS["about"])
    tags = fields.List(fields.String(validate=validate.Length(1, 64)))


class PartnerCreateSchema(PartnerUpdateSchema):
    name = fields.String(required=True, validate=validate.Length(1, TEXT_LIMITS["name"]))


class PartnerListArgsSchema(PageArgsSchema):
    q = fields.String(metadata={"description": "Words matched in name, email, company, website"})
    stage = fields.String(validate=validate.OneOf(STAGES))
    owner_id = Id()
    client_id = Id(metadata={"description": "Only members of this client's program"})
    source = fields.String(validate=validate.OneOf(SOURCES))
    tag = fields.String()


class PartnerPageSchema(ma.Schema):
    items = fields.List(fields.Nested(PartnerSchema))
    next_cursor = fields.String(allow_none=True)


# --- interactions ------------------------------------------------------------------------


class InteractionSchema(ma.Schema):
    id = fields.Integer()
    partner_id = fields.Integer()
    kind = fields.String(metadata={"enum": list(INTERACTION_KINDS)})
    direction = fields.String(metadata={"enum": list(DIRECTIONS)})
    occurred_at = Timestamp()
    summary = fields.String()
    body = fields.String()
    author = fields.Nested(UserRefSchema, allow_none=True)
    created_at = Timestamp()


class InteractionCreateSchema(ma.Schema):
    kind = fields.String(required=True, validate=validate.OneOf(LOGGABLE_KINDS))
    summary = fields.String(required=True, validate=validate.Length(1, 300))
    body = fields.String()
    direction = fields.String(validate=validate.OneOf(DIRECTIONS))
    occurred_at = Instant(metadata={"description": "ISO 8601 with offset; default now"})


class TimelineArgsSchema(PageArgsSchema):
    cursor = TimelineCursor(metadata={"description": "next_cursor from the previous page"})


class InteractionPageSchema(ma.Schema):
    items = fields.List(fields.Nested(InteractionSchema))
    next_cursor = fields.String(allow_none=True)


# --- clients -----------------------------------------------------------------------------


class ClientSchema(ma.Schema):
    id = fields.Integer()
    name = fields.String()
    website = fields.String()
    goals = fields.String()
    brand_notes = fields.String()
    growth_levers = fields.List(fields.String(metadata={"enum": list(GROWTH_LEVERS)}))
    created_at = Timestamp()
    url = ResourceUrl("api_clients.client", "client_id")


class ClientDetailSchema(ClientSchema):
    members = fields.List(fields.Nested(MembershipSchema), attribute="memberships")


class ClientUpdateSchema(ma.Schema):
    """Client fields a caller may set; any subset of them on PATCH."""

    name = fields.String(validate=validate.Length(1, 120))
    website = _text(255)
    goals = _text(20_000)
    brand_notes = _text(20_000)
    growth_levers = fields.List(fields.String(validate=validate.OneOf(GROWTH_LEVERS)))


class ClientCreateSchema(ClientUpdateSchema):
    name = fields.String(required=True, validate=validate.Length(1, 120))


class ClientPageSchema(ma.Schema):
    items = fields.List(fields.Nested(ClientSchema))
    next_cursor = fields.String(allow_none=True)


class MemberCreateSchema(ma.Schema):
    partner_id = Id(required=True, strict=True)
    status = fields.String(validate=validate.OneOf(MEMBERSHIP_STATUSES))
    commission_terms = _text(255)
    started_on = Day(allow_none=True)
