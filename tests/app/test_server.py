"""`serve`: a bad store ends with a clear message and a non-zero exit, a good one reaches uvicorn."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from app import server
from tests.store.test_damaged import overwrite_page, stamp, table_page, truncate_to_half


def test_missing_store_exits_non_zero_with_a_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        server.serve(tmp_path / "nowhere", "127.0.0.1", 8000)
    assert exit_info.value.code != 0
    err = capsys.readouterr().err
    assert "no store folder at" in err and "Traceback" not in err


def test_wrong_format_exits_non_zero_with_a_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "microscope.sqlite").write_bytes(b"")
    with pytest.raises(SystemExit) as exit_info:
        server.serve(tmp_path, "127.0.0.1", 8000)
    assert exit_info.value.code != 0
    assert "format version" in capsys.readouterr().err


def test_good_store_is_served_by_uvicorn(toy_store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(server.uvicorn, "run", lambda app, **kw: calls.append(kw))
    server.serve(toy_store, "127.0.0.1", 8123)
    assert [{k: call[k] for k in ("host", "port")} for call in calls] == [{"host": "127.0.0.1", "port": 8123}]


def test_no_proxy_header_is_believed_by_default_and_shutdown_is_bounded(
    toy_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(server.uvicorn, "run", lambda app, **kw: calls.append(kw))
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "*")  # uvicorn's own variable: ignored, proxy headers are off
    server.serve(toy_store, "127.0.0.1", 8123)
    assert calls[0]["proxy_headers"] is False and calls[0]["timeout_graceful_shutdown"] == 3.0


def test_named_proxies_are_believed_and_the_shutdown_timeout_is_a_setting(
    toy_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(server.uvicorn, "run", lambda app, **kw: calls.append(kw))
    monkeypatch.setenv("MICROSCOPE_SHUTDOWN_TIMEOUT", "0.5")
    server.serve(toy_store, "127.0.0.1", 8123, forwarded_allow_ips=" 10.0.0.0/8, ::1 ")
    assert calls[0]["proxy_headers"] is True and calls[0]["forwarded_allow_ips"] == "10.0.0.0/8,::1"
    assert calls[0]["timeout_graceful_shutdown"] == 0.5


@pytest.mark.parametrize("ips", ["proxy.example", "10.0.0.1/8", "127.0.0.1, nope"])
def test_a_trusted_proxy_that_is_not_an_address_exits_non_zero_naming_it(
    toy_store: Path, capsys: pytest.CaptureFixture[str], ips: str
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        server.serve(toy_store, "127.0.0.1", 8000, forwarded_allow_ips=ips)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "forwarded_allow_ips: trusted proxies must be IP addresses or networks" in err and "Traceback" not in err


@pytest.mark.parametrize("damage", [truncate_to_half, lambda root: overwrite_page(root, table_page(root, "units"))])
def test_damaged_database_exits_non_zero_with_one_line_naming_the_file(
    toy_store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], damage: Callable[[Path], None]
) -> None:
    store = Path(shutil.copytree(toy_store, tmp_path / "store"))
    damage(store)
    with pytest.raises(SystemExit) as exit_info:
        server.serve(store, "127.0.0.1", 8000)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert str(store / "microscope.sqlite") in err and "restore it from a backup" in err


def test_store_of_a_newer_format_says_to_upgrade(
    toy_store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = Path(shutil.copytree(toy_store, tmp_path / "store"))
    stamp(store, "9999")
    with pytest.raises(SystemExit):
        server.serve(store, "127.0.0.1", 8000)
    assert "upgrade microscope" in capsys.readouterr().err


def test_several_workers_build_the_app_from_the_environment(toy_store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[Any, dict[str, Any]]] = []
    monkeypatch.setattr(server.uvicorn, "run", lambda app, **kw: calls.append((app, kw)))
    monkeypatch.setenv("MICROSCOPE_DB", "sqlite:////elsewhere.sqlite")
    monkeypatch.setenv("MICROSCOPE_STORE", "restored after the test")  # serve() sets these for the workers
    monkeypatch.delenv("MICROSCOPE_ASSETS", raising=False)
    monkeypatch.setenv("MICROSCOPE_FORWARDED_ALLOW_IPS", "")  # these too: undone after the test
    monkeypatch.setenv("MICROSCOPE_SHUTDOWN_TIMEOUT", "3")
    server.serve(toy_store, "127.0.0.1", 8123, workers=3, forwarded_allow_ips="127.0.0.1")
    assert [(app, {k: kw[k] for k in ("factory", "host", "port", "workers")}) for app, kw in calls] == [
        ("app.main:create_app", {"factory": True, "host": "127.0.0.1", "port": 8123, "workers": 3})
    ]
    assert calls[0][1]["proxy_headers"] is True and calls[0][1]["forwarded_allow_ips"] == "127.0.0.1"
    assert os.environ["MICROSCOPE_STORE"] == str(toy_store) and "MICROSCOPE_DB" not in os.environ
    assert os.environ["MICROSCOPE_FORWARDED_ALLOW_IPS"] == "127.0.0.1"


def test_an_asset_base_url_that_is_not_absolute_exits_non_zero_with_a_message(
    toy_store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        server.serve(toy_store, "127.0.0.1", 8000, asset_base_url="assets.example.org")
    assert exit_info.value.code == 2
    assert "asset base URL must be an absolute http(s)" in capsys.readouterr().err


def test_workers_read_the_asset_base_url_from_the_environment(toy_store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(server.uvicorn, "run", lambda app, **kw: None)
    monkeypatch.setenv("MICROSCOPE_ASSET_BASE_URL", "restored after the test")  # serve() sets these for the workers
    monkeypatch.setenv("MICROSCOPE_FORWARDED_ALLOW_IPS", "")
    monkeypatch.setenv("MICROSCOPE_SHUTDOWN_TIMEOUT", "3")
    server.serve(toy_store, "127.0.0.1", 8123, workers=2, asset_base_url="https://cdn.example.org/m/")
    assert os.environ["MICROSCOPE_ASSET_BASE_URL"] == "https://cdn.example.org/m"
