"""PacsConfig, Credentials and the configuration file: validation and secrecy."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from imaging.pacs import (
    CACHE_ENV,
    PASSWORD_ENV,
    TOKEN_ENV,
    USERNAME_ENV,
    Credentials,
    DicomWebClient,
    DimseClient,
    InstanceCache,
    PacsConfig,
    PacsError,
    Protocol,
    check_uid,
    connect,
    credentials_from_env,
    default_cache_dir,
    load_pacs_config,
)

SECRET = "hunter2-very-secret"


def test_dicomweb_and_dimse_urls() -> None:
    web = PacsConfig("https://pacs.example.org/dicom-web")
    assert (web.protocol, web.host, web.port, web.called_aet) == (
        Protocol.DICOMWEB,
        "pacs.example.org",
        443,
        None,
    )
    dimse = PacsConfig("dicom://ORTHANC@10.0.0.5:4242", calling_aet="AS1")
    assert (dimse.protocol, dimse.host, dimse.port, dimse.called_aet) == (
        Protocol.DIMSE,
        "10.0.0.5",
        4242,
        "ORTHANC",
    )
    assert isinstance(connect(web), DicomWebClient)
    assert isinstance(connect(dimse), DimseClient)


@pytest.mark.parametrize(
    ("url", "kwargs", "message"),
    [
        ("ftp://host/x", {}, "scheme must be http, https"),
        (f"http://alice:{SECRET}@host/dicom-web", {}, "credentials must not be part of the URL"),
        ("http:///dicom-web", {}, "no host"),
        ("dicom://ORTHANC@host", {}, "needs a port"),
        ("dicom://host:104", {}, "dicom://AETITLE@host:port"),
        ("dicom://WAY-TOO-LONG-AE-TITLE@host:104", {}, "not a valid AE title"),
        ("dicom://PACS@host:104", {"calling_aet": "BAD\\AE"}, "not a valid AE title"),
        ("http://host/dicom-web", {"timeout": 0}, "timeout must be > 0"),
        ("http://host/dicom-web", {"retries": -1}, "retries must be an int >= 0"),
        (
            "dicom://PACS@host:104",
            {"credentials": Credentials("a", "b")},
            "credentials apply to DICOMweb only",
        ),
    ],
)
def test_invalid_configurations(url: str, kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message) as info:
        PacsConfig(url, **kwargs)  # type: ignore[arg-type]
    assert SECRET not in str(info.value)


@pytest.mark.parametrize(
    ("url", "message", "shown"),
    [
        (f"dicom://PACS:{SECRET}@host", "needs a port", "dicom://PACS:***@host"),
        (f"dicom://PACS:{SECRET}@host:99999", "bad port", "dicom://PACS:***@host:99999"),
        (f"dicom://PACS:{SECRET}@[::1]:104", "AETITLE@host:port", "dicom://PACS:***@[::1]:104"),
        (
            f"https://alice:{SECRET}@[fe80::1]:8443/dicom-web",
            "credentials must not be part",
            "https://alice:***@[fe80::1]:8443/dicom-web",
        ),
    ],
)
def test_password_in_url_is_masked_in_every_error(url: str, message: str, shown: str) -> None:
    with pytest.raises(ValueError, match=message) as info:
        PacsConfig(url)
    assert SECRET not in str(info.value)
    assert repr(shown) in str(info.value)


def test_secrets_never_in_repr_or_str() -> None:
    creds = Credentials("alice", SECRET)
    config = PacsConfig("http://host/dicom-web", credentials=creds)
    for text in (repr(creds), str(creds), repr(config), str(config), repr(connect(config))):
        assert SECRET not in text
    assert "alice" in repr(creds)
    assert SECRET not in repr(Credentials(token=SECRET))


def test_credentials_rules() -> None:
    with pytest.raises(ValueError, match="needs both a username and a password"):
        Credentials("alice")
    with pytest.raises(ValueError, match="either username/password or a token"):
        Credentials("alice", "pw", token="t")
    with pytest.raises(ValueError, match="give a username and password, or a token"):
        Credentials()


def test_credentials_from_env() -> None:
    assert credentials_from_env({}) is None
    creds = credentials_from_env({USERNAME_ENV: "alice", PASSWORD_ENV: SECRET})
    assert creds == Credentials("alice", SECRET)
    assert credentials_from_env({TOKEN_ENV: SECRET}) == Credentials(token=SECRET)
    with pytest.raises(ValueError, match=USERNAME_ENV):
        credentials_from_env({USERNAME_ENV: "alice"})


def _write(path: Path, text: str, mode: int = 0o600) -> Path:
    path.write_text(text)
    os.chmod(path, mode)
    return path


def test_config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORTHANC_PW", SECRET)
    path = _write(
        tmp_path / "pacs.toml",
        """
[servers.web]
url = "http://localhost:8042/dicom-web"
username = "alice"
password_env = "ORTHANC_PW"
timeout = 5

[servers.dimse]
url = "dicom://ORTHANC@localhost:4242"
calling_aet = "ASX"
""",
        mode=0o644,  # no secret in the file: readable by others is fine
    )
    web = load_pacs_config("web", path=path)
    assert web.credentials == Credentials("alice", SECRET)
    assert (web.timeout, web.name, web.label) == (5, "web", "web")
    assert load_pacs_config("dimse", path=path).calling_aet == "ASX"
    with pytest.raises(ValueError, match=r"no server 'nope' \(have: \['dimse', 'web'\]\)"):
        load_pacs_config("nope", path=path)


def test_config_file_with_a_secret_must_be_private(tmp_path: Path) -> None:
    text = f'[servers.web]\nurl = "http://h/dicom-web"\nusername = "a"\npassword = "{SECRET}"\n'
    open_file = _write(tmp_path / "open.toml", text, mode=0o644)
    with pytest.raises(ValueError, match="accessible by other users") as info:
        load_pacs_config("web", path=open_file)
    assert SECRET not in str(info.value)
    private = _write(tmp_path / "private.toml", text)
    assert load_pacs_config("web", path=private).credentials == Credentials("a", SECRET)


def test_config_file_errors(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cannot read"):
        load_pacs_config("x", path=tmp_path / "missing.toml")
    bad = _write(tmp_path / "bad.toml", "[servers.x\n")
    with pytest.raises(ValueError, match="not valid TOML"):
        load_pacs_config("x", path=bad)
    unknown = _write(tmp_path / "unknown.toml", '[servers.x]\nurl = "http://h/"\nuser = "a"\n')
    with pytest.raises(ValueError, match=r"unknown keys \['user'\]"):
        load_pacs_config("x", path=unknown)


def test_uid_check_guards_the_cache(tmp_path: Path) -> None:
    assert check_uid("1.2.840.10008.1.2", "UID") == "1.2.840.10008.1.2"
    for bad in ("../etc", "1.2.03", "1..2", "", "1" * 65, "1.2/3"):
        with pytest.raises(ValueError, match="not a valid DICOM UID"):
            check_uid(bad, "SOPInstanceUID")
    cache = InstanceCache(tmp_path)
    with pytest.raises(ValueError, match=r"StudyInstanceUID '\.\.' is not a valid DICOM UID"):
        cache.path("..", "1.2", "1.2.3")


def test_atomic_write_leaves_nothing_on_failure(tmp_path: Path) -> None:
    cache = InstanceCache(tmp_path)

    class Boom(Exception):
        pass

    with pytest.raises(Boom), cache._atomic(cache.path("1.2", "1.2.3", "1.2.3.4")) as fh:
        fh.write(b"half")
        raise Boom
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_error_names_server_and_operation() -> None:
    error = PacsError("my-pacs", "C-FIND at STUDY level", "timeout")
    assert str(error) == "PACS my-pacs: C-FIND at STUDY level failed: timeout"
    assert (error.server, error.operation, error.reason) == (
        "my-pacs",
        "C-FIND at STUDY level",
        "timeout",
    )


def test_default_cache_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(CACHE_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_cache_dir() == tmp_path / "as-imaging" / "dicom"
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "mine"))
    assert default_cache_dir() == tmp_path / "mine"
