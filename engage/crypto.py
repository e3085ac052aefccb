"""Encryption at rest for the most sensitive fields (ID numbers, sensitive care notes).

The key comes from DATA_ENCRYPTION_KEY (a Fernet key); without it a development key
is generated into instance/. Losing the key loses the data, so production sets it
explicitly and keeps a copy apart from the database backups.
"""
from __future__ import annotations

from cryptography.fernet import Fernet
from flask import current_app


def _fernet() -> Fernet:
    return Fernet(current_app.config["DATA_ENCRYPTION_KEY"].encode())


def encrypt(text: str) -> str:
    return _fernet().encrypt(text.encode()).decode()


def decrypt(token: str) -> str:
    return _fernet().decrypt(token.encode()).decode()
