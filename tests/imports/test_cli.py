"""`rapport import-partners FILE.csv`: summary, invalid rows by number, exit status."""

from tests.factories import make_partner
from tests.imports.helpers import counts, partner_by_email, write_csv

CSV = ("Name,Email,Country\n"
       "Ann,ann@shop.com,DE\n"
       "Bob,bob@@shop.com,XX1\n"
       "Cid,CID@blog.com,\n")


def test_import_prints_the_summary_and_commits(runner, tmp_path, manager):
    make_partner(email="cid@blog.com")
    path = write_csv(tmp_path, "Name,Email\nAnn,ann@shop.com\nCid,CID@blog.com\n", "expo.csv")

    result = runner.invoke(args=["import-partners", str(path), "--list", "Expo 2026",
                                 "--source", "conference", "--owner", "MIA@agency.example.com"])

    assert result.exit_code == 0, result.output
    assert "expo.csv: UTF-8, comma-separated, header on row 1" in result.stdout
    assert "columns: Name → name, Email → email" in result.stdout
    assert ("list 'Expo 2026' (source: conference): 2 rows: 1 new, 1 duplicate merged, "
            "0 invalid") in result.stdout
    assert "imported: 1 new partner added, 1 duplicate row merged" in result.stdout
    ann = partner_by_email("ann@shop.com")
    assert (ann.source_list, ann.source, ann.owner_id) == ("Expo 2026", "conference", manager.id)


def test_invalid_rows_are_printed_by_row_number_and_skipped(runner, tmp_path):
    path = write_csv(tmp_path, CSV)

    result = runner.invoke(args=["import-partners", str(path)])

    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "row 3: country: must be a two-letter ISO country code such as US or DE"
    assert lines[1].startswith("row 3: email: ")
    assert "warning: 1 invalid row was skipped" in result.stderr
    assert counts()[0] == 2


def test_dry_run_writes_nothing_but_reports_everything(runner, tmp_path):
    path = write_csv(tmp_path, CSV)

    result = runner.invoke(args=["import-partners", str(path), "--dry-run"])

    assert result.exit_code == 0
    assert "row 3: country:" in result.stdout and "dry run: nothing was written" in result.stdout
    assert "1 invalid row would be skipped" in result.stderr
    assert counts() == (0, 0, 0)


def test_a_bad_file_exits_1_with_one_line_and_writes_nothing(runner, tmp_path):
    path = write_csv(tmp_path, "Name,Email\nJosé,j@shop.com\n".encode("cp1252"))

    result = runner.invoke(args=["import-partners", str(path)])

    assert result.exit_code == 1
    assert result.stderr.startswith("error: The file is not UTF-8: line 2")
    assert len(result.stderr.splitlines()) == 1 and result.stdout == ""
    assert counts() == (0, 0, 0)


def test_an_unknown_owner_exits_1(runner, tmp_path):
    path = write_csv(tmp_path, CSV)

    result = runner.invoke(args=["import-partners", str(path), "--owner", "who@example.com"])

    assert result.exit_code == 1 and "no user with email who@example.com" in result.stderr
    assert counts() == (0, 0, 0)


def test_an_unknown_source_is_refused_by_the_command_line(runner, tmp_path):
    result = runner.invoke(args=["import-partners", str(write_csv(tmp_path, CSV)),
                                 "--source", "carrier-pigeon"])

    assert result.exit_code == 2 and "carrier-pigeon" in result.output
