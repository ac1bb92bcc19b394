"""`rapport user create` and `rapport token create`."""

from crm.auth.service import find_user, user_for_token


def test_user_create_makes_a_login_with_a_hashed_password(runner):
    result = runner.invoke(args=["user", "create", "--email", "Lee@Agency.example.com",
                                 "--password", "long enough pw", "--role", "admin",
                                 "--name", "Lee", "--timezone", "Asia/Singapore"])
    assert result.exit_code == 0, result.output
    user = find_user("lee@agency.example.com")
    assert user.role == "admin" and user.timezone == "Asia/Singapore"
    assert user.password_hash != "long enough pw" and user.check_password("long enough pw")


def test_user_create_reports_every_bad_field(runner):
    result = runner.invoke(args=["user", "create", "--email", "not-an-email", "--password",
                                 "short", "--name", "X", "--timezone", "Nowhere/City"])
    assert result.exit_code == 1
    assert "email:" in result.output
    assert "password: must be at least 10 characters" in result.output
    assert "timezone: unknown time zone 'Nowhere/City'" in result.output


def test_user_create_refuses_a_taken_email(runner, manager):
    result = runner.invoke(args=["user", "create", "--email", manager.email.upper(),
                                 "--password", "long enough pw", "--name", "Twin"])
    assert result.exit_code == 1
    assert "email: already taken" in result.output


def test_token_create_prints_a_working_token_on_the_last_line(runner, manager):
    result = runner.invoke(args=["token", "create", "--email", manager.email])
    assert result.exit_code == 0
    token = result.output.strip().splitlines()[-1]
    assert user_for_token(token).id == manager.id


def test_token_create_for_an_unknown_user_fails(runner):
    result = runner.invoke(args=["token", "create", "--email", "ghost@agency.example.com"])
    assert result.exit_code == 1
    assert "no user with email" in result.output
