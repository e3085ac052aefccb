"""How a message leaves Engage: one adapter per provider, chosen by configuration
(``SMS_BACKEND`` = file | aliyun | tencent; ``WECHAT_BACKEND`` = file | wechat). Each
adapter sends one message and answers what became of it; every HTTP call has a timeout."""

from __future__ import annotations

from collections.abc import Mapping

from engage.outbox.adapters.aliyun import AliyunSms
from engage.outbox.adapters.base import Adapter, Envelope, ProviderTimeout, SendResult
from engage.outbox.adapters.file import FileBackend
from engage.outbox.adapters.tencent import TencentSms
from engage.outbox.adapters.wechat import WeChatSubscribe

__all__ = [
    "Adapter",
    "AliyunSms",
    "Envelope",
    "FileBackend",
    "ProviderTimeout",
    "SendResult",
    "TencentSms",
    "WeChatSubscribe",
    "adapters_from_config",
]


def sms_adapter(config: Mapping) -> Adapter:
    backend, timeout = config["SMS_BACKEND"], config["OUTBOX_TIMEOUT_SECONDS"]
    if backend == "file":
        return FileBackend(config["SMS_OUTBOX_FILE"])
    common = {
        "sign_name": config["SMS_SIGN_NAME"],
        "templates": config["SMS_TEMPLATES"],
        "timeout": timeout,
        **({"endpoint": config["SMS_ENDPOINT"]} if config["SMS_ENDPOINT"] else {}),
        **({"region": config["SMS_REGION"]} if config["SMS_REGION"] else {}),
    }
    if backend == "aliyun":
        return AliyunSms(key_id=config["SMS_ACCESS_KEY_ID"], secret=config["SMS_ACCESS_KEY_SECRET"], **common)
    if backend == "tencent":
        return TencentSms(
            secret_id=config["SMS_ACCESS_KEY_ID"],
            secret_key=config["SMS_ACCESS_KEY_SECRET"],
            sdk_app_id=config["SMS_SDK_APP_ID"],
            **common,
        )
    raise ValueError(f"SMS_BACKEND must be file, aliyun or tencent, not {backend!r}")


def wechat_adapter(config: Mapping) -> Adapter:
    backend = config["WECHAT_BACKEND"]
    if backend == "file":
        return FileBackend(config["WECHAT_OUTBOX_FILE"])
    if backend == "wechat":
        return WeChatSubscribe(
            app_id=config["WECHAT_APP_ID"],
            secret=config["WECHAT_APP_SECRET"],
            templates=config["WECHAT_TEMPLATES"],
            text_field=config["WECHAT_TEXT_FIELD"],
            page=config["WECHAT_PAGE"],
            miniprogram_state=config["WECHAT_MINIPROGRAM_STATE"],
            base=config["WECHAT_API_BASE"],
            timeout=config["OUTBOX_TIMEOUT_SECONDS"],
        )
    raise ValueError(f"WECHAT_BACKEND must be file or wechat, not {backend!r}")


def adapters_from_config(config: Mapping) -> dict[str, Adapter]:
    """The adapter of each channel, as configured."""
    return {"sms": sms_adapter(config), "wechat": wechat_adapter(config)}
