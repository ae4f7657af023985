"""The vault's bulk entry points used by the importer give what the one-value calls give
(same token format, same blind indexes)."""

from __future__ import annotations

import hmac
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from faircollect.store import pii
from faircollect.vault import Vault, VaultError, _Hmac256

KEYS = ("faircollect-test-master-key-A-0123456789abcdefghij",)
TOKEN = re.compile(r"^v1\.[0-9a-f]{8}\.[A-Za-z0-9_-]+$")

texts = st.one_of(st.none(), st.text(max_size=40))


@given(st.lists(texts, max_size=30))
@settings(max_examples=80, deadline=None)
def test_encrypt_many_is_encrypt_optional(values: list[str | None]) -> None:
    v = Vault(KEYS)
    tokens = v.encrypt_many(values, field=pii.BORROWER_ADDRESS)
    assert len(tokens) == len(values)
    for value, token in zip(values, tokens, strict=True):
        if value is None:
            assert token is None
            continue
        assert token is not None and TOKEN.match(token)
        assert v.decrypt(token, field=pii.BORROWER_ADDRESS) == value
        assert len(token) == len(v.encrypt(value, field=pii.BORROWER_ADDRESS))
        with pytest.raises(VaultError):  # the field is the AAD
            v.decrypt(token, field=pii.BORROWER_NAME)
    fresh = v.encrypt_many(values, field=pii.BORROWER_ADDRESS)
    assert all(a != b for a, b in zip(tokens, fresh, strict=True) if a is not None)  # nonces


@pytest.mark.parametrize(
    ("kind", "values"),
    [
        ("phone", ["13800138000", "+8613912345678", " 138 0013 8000 ", "+1 415 555 2671", None]),
        ("email", ["A@Example.COM ", "b@example.cn", None]),
        ("id_number", ["44010619900101123x", "440106 199001011235", None]),
        ("name", ["张 伟", "ＡＢＣ", None]),
        ("address", ["广东省  广州市", None]),
        ("text", ["Hello  World"]),
        ("app", ["wx:abc"]),
    ],
)
def test_blind_index_many_is_blind_index(kind: str, values: list[str | None]) -> None:
    v = Vault(KEYS)
    assert v.blind_index_many(values, kind=kind) == [
        v.blind_index_optional(x, kind=kind) for x in values
    ]


def test_blind_index_many_refuses_what_blind_index_refuses() -> None:
    v = Vault(KEYS)
    with pytest.raises(VaultError):
        v.blind_index_many(["x"], kind="shoe_size")
    with pytest.raises(VaultError):
        v.blind_index_many(["not a phone"], kind="phone")


@given(st.binary(min_size=1, max_size=80), st.binary(max_size=300))
@settings(max_examples=100, deadline=None)
def test_precomputed_hmac_is_hmac_sha256(key: bytes, msg: bytes) -> None:
    assert _Hmac256(key).digest(msg) == hmac.digest(key, msg, "sha256")
