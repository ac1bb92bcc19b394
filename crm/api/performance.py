"""/api/v1/performance and /api/v1/partners/<id>/performance: daily figures, imported and read.

POST /performance takes JSON rows or a raw CSV body (Content-Type: text/csv, the same files
the import page takes); either way every row is checked first and a request imports all of
its rows or none.
"""

from __future__ import annotations

import functools
from datetime import date, timedelta
from typing import Any

import marshmallow as ma
from flask import request
from flask.views import MethodView
from marshmallow import fields, validate

from crm import clock
from crm.api.blueprint import ApiBlueprint, api_user
from crm.api.pagination import decode_cursor, encode_cursor
from crm.api.partners import load_partner
from crm.api.schemas import Day, Id, Timestamp
from crm.errors import InvalidInput
from crm.extensions import db
from crm.ids import parse_id
from crm.imports.uploads import discard_upload, save_upload
from crm.performance.queries import days_query, partner_series
from crm.performance.report import PerformanceReport
from crm.performance.service import (
    RowsRejected,
    import_file,
    import_options,
    import_rows,
    preview_file,
)

blp = ApiBlueprint(
    "api_performance", __name__, url_prefix="/api/v1",
    description="Performance: daily clicks, conversions, revenue and commission.",
)

DAY = {"description": "ISO 8601 date, e.g. 2026-03-09"}
CENTS = {"description": "Whole cents in the program's currency; negative for reversals"}
DEFAULT_DAYS = 90
MAX_PARTNER_DAYS = 731
MAX_ROWS = 100_000


# --- importing ---------------------------------------------------------------------------


class Money(fields.Field):
    """An amount as text ("1,234.50", "$12") or a JSON number; loads as its text."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise ma.ValidationError('Not an amount: send a string like "1234.50" or a number.')
        return value if isinstance(value, str) else str(value)


class PerformanceRowInSchema(ma.Schema):
    date = fields.String(required=True, metadata={"format": "date", **DAY})
    partner_id = Id(metadata={"description": "Rapport's partner id"})
    email = fields.String(metadata={"description": "The partner's email"})
    website = fields.String(metadata={"description": "The partner's website or domain"})
    partner = fields.String(metadata={
        "description": "What the network calls the partner: an email, website, id or name"})
    client_id = Id(metadata={"description": "Used when the body names no client"})
    client = fields.String(metadata={"description": "Client name; as client_id"})
    clicks = fields.Integer(load_default=0, metadata={"minimum": 0})
    conversions = fields.Integer(load_default=0, metadata={"minimum": 0})
    revenue = Money(load_default="0", metadata={
        "type": ["string", "number"], "example": "1234.50",
        "description": "Up to 2 decimals, in the program's currency; negative for returns"})
    commission = Money(load_default="0", metadata={
        "type": ["string", "number"], "example": "123.45",
        "description": "Up to 2 decimals; negative for reversals"})


class PerformanceImportSchema(ma.Schema):
    client_id = Id(metadata={
        "description": "The client of every row (the rows' own client is then ignored)"})
    client = fields.String(metadata={"description": "As client_id, by name"})
    dry_run = fields.Boolean(load_default=False, metadata={
        "description": "Check and count, write nothing"})
    rows = fields.List(fields.Nested(PerformanceRowInSchema), required=True,
                       validate=validate.Length(min=1, max=MAX_ROWS))


class ProgramTotalsSchema(ma.Schema):
    client_id = fields.Integer()
    client = fields.String(attribute="name")
    currency = fields.String()
    rows = fields.Integer()
    first_day = fields.Date(metadata=DAY)
    last_day = fields.Date(metadata=DAY)
    clicks = fields.Integer()
    conversions = fields.Integer()
    revenue_cents = fields.Integer(metadata=CENTS)
    commission_cents = fields.Integer(metadata=CENTS)


class PerformanceImportResultSchema(ma.Schema):
    committed = fields.Boolean(metadata={"description": "False for a dry run"})
    rows = fields.Integer()
    new_days = fields.Integer()
    replaced_days = fields.Integer(metadata={"description": "Days that existed and were replaced"})
    total_lines = fields.Integer(metadata={"description": "'Total' lines skipped"})
    programs = fields.Method("_programs", metadata={
        "type": "array", "items": {"type": "object"},
        "description": "Totals per program: client_id, client, currency, rows, first_day, "
                       "last_day, clicks, conversions, revenue_cents, commission_cents"})

    def _programs(self, report: PerformanceReport) -> list[dict]:
        return ProgramTotalsSchema(many=True).dump(list(report.programs.values()))


def _raw_row(row: dict[str, Any]) -> dict[str, str]:
    """The row as the importer reads a CSV row: field → text."""
    raw = {key: str(value) for key, value in row.items() if value is not None}
    raw["day"] = raw.pop("date")
    client_id = raw.pop("client_id", "")
    raw.setdefault("client", client_id)
    return raw


def _csv_body(method):
    """Answer a text/csv body here; any other body goes on to the JSON schema."""

    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any):
        if request.mimetype == "text/csv":
            return _import_csv()
        return method(*args, **kwargs)

    return wrapper


def _import_csv():
    dry_run = request.args.get("dry_run", "").lower() in ("1", "true", "yes")
    token, path = save_upload(request.stream)
    try:
        options = import_options("an API upload (CSV)", request.args.get("client")
                                 or request.args.get("client_id"), api_user().id)
        report = preview_file(path, options) if dry_run else import_file(path, options)
    finally:
        discard_upload(token)
    if report.invalid:
        raise RowsRejected(report)
    return report, 200 if dry_run else 201


CSV_DOC = {
    "requestBody": {"content": {"text/csv": {"schema": {
        "type": "string",
        "description": "A CSV export whose first row names the columns (Date, Email / "
                       "Website / Partner ID / Publisher, Client, Clicks, Conversions, "
                       "Revenue, Commission). Query arguments client and dry_run apply.",
    }}}},
    "parameters": [
        {"name": "client", "in": "query", "required": False, "schema": {"type": "string"},
         "description": "text/csv only: the client (name or id) of every row"},
        {"name": "dry_run", "in": "query", "required": False, "schema": {"type": "boolean"},
         "description": "text/csv only: check and count, write nothing"},
    ],
}


# --- reading -----------------------------------------------------------------------------


class DayCursor(fields.String):
    """A query argument holding a (day, id) cursor from next_cursor."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any):
        try:
            day, row_id = decode_cursor(super()._deserialize(value, attr, data, **kwargs))
            after_id = parse_id(row_id)
            if after_id is None:
                raise ValueError("not a row id")
            return date.fromisoformat(day), after_id
        except ValueError:
            raise ma.ValidationError("Not a valid cursor; use next_cursor from a page.") from None


class WindowArgs(ma.Schema):
    start = Day(data_key="from", metadata={
        "description": "First day (default: 89 days before `to`)"})
    end = Day(data_key="to", metadata={"description": "Last day (default: today)"})


class PerformanceListArgs(WindowArgs):
    client_id = Id(metadata={"description": "Only this client's program"})
    limit = fields.Integer(load_default=500, validate=validate.Range(1, 5000))
    cursor = DayCursor(metadata={"description": "next_cursor from the previous page"})


class PerformanceFiguresSchema(ma.Schema):
    day = fields.Date(metadata=DAY)
    clicks = fields.Integer()
    conversions = fields.Integer()
    revenue_cents = fields.Integer(metadata=CENTS)
    commission_cents = fields.Integer(metadata=CENTS)
    imported_at = Timestamp()


class PerformanceDayOutSchema(PerformanceFiguresSchema):
    membership_id = fields.Integer()
    partner_id = fields.Integer()
    client_id = fields.Integer()


class PerformanceDayPageSchema(ma.Schema):
    items = fields.List(fields.Nested(PerformanceDayOutSchema))
    next_cursor = fields.String(allow_none=True)


class MembershipDaysSchema(ma.Schema):
    membership_id = fields.Integer()
    client_id = fields.Integer()
    client = fields.String(attribute="client_name")
    currency = fields.String(metadata={"description": "ISO 4217 code of the program's money"})
    days = fields.List(fields.Nested(PerformanceFiguresSchema))


class PartnerPerformanceSchema(ma.Schema):
    partner_id = fields.Integer()
    start = fields.Date(data_key="from", metadata=DAY)
    end = fields.Date(data_key="to", metadata=DAY)
    memberships = fields.List(fields.Nested(MembershipDaysSchema))


def _window(args: dict, max_days: int | None = None) -> tuple[date, date]:
    end = args.get("end") or clock.now().date()
    start = args.get("start") or end - timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        raise InvalidInput("`from` is after `to`.", {"from": "must be on or before `to`"})
    if max_days is not None and (end - start).days >= max_days:
        raise InvalidInput(f"Ask for at most {max_days} days at a time.",
                           {"from": f"at most {max_days} days before `to`"})
    return start, end


def _day_item(day: Any, membership: Any) -> dict[str, Any]:
    return {"membership_id": day.membership_id, "partner_id": membership.partner_id,
            "client_id": membership.client_id, "day": day.day, "clicks": day.clicks,
            "conversions": day.conversions, "revenue_cents": day.revenue_cents,
            "commission_cents": day.commission_cents, "imported_at": day.imported_at}


@blp.route("/performance", endpoint="performance")
class Performance(MethodView):
    @blp.arguments(PerformanceListArgs, location="query")
    @blp.response(200, PerformanceDayPageSchema)
    def get(self, args: dict):
        """Daily figures of every membership (or one client's), by day, in pages."""
        start, end = _window(args)
        query = days_query(start, end, args.get("client_id"), args.get("cursor"))
        rows = db.session.execute(query.limit(args["limit"] + 1)).all()
        items = [_day_item(day, membership) for day, membership in rows[:args["limit"]]]
        last = rows[args["limit"] - 1][0] if len(rows) > args["limit"] else None
        cursor = encode_cursor(last.day.isoformat(), str(last.id)) if last else None
        return {"items": items, "next_cursor": cursor}

    @blp.doc(**CSV_DOC)
    @blp.response(201, PerformanceImportResultSchema)
    @blp.alt_response(200, schema=PerformanceImportResultSchema,
                      description="Dry run: what the import would do")
    @blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
    @_csv_body
    @blp.arguments(PerformanceImportSchema)
    def post(self, data: dict):
        """Import daily figures, all rows or none; a (membership, day) again replaces it."""
        options = import_options("an API request", data.get("client_id") or data.get("client"),
                                 api_user().id)
        report = import_rows((_raw_row(row) for row in data["rows"]), options,
                             dry_run=data["dry_run"])
        return report, 200 if data["dry_run"] else 201


@blp.route("/partners/<int:partner_id>/performance", endpoint="partner_performance")
@blp.arguments(WindowArgs, location="query")
@blp.response(200, PartnerPerformanceSchema)
@blp.alt_response(404, response="NOT_FOUND")
def partner_performance(args: dict, partner_id: int):
    """A partner's daily figures per membership, from `from` to `to` (at most 731 days)."""
    partner = load_partner(partner_id)
    start, end = _window(args, MAX_PARTNER_DAYS)
    return {"partner_id": partner.id, "start": start, "end": end,
            "memberships": partner_series(partner, start, end)}
