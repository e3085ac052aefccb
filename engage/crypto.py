"""Encryption at rest for the most sensitive fields (ID numbers, sensitive care notes).

The key (a Fernet key) is the caller's to give: the web layer and the CLI pass
DATA_ENCRYPTION_KEY from the configuration, so services need no application context.
Without the setting a development key is generated into instance/. Losing the key
loses the data, so production sets it explicitly and keeps a copy apart from the
database backups.
"""

from __future__ import annotations

from cryptography.fernet import Fernet


def encrypt(key: str, text: str) -> str:
    return Fernet(key.encode()).encrypt(text.encode()).decode()


def decrypt(key: str, token: str) -> str:
    return Fernet(key.encode()).decrypt(token.encode()).decode()
