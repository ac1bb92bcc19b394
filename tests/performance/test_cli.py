"""`rapport import-performance FILE.csv [--client NAME] [--dry-run]`."""

from tests.performance.helpers import HEADER, day_count, forkful, write_csv

GOOD = HEADER + "2026-03-08,alice@trailtested.com,Forkful,120,3,45.00,4.50\n"


def test_import_prints_the_summary_and_commits(runner, tmp_path):
    forkful()
    path = write_csv(tmp_path, GOOD, "march.csv")

    result = runner.invoke(args=["import-performance", str(path)])

    assert result.exit_code == 0, result.output
    assert "1 row: 1 new day, 0 replaced days" in result.stdout
    assert ("  Forkful: 1 day from 2026-03-08 to 2026-03-08, 120 clicks, 3 conversions, "
            "$45.00 revenue, $4.50 commission") in result.stdout
    assert "imported: 1 new day, 0 days replaced" in result.stdout
    assert day_count() == 1


def test_dry_run_writes_nothing(runner, tmp_path):
    forkful()
    path = write_csv(tmp_path, GOOD)

    result = runner.invoke(args=["import-performance", str(path), "--dry-run"])

    assert result.exit_code == 0, result.output
    assert "dry run: nothing was written" in result.stdout
    assert day_count() == 0


def test_bad_rows_are_printed_by_number_and_the_exit_status_is_1(runner, tmp_path):
    forkful()
    path = write_csv(tmp_path, GOOD + "2026-13-01,alice@trailtested.com,Forkful,1,0,0,0\n")

    for args in ([], ["--dry-run"]):
        result = runner.invoke(args=["import-performance", str(path), *args])

        assert result.exit_code == 1
        assert "row 3: day: '2026-13-01' is not a real date" in result.stdout
        assert "not valid" in result.stderr
    assert day_count() == 0


def test_the_client_option_names_the_program_of_every_row(runner, tmp_path):
    forkful()
    path = write_csv(tmp_path, "Date,Email,Clicks\n2026-03-08,alice@trailtested.com,4\n")

    result = runner.invoke(args=["import-performance", str(path), "--client", "FORKFUL"])

    assert result.exit_code == 0, result.output
    assert day_count() == 1


def test_an_unknown_client_or_a_bad_file_fails_with_one_line(runner, tmp_path):
    forkful()
    path = write_csv(tmp_path, GOOD)

    unknown = runner.invoke(args=["import-performance", str(path), "--client", "Nope"])
    empty = runner.invoke(args=["import-performance", str(write_csv(tmp_path, "", "e.csv"))])

    assert unknown.exit_code == 1 and "no client called 'Nope'" in unknown.stderr
    assert empty.exit_code == 1 and empty.stderr == "error: The file is empty.\n"
