"""The one settings object: every environment variable the app reads, validated at start.

Reading settings has no side effects; what must be created at start (the local Clerk
emulator's secrets) is resolved afterwards, by `clerk_instance.get_clerk_instance()`.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import ipaddress
import re
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_FRONTEND = "http://localhost:3000"
CLERK_SESSION_TOKEN_SECONDS = 60
"""How long Clerk's session tokens live, and the emulator's unless LOCAL_CLERK_TOKEN_SECONDS
says otherwise; the browser asks for a fresh one when it needs it."""
HOST_NAME = re.compile(r"[A-Za-z0-9.:-]{1,253}")
"""An IP address (v4 or v6) or a DNS host name: nothing a command line or a script could
read as anything else."""

DEFAULT_TAB_STATE_SECONDS = 120
"""How long Reflex keeps a tab's state after its last event (Reflex's default is an hour)."""


def project_states_dir(state_home: Path, project: Path) -> Path:
    """The tabs' state folder of the project in `project`, under an XDG state home."""
    project = project.absolute()
    digest = hashlib.sha256(str(project).encode()).hexdigest()[:12]
    return (state_home / "clerk_fullstack" / f"{project.name}-{digest}" / "states").absolute()


class ConfigError(RuntimeError):
    """A setting is missing or malformed; the message names the variable and the fix."""


def decode_publishable_key(key: str) -> str:
    """Return the Frontend API host encoded in a Clerk publishable key (`pk_test_…`/`pk_live_…`)."""
    prefix, _, encoded = key.partition("_")[2].partition("_")
    if not key.startswith(("pk_test_", "pk_live_")) or prefix not in ("test", "live"):
        raise ValueError("must start with pk_test_ or pk_live_")
    try:
        decoded = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise ValueError("the part after pk_test_/pk_live_ is not base64") from None
    host = decoded.removesuffix("$")
    if not decoded.endswith("$") or not host or "/" in host or " " in host:
        raise ValueError("does not decode to '<frontend-api-host>$'")
    return host


def encode_publishable_key(host: str, *, live: bool = False) -> str:
    """Build a publishable key for `host`; the inverse of `decode_publishable_key`."""
    encoded = base64.b64encode(f"{host}$".encode()).decode()
    return f"pk_{'live' if live else 'test'}_{encoded}"


def load_rsa_public_key(pem: str) -> RSAPublicKey:
    """Parse a PEM public key as Clerk's dashboard shows it (real or `\\n`-escaped newlines)."""
    text = pem.strip().replace("\\n", "\n")
    try:
        key = load_pem_public_key(text.encode())
    except ValueError:
        raise ValueError("is not a PEM public key (-----BEGIN PUBLIC KEY----- …)") from None
    if not isinstance(key, RSAPublicKey):
        raise ValueError("must be an RSA public key")
    return key


_FIXES = {
    "CLERK_PUBLISHABLE_KEY": "copy it from Clerk Dashboard → API keys",
    "CLERK_SECRET_KEY": "copy it from Clerk Dashboard → API keys",
    "CLERK_WEBHOOK_SECRET": "copy the endpoint's Signing Secret from Clerk Dashboard → Webhooks",
    "CLERK_JWT_KEY": "copy the PEM public key from Clerk Dashboard → API keys → JWT public key",
    "CLERK_API_URL": "use https://api.clerk.com or leave it unset",
    "CLERK_AUTHORIZED_PARTIES": "list origins such as https://example.com, comma-separated",
    "CLERK_PROXY_URL": "use the proxy's URL, such as https://example.com/__clerk, or a path such "
    "as /__clerk, or leave it unset",
    "CLERK_DOMAIN": "use the satellite's host alone, such as satellite.example.com, or leave it "
    "unset",
    "CLERK_IS_SATELLITE": "use true or false",
    "CLERK_JS_URL": "use the full http(s) URL of clerk.browser.js, or leave it unset",
    "CLERK_UI_URL": "use the full http(s) URL of ui.browser.js, or leave it unset",
    "FRONTEND": "use the browser origin, such as http://localhost:3000",
    "MONGO_URI": "use a mongodb:// or mongodb+srv:// URI, or unset it for the embedded database",
    "LOCAL_CLERK_TOKEN_SECONDS": "use a whole number of seconds from 30 to 3600 (default 60)",
    "WEB_CONCURRENCY": "use a whole number of worker processes, 1 or more",
    "REFLEX_REDIS_TOKEN_EXPIRATION": "use a whole number of seconds, 10 or more",
    "WEB_HEADER_TIMEOUT_SECONDS": "use a number of seconds above 0, up to 300 (default 10)",
    "WEB_MAX_HEADER_BYTES": "use a whole number of bytes from 4096 to 1048576 (default 65536)",
}


class Settings(BaseSettings):
    """Configuration read once from the environment (and `.env` when present)."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    mongo_uri: str | None = None
    """MongoDB connection string; unset means the embedded SecantusDB server."""
    mongo_db: str = "auth"
    mongo_timeout_ms: int = Field(default=5000, ge=100)
    """How long a database call may wait for a server before it fails (and webhooks answer 503)."""
    allow_embedded_mongo: bool = False
    """Opt in to the embedded database outside dev (it is always on in dev without MONGO_URI)."""
    data_dir: Path = Path(".data")
    """Where the embedded database and the local Clerk emulator keep their files."""

    clerk_mode: Literal["auto", "clerk", "local"] = "auto"
    """`local` runs the offline Clerk emulator; `auto` picks it when no Clerk keys are set.

    Outside dev, `auto` never picks the emulator: it needs an explicit `local`."""
    local_clerk_token_seconds: int = Field(default=CLERK_SESSION_TOKEN_SECONDS, ge=30, le=3600)
    """How long the emulator's session tokens live: Clerk's 60 s unless set. A shorter life shows
    the browser's token refresh sooner (clerk-js refreshes a token about 17 s before it ends)."""
    clerk_publishable_key: str | None = None
    clerk_secret_key: str | None = None
    clerk_webhook_secret: str | None = None
    clerk_jwt_key: str | None = None
    clerk_api_url: str = "https://api.clerk.com"
    clerk_authorized_parties: Annotated[list[str], NoDecode] = []
    clerk_proxy_url: str | None = None
    """Clerk's proxy: the browser reaches the Frontend API through it (Clerk mode only)."""
    clerk_domain: str | None = None
    """A satellite application's domain: a bare host such as `satellite.example.com`."""
    clerk_is_satellite: bool = False
    """Whether this app is a satellite of another domain's Clerk application."""
    clerk_js_url: str | None = None
    """Where the browser loads clerk-js from, instead of Clerk's (or the proxy's) default."""
    clerk_ui_url: str | None = None
    """Where the browser loads Clerk's UI components from, instead of the default."""
    frontend: str = DEFAULT_FRONTEND

    clerk_fetch_missing_users: bool = True
    """Fetch a signed-in user MongoDB lacks from Clerk's Backend API (needs the secret key),
    instead of waiting for the `user.created` webhook."""
    clerk_user_fetch_timeout_seconds: float = Field(default=3.0, gt=0, le=30)
    """The deadline for that fetch; past it the request gets today's "not synced yet" answer."""
    clerk_user_fetch_negative_ttl_seconds: float = Field(default=30.0, ge=0)
    """How long an id Clerk answered 404 for is not asked about again."""
    clerk_user_fetch_max_in_flight: int = Field(default=8, ge=1)
    """Fetches from Clerk running at once, per process."""
    clerk_user_fetch_rate_per_second: float = Field(default=10.0, gt=0)
    """Fetches from Clerk started per second, per process (Clerk allows 100 per 10 s on a
    development instance)."""

    dev_frontend_host: str = "127.0.0.1"
    """Where `reflex run`'s dev frontend server listens (`0.0.0.0`: every interface)."""

    reflex_env_mode: Literal["dev", "prod", "preview"] | None = None
    """Set by `reflex run --env …` (dev by default); unset, the process counts as not dev."""
    reflex_compile_context: str | None = Field(
        default=None, validation_alias="__REFLEX_COMPILE_CONTEXT"
    )
    """Set to `export` by `reflex export` (Reflex's internal variable), which serves nothing."""
    reflex_backend_host: str = "0.0.0.0"  # noqa: S104 - Reflex's default bind
    """Set by `reflex run --backend-host`; the local Clerk emulator calls the backend there."""
    reflex_backend_port: int | None = None
    """Set by `reflex run --backend-port`; the local Clerk emulator calls the backend there."""
    reflex_redis_url: str | None = None
    """Reflex's own variable: keep every tab's state in Redis, shared by all workers and hosts."""
    reflex_redis_token_expiration: int = Field(default=DEFAULT_TAB_STATE_SECONDS, ge=10)
    """Reflex's own variable (despite its name, for files and Redis alike): seconds a tab's state
    is kept after the tab's last event. A tab that reconnects starts over anyway (it shows
    nothing until a fresh session token is verified), so this only bounds what idle and
    abandoned tabs cost."""
    reflex_states_workdir: Path | None = None
    """Reflex's own variable: the folder of the tabs' state files when there is no Redis (Reflex
    empties it at each start). Unset: `$XDG_STATE_HOME/clerk_fullstack/<project>-<hash>/states`."""
    xdg_state_home: Path | None = None
    """Where per-user state lives (XDG Base Directory); unset means `~/.local/state`."""
    web_concurrency: int = Field(default=1, ge=1)
    """Worker processes on this host (gunicorn's variable, see `serving.py`)."""
    web_header_timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    """How long a connection has to send a complete request head (request line and headers),
    counted from its accept or from the previous response; past it the connection is closed
    (the production worker, `worker.py`)."""
    web_max_header_bytes: int = Field(default=64 * 1024, ge=4096, le=1024 * 1024)
    """The largest request head the production worker reads; a larger one gets 431 and the
    connection is closed."""

    @field_validator("dev_frontend_host")
    @classmethod
    def _check_dev_frontend_host(cls, value: str) -> str:
        if not HOST_NAME.fullmatch(value):
            raise ValueError("must be an IP address or a host name, such as 127.0.0.1 or ::1")
        return value

    @field_validator("clerk_publishable_key")
    @classmethod
    def _check_publishable_key(cls, value: str | None) -> str | None:
        if value:
            decode_publishable_key(value)
        return value or None

    @field_validator("clerk_secret_key")
    @classmethod
    def _check_secret_key(cls, value: str | None) -> str | None:
        if value and not value.startswith(("sk_test_", "sk_live_")):
            raise ValueError("must start with sk_test_ or sk_live_")
        return value or None

    @field_validator("clerk_webhook_secret")
    @classmethod
    def _check_webhook_secret(cls, value: str | None) -> str | None:
        if value:
            encoded = value.removeprefix("whsec_")
            if encoded == value:
                raise ValueError("must start with whsec_")
            try:
                base64.b64decode(encoded, validate=True)
            except binascii.Error:
                raise ValueError("the part after whsec_ is not base64") from None
        return value or None

    @field_validator("clerk_jwt_key")
    @classmethod
    def _check_jwt_key(cls, value: str | None) -> str | None:
        if value:
            load_rsa_public_key(value)
        return value or None

    @field_validator("clerk_authorized_parties", mode="before")
    @classmethod
    def _split_parties(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip().rstrip("/") for part in value.split(",") if part.strip()]
        return value

    @field_validator("clerk_api_url", "frontend")
    @classmethod
    def _check_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("clerk_proxy_url")
    @classmethod
    def _check_proxy_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        if value.startswith("/"):
            if value.startswith("//") or not value.strip("/"):
                raise ValueError("must be a path below the root, such as /__clerk")
        elif not value.startswith(("http://", "https://")):
            raise ValueError("must start with https://, http:// or /")
        elif not urlsplit(value).hostname:
            raise ValueError("has no host")
        return value.rstrip("/")

    @field_validator("clerk_domain")
    @classmethod
    def _check_domain(cls, value: str | None) -> str | None:
        if not value:
            return None
        if "://" in value or any(char in value for char in "/?# "):
            raise ValueError("must be a host alone, without a scheme or a path")
        return value

    @field_validator("clerk_js_url", "clerk_ui_url")
    @classmethod
    def _check_optional_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        if not urlsplit(value).hostname:
            raise ValueError("has no host")
        return value

    @field_validator("reflex_states_workdir", "xdg_state_home", mode="before")
    @classmethod
    def _unset_when_empty(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("xdg_state_home")
    @classmethod
    def _ignore_relative_state_home(cls, value: Path | None) -> Path | None:
        # The XDG spec: a relative path in these variables is invalid and must be ignored.
        return value if value is not None and value.is_absolute() else None

    @field_validator("mongo_uri")
    @classmethod
    def _check_mongo_uri(cls, value: str | None) -> str | None:
        if value and not value.startswith(("mongodb://", "mongodb+srv://")):
            raise ValueError("must start with mongodb:// or mongodb+srv://")
        return value or None

    @model_validator(mode="after")
    def _check_combination(self) -> Settings:
        if not self.use_local_clerk and not self.clerk_publishable_key:
            raise ValueError(
                "CLERK_PUBLISHABLE_KEY: needed whenever the local emulator is off (CLERK_MODE="
                "clerk, or another CLERK_ key is set); copy it from Clerk Dashboard → API keys"
            )
        if self.clerk_is_satellite and not (self.clerk_domain or self.clerk_proxy_url):
            # Clerk's own rule, which otherwise fails only in the browser.
            raise ValueError(
                "CLERK_IS_SATELLITE: a satellite needs CLERK_DOMAIN or CLERK_PROXY_URL (Clerk: "
                '"Missing domain and proxyUrl"); set CLERK_DOMAIN to this app\'s host, such as '
                "satellite.example.com, or unset CLERK_IS_SATELLITE"
            )
        return self

    @property
    def is_dev(self) -> bool:
        """Whether Reflex runs in dev mode (`reflex run` without `--env`); unset is not dev."""
        return self.reflex_env_mode == "dev"

    @property
    def is_export(self) -> bool:
        """Whether this process only builds files (`reflex export`) and serves nothing."""
        return self.reflex_compile_context == "export"

    @property
    def use_local_clerk(self) -> bool:
        """Whether the offline Clerk emulator replaces Clerk."""
        if self.clerk_mode == "auto":
            return self.clerk_publishable_key is None and self.clerk_secret_key is None
        return self.clerk_mode == "local"

    @property
    def states_dir(self) -> Path:
        """The tabs' state folder without Redis, absolute: outside the project, this user's.

        One per project folder (`reflex run` runs from it), as Reflex's own `.states` was: each
        `reflex run` empties the folder, which must not touch another checkout's tabs."""
        if self.reflex_states_workdir is not None:
            return self.reflex_states_workdir.absolute()
        state_home = self.xdg_state_home or Path.home() / ".local" / "state"
        return project_states_dir(state_home, Path.cwd())

    @property
    def authorized_parties(self) -> list[str]:
        """Origins allowed in a token's `azp`; FRONTEND unless set explicitly."""
        return self.clerk_authorized_parties or [self.frontend]


def is_loopback_host(host: str | None) -> bool:
    """Whether `host` (a name or an IP address) can only be this machine."""
    if not host:
        return False
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return address.is_loopback or bool(mapped and mapped.is_loopback)


def check_for_serving(settings: Settings) -> None:
    """The rules for a process that serves: fail closed outside dev, need keys to verify tokens.

    Dev is only what `reflex run` sets (REFLEX_ENV_MODE=dev); anything else, unset included,
    must opt in to the embedded database, and to the emulator, which prod refuses outright.
    """
    where = f"REFLEX_ENV_MODE={settings.reflex_env_mode or '(unset)'}"
    if settings.reflex_env_mode == "prod" and settings.use_local_clerk:
        raise ConfigError(
            "Invalid configuration:\n  CLERK_MODE: the local Clerk emulator is for development "
            "only; set CLERK_PUBLISHABLE_KEY and CLERK_SECRET_KEY (or CLERK_JWT_KEY) for prod"
        )
    if not settings.is_dev and settings.use_local_clerk and settings.clerk_mode != "local":
        raise ConfigError(
            f"Invalid configuration:\n  CLERK_PUBLISHABLE_KEY is not set, and outside dev mode "
            f"({where}) the local Clerk emulator (it signs anyone in) is not picked by itself. Set "
            "CLERK_PUBLISHABLE_KEY and CLERK_SECRET_KEY (copy them from Clerk Dashboard → API "
            "keys), or set CLERK_MODE=local to run the emulator anyway"
        )
    if settings.is_export:
        return  # building files needs no database and no way to fetch signing keys
    if settings.web_concurrency > 1 and not settings.reflex_redis_url:
        # Each worker would keep its own tabs' state: a tab reconnecting elsewhere starts empty.
        raise ConfigError(
            f"Invalid configuration:\n  WEB_CONCURRENCY={settings.web_concurrency}: more than one "
            "worker needs REFLEX_REDIS_URL, so that every worker sees each tab's state; set "
            "REFLEX_REDIS_URL, or leave WEB_CONCURRENCY unset for one worker"
        )
    if not settings.is_dev and settings.mongo_uri is None and not settings.allow_embedded_mongo:
        raise ConfigError(
            f"Invalid configuration:\n  MONGO_URI: outside dev mode ({where}) the app needs a "
            "real MongoDB. Set MONGO_URI, or set ALLOW_EMBEDDED_MONGO=1 to run on the embedded "
            "SecantusDB anyway"
        )
    if not settings.use_local_clerk and not (settings.clerk_jwt_key or settings.clerk_secret_key):
        raise ConfigError(
            "Invalid configuration:\n  CLERK_SECRET_KEY: needed to fetch Clerk's signing keys "
            "(or set CLERK_JWT_KEY for networkless verification); copy it from Clerk Dashboard "
            "→ API keys"
        )
    api_url = urlsplit(settings.clerk_api_url)
    if (
        not settings.is_dev
        and not settings.use_local_clerk
        and api_url.scheme == "http"
        and not is_loopback_host(api_url.hostname)
    ):
        # The secret key goes to this URL in every request's Authorization header.
        raise ConfigError(
            f"Invalid configuration:\n  CLERK_API_URL={settings.clerk_api_url}: outside dev mode "
            f"({where}) plain http:// would send CLERK_SECRET_KEY in clear; use https:// (such "
            "as https://api.clerk.com, or leave it unset), or http:// only to a loopback host"
        )
    if not settings.use_local_clerk and settings.clerk_webhook_secret is None:
        # Without it every webhook would be refused, and users would silently stop syncing.
        raise ConfigError(
            "Invalid configuration:\n  CLERK_WEBHOOK_SECRET: needed to verify Clerk's webhooks; "
            "copy the endpoint's Signing Secret (whsec_…) from Clerk Dashboard → Webhooks"
        )


def load_settings() -> Settings:
    """Read and validate each setting, turning validation errors into one readable message.

    This is all the frontend needs (and all `rxconfig.py` checks); `get_settings()` adds the
    rules for a process that serves.
    """
    try:
        return Settings()
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            variable = str(error["loc"][0]).upper() if error["loc"] else ""
            message = str(error["msg"]).removeprefix("Value error, ")
            if variable:
                fix = _FIXES.get(variable, "")
                lines.append(f"{variable} {message}" + (f" ({fix})" if fix else ""))
            else:
                lines.append(message)
        raise ConfigError("Invalid configuration:\n  " + "\n  ".join(lines)) from None


@functools.cache
def get_settings() -> Settings:
    """The process-wide settings, read on first use and checked for serving."""
    settings = load_settings()
    check_for_serving(settings)
    return settings
