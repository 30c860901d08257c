"""The production entry point refuses unsafe settings; the instance file is read."""

from __future__ import annotations

import importlib
import sys

import pytest


def load_wsgi(monkeypatch, tmp_path, **env):
    monkeypatch.setenv("PORTAL_INSTANCE_DIR", str(tmp_path / "instance"))
    monkeypatch.setenv("PORTAL_SECRET_KEY", "a-real-secret-for-this-test")
    monkeypatch.setenv("PORTAL_EMBEDDER", "fake")
    monkeypatch.delenv("PORTAL_PUBLIC_URL", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    sys.modules.pop("portal.wsgi", None)
    return importlib.import_module("portal.wsgi")


def test_the_wsgi_app_refuses_to_start_without_a_public_url(monkeypatch, tmp_path):
    with pytest.raises(RuntimeError, match="PORTAL_PUBLIC_URL"):
        load_wsgi(monkeypatch, tmp_path)


def test_the_wsgi_app_builds_external_links_on_the_public_url_not_the_host(monkeypatch, tmp_path):
    wsgi = load_wsgi(monkeypatch, tmp_path, PORTAL_PUBLIC_URL="https://help.example.com")
    from flask import url_for

    with wsgi.app.test_request_context("/", headers={"Host": "evil.example"}):
        assert url_for("help.home", locale="en", _external=True).startswith(
            "https://help.example.com/"
        )


def test_the_wsgi_app_refuses_the_development_secret(monkeypatch, tmp_path):
    monkeypatch.setenv("PORTAL_PUBLIC_URL", "https://help.example.com")
    monkeypatch.delenv("PORTAL_ALLOW_DEV_SECRET", raising=False)
    with pytest.raises(RuntimeError, match="PORTAL_SECRET_KEY"):
        load_wsgi(monkeypatch, tmp_path, PORTAL_SECRET_KEY="dev-only-not-secret")


def test_the_instance_folders_portal_cfg_is_read(monkeypatch, tmp_path):
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "portal.cfg").write_text('DEFAULT_LOCALE = "ko"\nCUSTOM_FLAG = 42\n')
    wsgi = load_wsgi(monkeypatch, tmp_path, PORTAL_PUBLIC_URL="https://help.example.com")
    assert wsgi.app.config["CUSTOM_FLAG"] == 42
    assert wsgi.app.config["DEFAULT_LOCALE"] == "ko"
