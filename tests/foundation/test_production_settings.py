"""Production refuses to start on an unsafe configuration, and a good one passes `check --deploy`."""

import pytest

from tests.foundation.conftest import production_env, run_python

REFUSALS = [
    pytest.param({"SECRET_KEY": None}, "SECRET_KEY", id="secret-key-missing"),
    pytest.param({"SECRET_KEY": ""}, "SECRET_KEY", id="secret-key-empty"),
    pytest.param(
        {"SECRET_KEY": "dev-insecure-timeledger-key-do-not-use-in-production-0123456789"},
        "SECRET_KEY",
        id="secret-key-development-default",
    ),
    pytest.param(
        {"SECRET_KEY": "django-insecure-" + "x1y2z3" * 10}, "SECRET_KEY", id="secret-key-django-default"
    ),
    pytest.param({"SECRET_KEY": "Zq8!fP2k"}, "SECRET_KEY", id="secret-key-short"),
    pytest.param({"SECRET_KEY": "ab" * 40}, "SECRET_KEY", id="secret-key-not-random"),
    pytest.param(
        {"SECRET_KEY": "CHANGE-ME-" + "q7W2xZ9k" * 8}, "SECRET_KEY", id="secret-key-placeholder-upper"
    ),
    pytest.param(
        {"SECRET_KEY": "Change_Me_" + "q7W2xZ9k" * 8}, "SECRET_KEY", id="secret-key-placeholder-mixed"
    ),
    pytest.param(
        {"SECRET_KEY": " django-insecure-" + "q7W2xZ9k" * 8}, "SECRET_KEY", id="secret-key-leading-space"
    ),
    pytest.param({"SECRET_KEY": "abcde" * 11}, "SECRET_KEY", id="secret-key-low-entropy"),
    pytest.param({"SECRET_KEY": "0123456789abcdef" * 4}, "SECRET_KEY", id="secret-key-repeated-unit"),
    pytest.param({"DEBUG": "true"}, "DEBUG", id="debug-on"),
    pytest.param({"ALLOWED_HOSTS": ".example.com"}, "ALLOWED_HOSTS", id="allowed-hosts-subdomain-wildcard"),
    pytest.param({"ALLOWED_HOSTS": "."}, "ALLOWED_HOSTS", id="allowed-hosts-dot"),
    pytest.param({"AXES_ENABLED": "false"}, "AXES_ENABLED", id="axes-off"),
    pytest.param({"RATELIMIT_ENABLE": "false"}, "RATELIMIT_ENABLE", id="rate-limits-off"),
    pytest.param({"CELERY_TASK_ALWAYS_EAGER": "true"}, "CELERY_TASK_ALWAYS_EAGER", id="celery-eager"),
    pytest.param({"TRUSTED_PROXIES": "0.0.0.0/0"}, "TRUSTED_PROXIES", id="trusted-proxies-everyone"),
    pytest.param({"TRUSTED_PROXIES": "10.0.0.0/8,::/0"}, "TRUSTED_PROXIES", id="trusted-proxies-everyone-v6"),
    pytest.param({"ALLOWED_HOSTS": None}, "ALLOWED_HOSTS", id="allowed-hosts-missing"),
    pytest.param({"ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS", id="allowed-hosts-empty"),
    pytest.param({"ALLOWED_HOSTS": "*"}, "ALLOWED_HOSTS", id="allowed-hosts-wildcard"),
    pytest.param(
        {"ALLOWED_HOSTS": "timeledger.example.com,*"}, "ALLOWED_HOSTS", id="allowed-hosts-has-wildcard"
    ),
    pytest.param({"DATABASE_URL": None}, "DATABASE_URL", id="database-default-sqlite"),
    pytest.param({"DATABASE_URL": "sqlite:////srv/timeledger.sqlite3"}, "DATABASE_URL", id="database-sqlite"),
    pytest.param({"REDIS_URL": None}, "REDIS_URL", id="redis-url-missing"),
]


@pytest.mark.parametrize(("overrides", "variable"), REFUSALS)
def test_production_refuses_to_start_naming_the_variable(overrides, variable):
    result = run_python(["manage.py", "check"], production_env(**overrides))

    assert result.returncode != 0
    assert f"Refusing to start in production: {variable}" in result.stderr


def test_a_good_production_environment_passes_check_deploy_without_a_warning():
    result = run_python(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env())

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stdout + result.stderr
    assert "security." not in result.stdout + result.stderr


def test_development_and_test_modes_start_without_any_variable():
    env = production_env(DJANGO_ENV="development", SECRET_KEY=None, DATABASE_URL=None, REDIS_URL=None)
    env.pop("ALLOWED_HOSTS")
    result = run_python(["manage.py", "check"], env)
    assert result.returncode == 0, result.stderr


def test_an_unknown_django_env_is_refused():
    result = run_python(["manage.py", "check"], production_env(DJANGO_ENV="staging"))
    assert result.returncode != 0
    assert "DJANGO_ENV" in result.stderr
