"""Settings from the environment (DESIGN 4.1).

- FAIRCOLLECT_DATABASE_URL: SQLAlchemy URL; default a SQLite file under ./var/
- FAIRCOLLECT_SECRET_KEY: master secret (>= 32 characters). Default: a random key kept in
  ./var/secret.key (mode 0600). Keys for encryption, blind indexes and tokens are derived from
  it with HKDF (see vault.py); no key ever goes into the database.
- FAIRCOLLECT_PREVIOUS_SECRET_KEYS: comma-separated retired master secrets still accepted for
  decryption while `faircollect keys rotate` re-encrypts (env mode only; in key-file mode the
  file keeps retired keys on the lines after the first).
- FAIRCOLLECT_VAR_DIR: where the default DB, key file and demo files live (default ./var)
- FAIRCOLLECT_ENV: "production" refuses FAIRCOLLECT_CLOCK and the default key file.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

MIN_SECRET_LEN = 32


class ConfigError(RuntimeError):
    pass


@dataclass(frozen=True)
class Settings:
    var_dir: Path
    database_url: str
    secret_keys: tuple[str, ...]  # active first, then retired ones (decrypt only)
    env: str
    key_file: Path | None  # set when keys come from the key file (rotation rewrites it)

    @property
    def secret_key(self) -> str:
        return self.secret_keys[0]

    @property
    def is_production(self) -> bool:
        return self.env == "production"


def var_dir() -> Path:
    return Path(os.environ.get("FAIRCOLLECT_VAR_DIR", "var")).resolve()


def default_database_url(base: Path | None = None) -> str:
    return f"sqlite:///{(base or var_dir()) / 'faircollect.db'}"


def _validate_secret(key: str, where: str) -> str:
    if len(key) < MIN_SECRET_LEN:
        raise ConfigError(f"{where}: secret key must be at least {MIN_SECRET_LEN} characters")
    return key


def read_key_file(path: Path) -> tuple[str, ...]:
    keys = tuple(line.strip() for line in path.read_text("utf-8").splitlines() if line.strip())
    if not keys:
        raise ConfigError(f"{path}: key file is empty")
    return tuple(_validate_secret(k, str(path)) for k in keys)


def write_key_file(path: Path, keys: tuple[str, ...]) -> None:
    """Atomically (re)write the key file with mode 0600."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write("\n".join(keys) + "\n")
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def new_secret() -> str:
    return secrets.token_urlsafe(48)


def load_settings() -> Settings:
    env = os.environ.get("FAIRCOLLECT_ENV", "development").lower()
    base = var_dir()
    url = os.environ.get("FAIRCOLLECT_DATABASE_URL") or default_database_url(base)
    key = os.environ.get("FAIRCOLLECT_SECRET_KEY")
    if key:
        previous = tuple(
            _validate_secret(k.strip(), "FAIRCOLLECT_PREVIOUS_SECRET_KEYS")
            for k in os.environ.get("FAIRCOLLECT_PREVIOUS_SECRET_KEYS", "").split(",")
            if k.strip()
        )
        keys = (_validate_secret(key, "FAIRCOLLECT_SECRET_KEY"), *previous)
        return Settings(base, url, keys, env, None)
    if env == "production":
        raise ConfigError("FAIRCOLLECT_SECRET_KEY is required when FAIRCOLLECT_ENV=production")
    path = base / "secret.key"
    if not path.exists():
        write_key_file(path, (new_secret(),))
    return Settings(base, url, read_key_file(path), env, path)
