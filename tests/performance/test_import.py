"""Importing a network export: row-numbered errors, all or nothing, re-import replaces."""

from datetime import date

import pytest

from crm.performance import service
from crm.performance.service import (
    ImportFileError,
    RowsRejected,
    import_file,
    import_options,
    preview_file,
)
from tests.performance.helpers import (
    HEADER,
    day_count,
    forkful,
    stored_days,
    system_events,
    write_csv,
)

MAR_8, MAR_9 = date(2026, 3, 8), date(2026, 3, 9)


def run(path, client=None):
    return import_file(path, import_options(path.name, client))


def rejected(path, client=None) -> RowsRejected:
    with pytest.raises(RowsRejected) as caught:
        run(path, client)
    return caught.value


def test_a_good_file_stores_one_day_per_row_in_whole_cents(app, tmp_path):
    program = forkful()
    path = write_csv(tmp_path, HEADER +
                     "2026-03-08,alice@trailtested.com,Forkful,120,3,$1,0\n"
                     '2026-03-09,ALICE@trailtested.com,forkful,"1,200",4,"$1,234.50",123.45\n'
                     "2026-03-09,bob@weeknightcooks.com,Forkful,10,0,-20.00,-2\n")

    report = run(path)

    assert (report.rows, report.new_days, report.replaced_days) == (3, 3, 0)
    alice, bob = program.alice_membership.id, program.bob_membership.id
    assert stored_days() == [(alice, MAR_8, 120, 3, 100, 0),
                             (alice, MAR_9, 1200, 4, 123450, 12345),
                             (bob, MAR_9, 10, 0, -2000, -200)]
    totals = report.programs[program.client.id]
    assert (totals.revenue, totals.commission, totals.clicks) == ("$1,215.50", "$121.45", 1330)


def test_each_partner_gets_one_timeline_entry_per_program(app, tmp_path):
    program = forkful()
    path = write_csv(tmp_path, HEADER + "2026-03-08,alice@trailtested.com,Forkful,1,0,0,0\n"
                                        "2026-03-09,alice@trailtested.com,Forkful,2,0,0,0\n")

    run(path)

    assert system_events(program.alice) == [
        "Performance imported for Forkful: 2 days (2026-03-08 to 2026-03-09)"]
    assert system_events(program.bob) == []


def test_reimporting_a_day_replaces_its_figures_and_never_doubles_them(app, tmp_path):
    program = forkful()
    first = write_csv(tmp_path, HEADER + "2026-03-08,alice@trailtested.com,Forkful,100,1,10,1\n"
                                         "2026-03-09,alice@trailtested.com,Forkful,100,1,10,1\n")
    run(first)
    corrected = write_csv(tmp_path, HEADER +
                          "2026-03-09,alice@trailtested.com,Forkful,90,2,20,2\n"
                          "2026-03-10,alice@trailtested.com,Forkful,5,0,0,0\n", "fixed.csv")

    report = run(corrected)

    assert (report.new_days, report.replaced_days) == (1, 1)
    alice = program.alice_membership.id
    assert stored_days() == [(alice, MAR_8, 100, 1, 1000, 100), (alice, MAR_9, 90, 2, 2000, 200),
                             (alice, date(2026, 3, 10), 5, 0, 0, 0)]


def test_bad_rows_are_listed_by_spreadsheet_row_number_and_nothing_is_written(app, tmp_path):
    program = forkful()
    path = write_csv(tmp_path, HEADER +
                     "2026-03-08,alice@trailtested.com,Forkful,10,1,1,1\n"   # row 2: fine
                     "09/03/2026,alice@trailtested.com,Forkful,10,1,1,1\n"   # row 3
                     "2026-03-09,bob@weeknightcooks.com,Forkful,-4,x,1,5\n"  # row 4
                     "2026-03-09,carol@dealsdaily.com,Forkful,1,1,1,1\n"     # row 5
                     "2026-03-09,nobody@nowhere.com,Forkful,1,1,1,1\n"       # row 6
                     "2026-03-09,alice@trailtested.com,Brandless,1,1,1,1\n")  # row 7

    error = rejected(path)

    assert error.message.startswith("5 rows are not valid, so nothing was imported.")
    assert error.fields["row 3.day"].startswith("'09/03/2026' is not a date like 2026-03-09")
    assert error.fields["row 4.clicks"] == "-4 is negative; it must be 0 or more"
    assert error.fields["row 4.conversions"] == "'x' is not a whole number"
    assert error.fields["row 5.partner"] == "Carol Cho is not in Forkful's program"
    assert error.fields["row 6.partner"] == "no partner has the email 'nobody@nowhere.com'"
    assert error.fields["row 7.client"] == "there is no client called 'Brandless'"
    assert [e.row for e in error.report.errors] == [3, 4, 5, 6, 7]
    assert day_count() == 0
    assert system_events(program.alice) == []


def test_a_bad_row_after_batches_were_written_still_leaves_nothing(app, tmp_path, monkeypatch):
    forkful()
    monkeypatch.setattr(service, "BATCH_SIZE", 2)
    good = "".join(f"2026-03-0{d},alice@trailtested.com,Forkful,1,0,0,0\n" for d in range(1, 7))
    bad = "2026-03-07,alice@trailtested.com,Forkful,-1,0,0,0\n"
    path = write_csv(tmp_path, HEADER + good + bad)

    error = rejected(path)

    assert list(error.fields) == ["row 8.clicks"]
    assert day_count() == 0


def test_the_same_partner_and_day_twice_in_one_file_names_both_rows(app, tmp_path):
    forkful()
    path = write_csv(tmp_path, "Date,Publisher,Client,Clicks\n"
                               "2026-03-08,alice@trailtested.com,Forkful,1\n"
                               "2026-03-09,alice@trailtested.com,Forkful,1\n"
                               "2026-03-08,trailtested.com,Forkful,2\n")

    error = rejected(path)

    assert error.fields == {"row 4.day": "row 2 already has Alice Ames on 2026-03-08; a day "
                                         "may appear once per partner"}
    assert day_count() == 0


def test_the_partner_column_takes_an_email_a_website_an_id_or_a_name(app, tmp_path):
    program = forkful()
    path = write_csv(tmp_path, "Day,Publisher,Program,Clicks,Sales,Sale Amount,Payout\n"
                               "2026-03-01,alice@trailtested.com,Forkful,1,0,0,0\n"
                               "2026-03-02,www.trailtested.com,Forkful,2,0,0,0\n"
                               f"2026-03-03,{program.alice.id},Forkful,3,0,0,0\n"
                               "2026-03-04,Trail Tested,Forkful,4,0,0,0\n"
                               "2026-03-05,bob byrne,Forkful,5,1,9.99,1\n")

    run(path)

    alice, bob = program.alice_membership.id, program.bob_membership.id
    assert [(m, d.day, c) for m, d, c, *_ in stored_days()] == [
        (alice, 1, 1), (alice, 2, 2), (alice, 3, 3), (alice, 4, 4), (bob, 5, 5)]


def test_the_chosen_client_applies_to_every_row_and_the_column_is_ignored(app, tmp_path):
    program = forkful()
    path = write_csv(tmp_path, "Date,Website,Advertiser,Clicks\n"
                               "2026-03-09,trailtested.com,Forkful Meal Kits Ltd,7\n")

    report = run(path, client="forkful")

    assert "Advertiser" in report.ignored
    assert stored_days()[0][:3] == (program.alice_membership.id, MAR_9, 7)


def test_an_unknown_client_option_is_refused_before_reading(app, tmp_path):
    with pytest.raises(Exception, match="no client called 'Nope'"):
        import_options("x.csv", "Nope")


def test_total_lines_and_blank_rows_are_skipped(app, tmp_path):
    forkful()
    path = write_csv(tmp_path, HEADER + "2026-03-09,alice@trailtested.com,Forkful,7,0,0,0\n"
                                        ",,,,,,\n" "Total,,,7,0,0,0\n")

    report = run(path)

    assert (report.rows, report.total_lines, day_count()) == (1, 1, 1)


def test_money_in_another_currency_than_the_program_is_an_error(app, tmp_path):
    forkful(currency="EUR")
    path = write_csv(tmp_path, HEADER + "2026-03-09,alice@trailtested.com,Forkful,1,0,USD 5,0\n")

    assert rejected(path).fields == {"row 2.revenue": "is in USD, but the program is in EUR"}


def test_the_error_list_stops_at_200_rows_and_counts_the_rest(app, tmp_path):
    forkful()
    bad = "".join(f"2026-03-09,alice@trailtested.com,Forkful,-{n},0,0,0\n" for n in range(1, 251))
    path = write_csv(tmp_path, HEADER + bad)

    error = rejected(path)

    assert len(error.report.errors) == 200 and error.report.invalid == 250
    assert error.fields["more"] == "and 50 more bad rows"
    assert error.report.error_lines()[-1] == "and 50 more bad rows"


def test_preview_counts_new_and_replaced_days_and_writes_nothing(app, tmp_path):
    forkful()
    run(write_csv(tmp_path, HEADER + "2026-03-08,alice@trailtested.com,Forkful,1,0,0,0\n"))
    path = write_csv(tmp_path, HEADER + "2026-03-08,alice@trailtested.com,Forkful,9,0,0,0\n"
                                        "2026-03-09,alice@trailtested.com,Forkful,9,0,0,0\n",
                     "next.csv")

    report = preview_file(path, import_options(path.name))

    assert (report.new_days, report.replaced_days, report.committed) == (1, 1, False)
    assert [row[2] for row in stored_days()] == [1]


@pytest.mark.parametrize("content, message", [
    (b"", "The file is empty."),
    (b"   \n\n", "The file has no rows: it is blank."),
    (b"PK\x03\x04" + b"\x00" * 50, "Excel workbook"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "binary data"),
    ("Date,Email,Client,Clicks\n2026-03-09,caf\u00e9@x.com,Forkful,1\n".encode("latin-1"),
     "not UTF-8: line 2"),
    (b"2026-03-09,alice@trailtested.com,Forkful,3\n", "has no a Date column"),
    (b"Date,Email,Client,Clicks\n", "no rows of figures"),
    (b"Date,Clicks\n2026-03-09,3\n", "a partner column"),
])
def test_a_bad_file_gets_one_clear_message_and_changes_nothing(app, tmp_path, content, message):
    forkful()
    path = write_csv(tmp_path, content)

    with pytest.raises(ImportFileError, match=message):
        run(path)
    assert day_count() == 0


def test_a_file_over_the_size_limit_is_refused(app, tmp_path):
    forkful()
    app.config["RAPPORT_IMPORT_MAX_BYTES"] = 100
    path = write_csv(tmp_path, HEADER + "2026-03-09,alice@trailtested.com,Forkful,1,0,0,0\n" * 5)

    with pytest.raises(ImportFileError, match="the limit is"):
        run(path)


def test_semicolon_files_with_a_bom_are_read(app, tmp_path):
    program = forkful()
    path = write_csv(tmp_path, "\ufeffDate;Email;Client;Clicks;Revenue\n"
                               "2026-03-09;alice@trailtested.com;Forkful;3;1,234.50\n")

    run(path)

    assert stored_days() == [(program.alice_membership.id, MAR_9, 3, 0, 123450, 0)]
