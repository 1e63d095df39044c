"""Configuration: defaults, RESDIR_* variables, test config, and clear errors for bad values."""

import pytest

from resdir import create_app
from resdir.config import ConfigError


def test_defaults_serve_one_machine_with_no_services(monkeypatch):
    for name in ("RESDIR_DATABASE", "RESDIR_SEARCH", "RESDIR_GEOCODER"):
        monkeypatch.delenv(name, raising=False)
    app = create_app()
    assert app.config["SEARCH"] == "embedded"
    assert app.config["GEOCODER"] == "offline"
    assert app.config["SQLALCHEMY_URL"].endswith("/instance/resdir.sqlite3")
    assert app.config["SQLALCHEMY_URL"].startswith("sqlite:///")


def test_environment_then_test_config_override(monkeypatch, tmp_path):
    monkeypatch.setenv("RESDIR_DATABASE", str(tmp_path / "env.sqlite3"))
    monkeypatch.setenv("RESDIR_GEOCODER", "nominatim:http://127.0.0.1:8080")
    app = create_app()
    assert app.config["SQLALCHEMY_URL"] == f"sqlite:///{tmp_path / 'env.sqlite3'}"
    assert app.config["GEOCODER"] == "nominatim:http://127.0.0.1:8080"
    app = create_app({"DATABASE": "postgresql://resdir@db.internal/resdir"})
    assert app.config["SQLALCHEMY_URL"] == "postgresql://resdir@db.internal/resdir"


def test_bad_settings_fail_fast_naming_each_variable():
    with pytest.raises(ConfigError) as error:
        create_app({"SEARCH": "solr", "GEOCODER": "google"})
    assert "RESDIR_SEARCH must be one of embedded, elasticsearch" in str(error.value)
    assert "RESDIR_GEOCODER must be" in str(error.value)


@pytest.mark.parametrize("budget", [0, 30, "soon"])
def test_a_search_budget_must_end_well_inside_a_worker_timeout(budget):
    with pytest.raises(
        ConfigError, match="RESDIR_ELASTICSEARCH_BUDGET_SECONDS must be more than 0"
    ):
        create_app({"ELASTICSEARCH_BUDGET_SECONDS": budget})
