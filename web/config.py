"""Settings from ``TANDEM_*`` environment variables, with safe defaults for a laptop.

The defaults make ``make demo`` work with nothing configured: a SQLite file and a secret key
generated once under ``instance/``. With ``TANDEM_ENV=production`` every unsafe default is
refused at start-up with a message that says what to set.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

from plugin.calls.jitsi import DEFAULT_JITSI_URL, VideoProvider, VideoSettings
from plugin.i18n import N_, Text

ENVIRONMENTS = ("development", "test", "production")
SECRET_KEY_FILE = "secret-key"  # noqa: S105 - a file name, not a secret
# Socket.IO's async mode: threads for the embedded server and tests, gevent under
# ``gunicorn -k gevent -w 1 wsgi:app`` in production (eventlet is deprecated upstream).
ASYNC_MODES = ("threading", "gevent")


class ConfigError(Exception):
    """A setting that stops Tandem from starting; the message says what to change.

    ``message`` and each of ``problems`` are marked (``N_``): the log reads the English
    sentence, ``tandem`` shows it in the shell's language.
    """

    def __init__(self, message: Text, problems: Sequence[Text] = ()) -> None:
        self.message = message
        self.problems = list(problems)
        listed = f" {'; '.join(self.problems)}." if self.problems else ""
        super().__init__(f"{message}{listed}")


@dataclass(frozen=True)
class Settings:
    env: str = "development"
    instance_path: Path = field(default_factory=lambda: Path("instance").resolve())
    database_url: str | None = None
    secret_key: str | None = None
    base_url: str = "http://127.0.0.1:5050"
    redis_url: str | None = None
    jwks_cache_seconds: float = 300.0
    # Empty: derived (production: 'self' and the registered LMSs' origins; elsewhere: *).
    frame_ancestors: str = ""
    default_locale: str = "en"
    # Where team video calls happen (public meet.jit.si, or a self-hosted Jitsi).
    jitsi_url: str = DEFAULT_JITSI_URL
    video_provider: str = VideoProvider.PUBLIC.value
    jitsi_app_id: str | None = None
    jitsi_app_secret: str | None = None
    jaas_app_id: str | None = None
    jaas_key_id: str | None = None
    jaas_private_key_file: Path | None = None
    async_mode: str | None = None  # None: gevent in production, threading elsewhere
    # Email for notifications; no host means in-app notifications only.
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_from: str = "Tandem <tandem@localhost>"
    smtp_starttls: bool = False
    # How long a room's connect token lasts; the page fetches a fresh one after any outage, so
    # this bounds how long a leaked token works, not how long someone may be offline.
    room_token_seconds: int = 15 * 60
    # How long before an agreed team meeting its members are reminded.
    meeting_reminder_minutes: int = 60
    # PostgreSQL connections one process may hold at most (half kept open, half on demand).
    # The sum over every app process and worker must stay under the server's max_connections.
    database_connections: int = 20
    # Per-address limits on anonymous heavy endpoints (web/ratelimit.py); off for benchmarks.
    rate_limits: bool = True
    # Hosts the open verifier may fetch DID documents and status lists from although they
    # resolve to private, loopback or link-local addresses (an admin's explicit choice).
    verifier_allowed_hosts: frozenset[str] = frozenset()

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        defaults = cls()

        def get(name: str) -> str | None:
            value = env.get(f"TANDEM_{name}", "").strip()
            return value or None

        try:
            jwks_ttl = float(get("JWKS_CACHE_SECONDS") or defaults.jwks_cache_seconds)
        except ValueError as error:
            raise ConfigError(
                N_("TANDEM_JWKS_CACHE_SECONDS must be a number of seconds.")
            ) from error
        smtp_port = get("SMTP_PORT") or str(defaults.smtp_port)
        if not smtp_port.isdigit() or not 0 < int(smtp_port) < 65536:
            raise ConfigError(N_("TANDEM_SMTP_PORT must be a port number (1-65535)."))
        room_token = get("ROOM_TOKEN_SECONDS") or str(defaults.room_token_seconds)
        if not room_token.isdigit() or int(room_token) < 1:
            raise ConfigError(
                N_("TANDEM_ROOM_TOKEN_SECONDS must be a whole number of seconds (1 or more).")
            )
        reminder = get("MEETING_REMINDER_MINUTES") or str(defaults.meeting_reminder_minutes)
        if not reminder.isdigit() or not 5 <= int(reminder) <= 7 * 24 * 60:
            raise ConfigError(
                N_(
                    "TANDEM_MEETING_REMINDER_MINUTES must be a whole number of minutes "
                    "(5 to 10080)."
                )
            )
        connections = get("DATABASE_CONNECTIONS") or str(defaults.database_connections)
        if not connections.isdigit() or not 2 <= int(connections) <= 1000:
            raise ConfigError(
                N_("TANDEM_DATABASE_CONNECTIONS must be a whole number of connections (2 to 1000).")
            )
        instance = get("INSTANCE_PATH")
        return cls(
            env=get("ENV") or defaults.env,
            instance_path=Path(instance).resolve() if instance else defaults.instance_path,
            database_url=get("DATABASE_URL"),
            secret_key=get("SECRET_KEY"),
            base_url=(get("BASE_URL") or defaults.base_url).rstrip("/"),
            redis_url=get("REDIS_URL"),
            jwks_cache_seconds=jwks_ttl,
            frame_ancestors=get("FRAME_ANCESTORS") or defaults.frame_ancestors,
            default_locale=get("DEFAULT_LOCALE") or defaults.default_locale,
            jitsi_url=(get("JITSI_URL") or defaults.jitsi_url).rstrip("/"),
            video_provider=(get("VIDEO_PROVIDER") or defaults.video_provider).lower(),
            jitsi_app_id=get("JITSI_APP_ID"),
            jitsi_app_secret=get("JITSI_APP_SECRET"),
            jaas_app_id=get("JAAS_APP_ID"),
            jaas_key_id=get("JAAS_KEY_ID"),
            jaas_private_key_file=Path(key_file)
            if (key_file := get("JAAS_PRIVATE_KEY_FILE"))
            else None,
            async_mode=get("ASYNC_MODE"),
            smtp_host=get("SMTP_HOST"),
            smtp_port=int(smtp_port),
            smtp_user=get("SMTP_USER"),
            smtp_password=get("SMTP_PASSWORD"),
            smtp_from=get("SMTP_FROM") or defaults.smtp_from,
            smtp_starttls=(get("SMTP_STARTTLS") or "").lower() in {"1", "true", "yes"},
            room_token_seconds=int(room_token),
            meeting_reminder_minutes=int(reminder),
            database_connections=int(connections),
            rate_limits=(get("RATE_LIMITS") or "on").lower() not in {"0", "off", "false", "no"},
            verifier_allowed_hosts=frozenset(
                host.strip().lower()
                for host in (get("VERIFIER_ALLOWED_HOSTS") or "").split(",")
                if host.strip()
            ),
        )

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def socketio_async_mode(self) -> str:
        return self.async_mode or ("gevent" if self.is_production else "threading")

    @property
    def video(self) -> VideoSettings:
        """The call provider's settings (the JaaS key is read from its file here)."""
        provider = VideoProvider(self.video_provider)
        if provider is VideoProvider.JAAS:
            key_file = self.jaas_private_key_file
            return VideoSettings(
                provider=provider,
                app_id=self.jaas_app_id,
                key_id=self.jaas_key_id,
                private_key_pem=key_file.read_text() if key_file and key_file.is_file() else None,
            )
        return VideoSettings(
            provider=provider,
            base_url=self.jitsi_url,
            app_id=self.jitsi_app_id,
            app_secret=self.jitsi_app_secret,
        )

    @property
    def is_https(self) -> bool:
        return urlsplit(self.base_url).scheme == "https"

    def check(self) -> None:
        """Refuse settings that would be unsafe where real students' data lives."""
        if self.env not in ENVIRONMENTS:
            raise ConfigError(
                N_(
                    "TANDEM_ENV must be one of %(choices)s, not %(value)r.",
                    choices=", ".join(ENVIRONMENTS),
                    value=self.env,
                )
            )
        parts = urlsplit(self.base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ConfigError(
                N_("TANDEM_BASE_URL must be an absolute URL, not %(value)r.", value=self.base_url)
            )
        jitsi = urlsplit(self.jitsi_url)
        if jitsi.scheme not in ("http", "https") or not jitsi.netloc:
            raise ConfigError(
                N_("TANDEM_JITSI_URL must be an absolute URL, not %(value)r.", value=self.jitsi_url)
            )
        if self.socketio_async_mode not in ASYNC_MODES:
            raise ConfigError(
                N_(
                    "TANDEM_ASYNC_MODE must be one of %(choices)s, not %(value)r.",
                    choices=", ".join(ASYNC_MODES),
                    value=self.socketio_async_mode,
                )
            )
        if self.video_provider not in {p.value for p in VideoProvider}:
            choices = ", ".join(p.value for p in VideoProvider)
            raise ConfigError(
                N_(
                    "TANDEM_VIDEO_PROVIDER must be one of %(choices)s, not %(value)r.",
                    choices=choices,
                    value=self.video_provider,
                )
            )
        video_problems = self.video.problems()
        if video_problems:
            raise ConfigError(
                N_("Video provider %(provider)s:", provider=self.video_provider), video_problems
            )
        if not self.is_production:
            return
        problems: list[Text] = []
        if not self.secret_key or len(self.secret_key) < 32:
            problems.append(N_("set TANDEM_SECRET_KEY to a random value of at least 32 characters"))
        if parts.scheme != "https":
            problems.append(N_("TANDEM_BASE_URL must use https (LMSs embed Tandem in https pages)"))
        if not self.database_url:
            problems.append(N_("set TANDEM_DATABASE_URL (e.g. postgresql+psycopg://...)"))
        if jitsi.scheme != "https":
            problems.append(
                N_("TANDEM_JITSI_URL must use https (browsers give calls no camera otherwise)")
            )
        if problems:
            raise ConfigError(N_("Tandem will not start in production:"), problems)

    def resolved(self) -> Settings:
        """Fill the development defaults that live in the instance folder (created if needed)."""
        self.check()
        self.instance_path.mkdir(parents=True, exist_ok=True)
        database_url = self.database_url or f"sqlite:///{self.instance_path / 'tandem.sqlite3'}"
        return replace(
            self, database_url=database_url, secret_key=self.secret_key or self._stored_secret()
        )

    def _stored_secret(self) -> str:
        path = self.instance_path / SECRET_KEY_FILE
        if not path.exists():
            path.touch(mode=0o600)
            path.write_text(secrets.token_urlsafe(48))
        return path.read_text().strip()
