"""Where a PACS is and how to log in: validated, frozen, and never showing a secret.

Credentials come from the environment or from a TOML configuration file, never from the
command line or from a URL, so that they stay out of shell histories, process lists and logs.
"""

from __future__ import annotations

import os
import re
import stat
import tomllib
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

__all__ = [
    "CONFIG_ENV",
    "DEFAULT_CALLING_AET",
    "PASSWORD_ENV",
    "TOKEN_ENV",
    "USERNAME_ENV",
    "Credentials",
    "PacsConfig",
    "Protocol",
    "credentials_from_env",
    "default_config_path",
    "load_pacs_config",
]

#: Environment variable naming the user for HTTP basic authentication.
USERNAME_ENV = "AS_IMAGING_PACS_USERNAME"
#: Environment variable holding the password for HTTP basic authentication.
PASSWORD_ENV = "AS_IMAGING_PACS_PASSWORD"
#: Environment variable holding a bearer token (OAuth2 / OIDC access token).
TOKEN_ENV = "AS_IMAGING_PACS_TOKEN"
#: Environment variable naming the TOML file of named servers.
CONFIG_ENV = "AS_IMAGING_PACS_CONFIG"
#: The AE title this toolkit uses when it calls a DIMSE peer, unless told otherwise.
DEFAULT_CALLING_AET = "ASIMAGING"

_MASK = "***"
# PS3.5 6.2: an AE title is at most 16 characters of the default repertoire, no backslash and
# no control characters; leading/trailing spaces are not significant and all-spaces is invalid.
_AE_TITLE = re.compile(r"^[\x20-\x5b\x5d-\x7e]{1,16}$")


class Protocol(StrEnum):
    """The family of network services a PACS is reached through."""

    DICOMWEB = "dicomweb"
    """DICOMweb over HTTP(S): QIDO-RS query, WADO-RS retrieve, STOW-RS store (PS3.18)."""
    DIMSE = "dimse"
    """DICOM upper layer over TCP: C-FIND query, C-GET retrieve, C-STORE store (PS3.7)."""


@dataclass(frozen=True)
class Credentials:
    """A login for a DICOMweb server; the secret never appears in ``repr`` or ``str``.

    Parameters
    ----------
    username : str or None
        User for HTTP basic authentication (with ``password``).
    password : str or None
        Password for HTTP basic authentication.
    token : str or None
        Bearer token, sent as ``Authorization: Bearer ...``; excludes username/password.

    Raises
    ------
    ValueError
        If neither a username/password pair nor a token is given, or both are.
    """

    username: str | None = None
    password: str | None = field(default=None, repr=False)
    token: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        basic = self.username is not None or self.password is not None
        if basic and (not self.username or self.password is None):
            raise ValueError(
                "Credentials: basic authentication needs both a username and a password "
                f"(username given: {bool(self.username)}, password given: "
                f"{self.password is not None})"
            )
        if basic and self.token is not None:
            raise ValueError("Credentials: give either username/password or a token, not both")
        if not basic and not self.token:
            raise ValueError("Credentials: give a username and password, or a token")

    def __repr__(self) -> str:
        if self.token is not None:
            return f"Credentials(token={_MASK})"
        return f"Credentials(username={self.username!r}, password={_MASK})"

    __str__ = __repr__


def credentials_from_env(environ: dict[str, str] | None = None) -> Credentials | None:
    """Read credentials from ``AS_IMAGING_PACS_USERNAME``/``_PASSWORD`` or ``_TOKEN``.

    Parameters
    ----------
    environ : dict, optional
        The environment to read (default: ``os.environ``).

    Returns
    -------
    Credentials or None
        None when none of the variables is set.
    """
    env = os.environ if environ is None else environ
    user, password, token = env.get(USERNAME_ENV), env.get(PASSWORD_ENV), env.get(TOKEN_ENV)
    if user is None and password is None and token is None:
        return None
    try:
        return Credentials(username=user, password=password, token=token)
    except ValueError as exc:
        raise ValueError(
            f"environment variables {USERNAME_ENV}/{PASSWORD_ENV}/{TOKEN_ENV}: {exc}"
        ) from None


@dataclass(frozen=True)
class PacsConfig:
    """How to reach one PACS, validated on construction.

    Parameters
    ----------
    url : str
        ``http(s)://host[:port]/path`` - the DICOMweb service root (e.g.
        ``http://pacs:8042/dicom-web``) - or ``dicom://AETITLE@host:port`` for DIMSE, where
        AETITLE is the called AE title of the PACS.
    name : str, optional
        A label for messages (default: the URL).
    calling_aet : str
        Our own AE title for DIMSE associations.
    timeout : float
        Seconds to wait for a connection or for each answer before giving up.
    retries : int
        Extra attempts after a DICOMweb answer 429/503/504 (exponential back-off).
    verify_tls : bool
        Verify the server certificate for ``https`` URLs.
    credentials : Credentials, optional
        Login for DICOMweb; never shown in ``repr``.

    Raises
    ------
    ValueError
        On an unknown URL scheme, credentials embedded in the URL, a missing host or port,
        an AE title that breaks PS3.5 (16 characters, no backslash or control characters),
        or a non-positive timeout.

    References
    ----------
    .. [1] DICOM PS3.18, Web Services (QIDO-RS, WADO-RS, STOW-RS).
    .. [2] DICOM PS3.5 Table 6.2-1, value representation AE.
    """

    url: str
    name: str | None = None
    calling_aet: str = DEFAULT_CALLING_AET
    timeout: float = 30.0
    retries: int = 2
    verify_tls: bool = True
    credentials: Credentials | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.url, str):
            raise TypeError(f"PacsConfig.url must be a str, got {type(self.url).__name__}")
        parts = urlsplit(self.url)
        if parts.scheme not in ("http", "https", "dicom"):
            raise ValueError(
                f"PacsConfig.url {_safe_url(self.url)!r}: scheme must be http, https (DICOMweb) "
                "or dicom (DIMSE, dicom://AETITLE@host:port)"
            )
        if parts.scheme != "dicom" and (parts.username is not None or parts.password is not None):
            raise ValueError(
                f"PacsConfig.url {_safe_url(self.url)!r}: credentials must not be part of the "
                f"URL; set {USERNAME_ENV}/{PASSWORD_ENV} or use a configuration file"
            )
        if not parts.hostname:
            raise ValueError(f"PacsConfig.url {_safe_url(self.url)!r}: no host")
        try:
            port = parts.port
        except ValueError as exc:
            raise ValueError(f"PacsConfig.url {_safe_url(self.url)!r}: bad port ({exc})") from None
        if parts.scheme == "dicom":
            if port is None:
                raise ValueError(
                    f"PacsConfig.url {_safe_url(self.url)!r}: a DIMSE URL needs a port"
                )
            if parts.password is not None or not parts.username:
                raise ValueError(
                    f"PacsConfig.url {_safe_url(self.url)!r}: write the called AE title as "
                    "dicom://AETITLE@host:port"
                )
            _check_ae_title(parts.username, "called AE title in PacsConfig.url")
            if self.credentials is not None:
                raise ValueError(
                    "PacsConfig: credentials apply to DICOMweb only; DIMSE peers are "
                    "authorised by AE title and host"
                )
        _check_ae_title(self.calling_aet, "PacsConfig.calling_aet")
        if not self.timeout > 0:
            raise ValueError(f"PacsConfig.timeout must be > 0 seconds, got {self.timeout!r}")
        if isinstance(self.retries, bool) or not isinstance(self.retries, int) or self.retries < 0:
            raise ValueError(f"PacsConfig.retries must be an int >= 0, got {self.retries!r}")
        if self.credentials is not None and not isinstance(self.credentials, Credentials):
            raise TypeError(
                "PacsConfig.credentials must be a Credentials, got "
                f"{type(self.credentials).__name__}"
            )

    @property
    def protocol(self) -> Protocol:
        """DICOMweb for ``http(s)`` URLs, DIMSE for ``dicom`` URLs."""
        return Protocol.DIMSE if self.url.startswith("dicom:") else Protocol.DICOMWEB

    @property
    def host(self) -> str:
        """The server's host name or address."""
        host = urlsplit(self.url).hostname
        assert host is not None  # checked in __post_init__
        return host

    @property
    def port(self) -> int:
        """The TCP port (defaults 80/443 for DICOMweb)."""
        parts = urlsplit(self.url)
        if parts.port is not None:
            return parts.port
        return 443 if parts.scheme == "https" else 80

    @property
    def called_aet(self) -> str | None:
        """The PACS's AE title (DIMSE only)."""
        if self.protocol is Protocol.DIMSE:
            return urlsplit(self.url).username
        return None

    @property
    def label(self) -> str:
        """What error messages call this server."""
        return self.name or self.url

    @classmethod
    def from_mapping(cls, data: dict[str, Any], *, name: str | None = None) -> PacsConfig:
        """Build a configuration from one table of a configuration file.

        Keys: ``url`` (required), ``calling_aet``, ``timeout``, ``retries``, ``verify_tls``,
        and for DICOMweb ``username`` with ``password`` or ``password_env`` (the name of an
        environment variable holding it), or ``token`` / ``token_env``.

        Parameters
        ----------
        data : dict
            The table.
        name : str, optional
            The server's name in the file.

        Returns
        -------
        PacsConfig
        """
        known = {
            "url",
            "calling_aet",
            "timeout",
            "retries",
            "verify_tls",
            "username",
            "password",
            "password_env",
            "token",
            "token_env",
        }
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(
                f"PACS server {name!r}: unknown keys {unknown}; known: {sorted(known)}"
            )
        if "url" not in data:
            raise ValueError(f"PACS server {name!r}: missing 'url'")
        password = data.get("password")
        if "password_env" in data:
            password = _from_env(data["password_env"], name)
        token = data.get("token")
        if "token_env" in data:
            token = _from_env(data["token_env"], name)
        creds = None
        if data.get("username") is not None or password is not None or token is not None:
            creds = Credentials(username=data.get("username"), password=password, token=token)
        kwargs = {
            k: data[k] for k in ("calling_aet", "timeout", "retries", "verify_tls") if k in data
        }
        return cls(url=data["url"], name=name, credentials=creds, **kwargs)


def default_config_path() -> Path:
    """``$AS_IMAGING_PACS_CONFIG``, else ``~/.config/as-imaging/pacs.toml``."""
    env = os.environ.get(CONFIG_ENV)
    if env:
        return Path(env)
    return Path.home() / ".config" / "as-imaging" / "pacs.toml"


def load_pacs_config(name: str, *, path: str | os.PathLike[str] | None = None) -> PacsConfig:
    """Read the server called ``name`` from a TOML configuration file.

    The file holds one table per server::

        [servers.orthanc]
        url = "http://localhost:8042/dicom-web"
        username = "alice"
        password_env = "ORTHANC_PASSWORD"   # or: password = "..."

        [servers.hospital]
        url = "dicom://PACS@10.0.0.5:104"
        calling_aet = "ASIMAGING"

    A file that holds a password or token must not be readable by other users.

    Parameters
    ----------
    name : str
        The server's table name.
    path : path-like, optional
        The file (default: :func:`default_config_path`).

    Returns
    -------
    PacsConfig

    Raises
    ------
    ValueError
        If the file is missing, unreadable, not TOML, lacks the server, holds a secret while
        readable by group or others, or the server's table is invalid.
    """
    file = Path(path) if path is not None else default_config_path()
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise ValueError(f"PACS configuration {file}: cannot read ({exc.strerror})") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"PACS configuration {file}: not valid TOML ({exc})") from None
    servers = data.get("servers", {})
    if name not in servers:
        raise ValueError(f"PACS configuration {file}: no server {name!r} (have: {sorted(servers)})")
    table = servers[name]
    if ("password" in table or "token" in table) and os.name == "posix":
        mode = file.stat().st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise ValueError(
                f"PACS configuration {file}: holds a secret for {name!r} but is accessible by "
                f"other users (mode {stat.filemode(mode)}); run chmod 600 {file}"
            )
    try:
        return PacsConfig.from_mapping(table, name=name)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"PACS configuration {file}: {exc}") from None


def _from_env(variable: str, server: str | None) -> str:
    value = os.environ.get(variable)
    if value is None:
        raise ValueError(f"PACS server {server!r}: environment variable {variable} is not set")
    return value


def _check_ae_title(value: object, what: str) -> None:
    if not isinstance(value, str) or not _AE_TITLE.match(value) or not value.strip():
        raise ValueError(
            f"{what} {value!r} is not a valid AE title (1-16 printable characters, "
            "no backslash, not all spaces; DICOM PS3.5 6.2)"
        )


def _safe_url(url: str) -> str:
    """The URL with any password replaced, for error messages.

    Works on the text of the authority, so it never fails on the very URL whose error it is
    reporting (a bad port, an IPv6 host) and keeps host and port as written.
    """
    parts = urlsplit(url)
    userinfo, at, hostport = parts.netloc.rpartition("@")
    if not at or ":" not in userinfo:
        return url
    user = userinfo.partition(":")[0]
    return parts._replace(netloc=f"{user}:{_MASK}@{hostport}").geturl()
