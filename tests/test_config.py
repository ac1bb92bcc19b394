"""Settings: RAPPORT_* parsing, and one clear line for a bad one."""

import subprocess
import sys

import pytest

from crm.config import ConfigError, load


def test_defaults_are_the_embedded_mode(tmp_path):
    settings = load(tmp_path, environ={})
    assert settings["DATABASE_URL"] == f"sqlite:///{tmp_path / 'rapport.db'}"
    assert settings["BROKER_URL"] is None
    assert len(settings["SECRET_KEY"]) > 40
    assert load(tmp_path, environ={})["SECRET_KEY"] == settings["SECRET_KEY"]


def test_postgres_scheme_is_normalised_to_psycopg(tmp_path):
    environ = {"RAPPORT_DATABASE_URL": "postgres://u:p@db/rapport", "RAPPORT_SECRET_KEY": "k"}
    assert load(tmp_path, environ)["DATABASE_URL"] == "postgresql+psycopg://u:p@db/rapport"


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"RAPPORT_DATABASE_URL": "mysql://db/x"}, "RAPPORT_DATABASE_URL: only sqlite"),
        ({"RAPPORT_DATABASE_URL": "::nonsense::"}, "RAPPORT_DATABASE_URL: not a database URL"),
        ({"RAPPORT_PAGE_SIZE": "many"}, "RAPPORT_PAGE_SIZE: expected a whole number"),
        ({"RAPPORT_DEFAULT_TIMEZONE": "Mars/Olympus"}, "unknown time zone"),
        ({"RAPPORT_BROKER_URL": "amqp://x"}, "RAPPORT_BROKER_URL: expected a redis"),
        ({"RAPPORT_DATABSE_URL": "sqlite://"}, "RAPPORT_DATABSE_URL: unknown setting"),
        ({"RAPPORT_SMTP_URL": ""}, "RAPPORT_SMTP_URL: is set but empty"),
        ({"RAPPORT_DATABASE_URL": "postgresql://db/x"}, "RAPPORT_SECRET_KEY: required"),
        ({"RAPPORT_ACCOUNT_RATE_LIMIT": "lots"}, "RAPPORT_ACCOUNT_RATE_LIMIT: expected a rate"),
    ],
)
def test_a_bad_setting_names_the_variable(tmp_path, environ, message):
    with pytest.raises(ConfigError, match=message):
        load(tmp_path, environ)


def test_the_console_script_stops_with_one_line_on_a_bad_setting():
    result = subprocess.run(
        [sys.executable, "-c", "from crm.cli import main; main()", "routes"],
        env={"RAPPORT_DATABASE_URL": "mysql://db/x", "PATH": "/usr/bin:/bin"},
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "rapport: configuration error: RAPPORT_DATABASE_URL: only sqlite:// and "
        "postgresql:// are supported, got mysql://"
    ]
