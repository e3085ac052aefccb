"""Configuration read from the environment inside the factory, never at import time."""

from __future__ import annotations

import base64
import json
import os
import secrets
from pathlib import Path


def normalise_database_url(url: str) -> str:
    """Accept the ``postgres://`` and ``postgresql://`` forms hosting panels print."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _instance_secret(
    instance_path: Path, name: str = "secret_key", make=lambda: secrets.token_urlsafe(48)
) -> str:
    """A development key kept under instance/, so sessions (and encrypted data) survive restarts."""
    key_file = instance_path / name
    if not key_file.exists():
        key_file.write_text(make())
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def _data_key() -> str:
    """A Fernet key: 32 random bytes, URL-safe base64."""
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


def _hours_list(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(","))


def _hour_range(text: str) -> tuple[int, int]:
    """``22-7``: from 22:00 to 07:00 local."""
    start, end = (int(part) for part in text.split("-"))
    return start, end


def _json_map(text: str) -> dict[str, str]:
    """A JSON object of strings, e.g. message kind -> provider template code."""
    value = json.loads(text)
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise ValueError(f"expected a JSON object of strings, got {text!r}")
    return value


MEGABYTE = 1024 * 1024


def load_config(instance_path: Path) -> dict:
    """The settings of docs/design.md rule 8 (configuration), with safe defaults for the demo."""
    instance_path.mkdir(parents=True, exist_ok=True)
    env = os.environ
    default_db = f"sqlite:///{instance_path / 'engage.db'}"
    return {
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(env.get("DATABASE_URL", default_db)),
        "SECRET_KEY": env.get("SECRET_KEY") or _instance_secret(instance_path),
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI", "memory://"),
        "LOGIN_LIMIT_PER_ACCOUNT": env.get("LOGIN_LIMIT_PER_ACCOUNT", "10 per 15 minutes"),
        "LOGIN_LIMIT_PER_ADDRESS": env.get("LOGIN_LIMIT_PER_ADDRESS", "30 per 15 minutes"),
        "TRUST_PROXY": env.get("TRUST_PROXY", "") == "1",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        # The remember-me cookie is a long-lived credential: only over HTTPS unless turned off
        # for a plain-HTTP intranet (the session cookie follows each request's scheme).
        "REMEMBER_COOKIE_SECURE": env.get("REMEMBER_COOKIE_SECURE", "1") == "1",
        "PERMANENT_SESSION_LIFETIME": 60 * 60 * 12,
        "API_TOKEN_LIFETIME_DAYS": int(env.get("API_TOKEN_LIFETIME_DAYS", "30")),
        "BABEL_DEFAULT_LOCALE": "zh_CN",
        "BABEL_DEFAULT_TIMEZONE": env.get("ENGAGE_TIMEZONE", "Asia/Shanghai"),
        "LANGUAGES": {"zh_CN": "中文", "en": "English"},
        "WTF_CSRF_TIME_LIMIT": None,
        "POINTS_EXPIRY_MONTHS": int(env.get("POINTS_EXPIRY_MONTHS", "0")),
        "PASSWORD_HASH_METHOD": env.get("PASSWORD_HASH_METHOD", "scrypt"),
        "SQLALCHEMY_ENGINE_OPTIONS": {},
        "SQLITE_IMMEDIATE_TRANSACTIONS": True,
        "ACTIVITY_MAX_HOURS": int(env.get("ACTIVITY_MAX_HOURS", "8")),
        "REDEMPTION_PICKUP_HOURS": int(env.get("REDEMPTION_PICKUP_HOURS", "72")),
        "KIOSK_IDLE_SECONDS": int(env.get("KIOSK_IDLE_SECONDS", "60")),
        "KIOSK_QUEUE_HOURS": int(env.get("KIOSK_QUEUE_HOURS", "24")),
        "LEDGER_SEAL_MINUTES": int(env.get("LEDGER_SEAL_MINUTES", "60")),
        "DUTY_URGENT_ARRIVE_MINUTES": int(env.get("DUTY_URGENT_ARRIVE_MINUTES", "30")),
        "DUTY_ARRIVE_HOURS": int(env.get("DUTY_ARRIVE_HOURS", "24")),
        "DUTY_STALE_DAYS": int(env.get("DUTY_STALE_DAYS", "180")),
        "STAR_LEVEL_HOURS": _hours_list(env.get("STAR_LEVEL_HOURS", "100,300,600,1000,1500")),
        "DATA_ENCRYPTION_KEY": env.get("DATA_ENCRYPTION_KEY")
        or _instance_secret(instance_path, "data_key", _data_key),
        "ORDER_UNRATED_CLOSE_DAYS": int(env.get("ORDER_UNRATED_CLOSE_DAYS", "3")),
        # 吹哨报到: the hours a whistled unit has to report in.
        "WHISTLE_REPORT_HOURS": int(env.get("WHISTLE_REPORT_HOURS", "24")),
        "UPLOAD_FOLDER": env.get("UPLOAD_FOLDER", str(instance_path / "uploads")),
        # A body over the limit gets 413 before it is read: JSON and forms are small, and only the
        # views marked ``accepts_upload`` take a photo of up to 5 MB with its form.
        "MAX_CONTENT_LENGTH": MEGABYTE,
        "UPLOAD_MAX_CONTENT_LENGTH": 6 * MEGABYTE,
        **_delivery_config(env, instance_path),
        **_queue_config(env),
    }


def _queue_config(env) -> dict:
    """The job queue (docs/design.md, "Background work"): RQ on Redis when REDIS_URL is set."""
    return {
        "REDIS_URL": env.get("REDIS_URL", ""),
        "JOB_QUEUE": env.get("JOB_QUEUE", "engage"),
        # How long a finished job's state and result (an export's file) stay readable.
        "JOB_RESULT_SECONDS": int(env.get("JOB_RESULT_SECONDS", "3600")),
        # An export of more rows than this is made by a worker while the page shows its progress.
        "EXPORT_QUEUE_ROWS": int(env.get("EXPORT_QUEUE_ROWS", "5000")),
        # How often the workers queue ``tick`` (one of them, whichever comes first).
        "TICK_SECONDS": int(env.get("TICK_SECONDS", "300")),
    }


def _delivery_config(env, instance_path: Path) -> dict:
    """Outbound messages (docs/design.md, "Notifications and delivery"): with no provider
    configured, SMS and WeChat messages are appended to files under instance/."""
    return {
        # file | aliyun | tencent. The file backend appends JSON lines {"to", "text", "at"}.
        "SMS_BACKEND": env.get("SMS_BACKEND", "file"),
        "SMS_OUTBOX_FILE": env.get("SMS_OUTBOX_FILE", str(instance_path / "sms-outbox.jsonl")),
        # Empty: the provider's public endpoint (and Aliyun cn-hangzhou, Tencent ap-guangzhou).
        "SMS_ENDPOINT": env.get("SMS_ENDPOINT", ""),
        "SMS_REGION": env.get("SMS_REGION", ""),
        # Aliyun AccessKey ID and secret, or Tencent SecretId and SecretKey.
        "SMS_ACCESS_KEY_ID": env.get("SMS_ACCESS_KEY_ID", ""),
        "SMS_ACCESS_KEY_SECRET": env.get("SMS_ACCESS_KEY_SECRET", ""),
        "SMS_SIGN_NAME": env.get("SMS_SIGN_NAME", ""),
        "SMS_SDK_APP_ID": env.get("SMS_SDK_APP_ID", ""),  # Tencent only
        # Message kind -> template code, with a "default"; a notice's template has one variable, text.
        "SMS_TEMPLATES": _json_map(env.get("SMS_TEMPLATES", "{}")),
        # file | wechat (subscribe messages through the mini-program / official account API).
        "WECHAT_BACKEND": env.get("WECHAT_BACKEND", "file"),
        "WECHAT_OUTBOX_FILE": env.get("WECHAT_OUTBOX_FILE", str(instance_path / "wechat-outbox.jsonl")),
        "WECHAT_APP_ID": env.get("WECHAT_APP_ID", ""),
        "WECHAT_APP_SECRET": env.get("WECHAT_APP_SECRET", ""),
        "WECHAT_API_BASE": env.get("WECHAT_API_BASE", "https://api.weixin.qq.com"),
        "WECHAT_TEMPLATES": _json_map(env.get("WECHAT_TEMPLATES", "{}")),
        "WECHAT_TEXT_FIELD": env.get("WECHAT_TEXT_FIELD", "thing1"),
        "WECHAT_PAGE": env.get("WECHAT_PAGE", ""),
        "WECHAT_MINIPROGRAM_STATE": env.get("WECHAT_MINIPROGRAM_STATE", "formal"),
        "OUTBOX_TIMEOUT_SECONDS": float(env.get("OUTBOX_TIMEOUT_SECONDS", "10")),
        "OUTBOX_MAX_ATTEMPTS": int(env.get("OUTBOX_MAX_ATTEMPTS", "6")),
        # Retries wait this long, doubling each time (with up to half again of jitter).
        "OUTBOX_RETRY_SECONDS": int(env.get("OUTBOX_RETRY_SECONDS", "30")),
        # A claimed message not recorded within the lease is taken for a crash and sent again.
        "OUTBOX_LEASE_SECONDS": int(env.get("OUTBOX_LEASE_SECONDS", "120")),
        "OUTBOX_BATCH": int(env.get("OUTBOX_BATCH", "100")),
        "OUTBOX_POLL_SECONDS": float(env.get("OUTBOX_POLL_SECONDS", "2")),
        # Default quiet hours (local, from-to) without non-urgent SMS, and the digest's hour.
        "NOTIFY_QUIET_HOURS": _hour_range(env.get("NOTIFY_QUIET_HOURS", "22-7")),
        "NOTIFY_DIGEST_HOUR": int(env.get("NOTIFY_DIGEST_HOUR", "8")),
    }
