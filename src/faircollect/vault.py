"""PII protection: AES-GCM encryption, blind indexes for lookups, masking for display.

Keys
    A `Vault` holds a key ring of master secrets: ``keys[0]`` is active (encrypts, computes
    blind indexes and token MACs), the others are retired and only accepted for decryption and
    lookups until `faircollect keys rotate` has re-encrypted every row. From each master three
    purpose keys are derived with HKDF-SHA256 (salt ``faircollect/v1``):
    ``info=faircollect/v1/encryption`` (AES-256-GCM), ``.../blind-index`` (HMAC-SHA256) and
    ``.../token`` (HMAC-SHA256 for API/visitor tokens). A master's ``key_id`` is 8 hex chars
    derived the same way (``info=.../key-id``): it names the key, it is never the key.

Tokens
    ``encrypt(text, field=...)`` returns ``"v1.<kid>.<base64url(nonce || ciphertext+tag)>"``
    (unpadded base64url, 96-bit random nonce). The field name is the AAD, so a value copied
    into another column does not decrypt. Convention for fields: ``"<table>.<column without
    _enc>"``, e.g. ``"borrowers.phone"`` (see store/pii.py).

Blind indexes
    ``blind_index(value, kind=...)`` = first 32 hex chars of HMAC-SHA256(bidx key,
    ``kind || 0x00 || normalise(value, kind)``). Kinds: ``phone`` (E.164 via phonenumbers,
    default region CN), ``email`` (stripped, lower-case), ``id_number`` (blanks removed,
    upper-case), and ``name``, ``address``, ``app``, ``text`` (NFKC, blanks collapsed,
    case-folded). During a rotation look rows up with ``blind_indexes`` (one per key).

Masking (`mask_phone`, `mask_name`, `mask_id_number`, `mask_email`, `mask_address`) is for
screens and logs; masked values are also what audit payloads may carry.

This module knows nothing about the database.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import phonenumbers
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

__all__ = [
    "BIDX_KINDS",
    "MIN_SECRET_LEN",
    "DecryptionError",
    "InvalidValue",
    "UnknownKeyError",
    "Vault",
    "VaultError",
    "mask_address",
    "mask_email",
    "mask_id_number",
    "mask_name",
    "mask_phone",
    "normalise",
]

MIN_SECRET_LEN = 32
TOKEN_VERSION = "v1"
_SALT = b"faircollect/v1"
_NONCE_LEN = 12
_TAG_LEN = 16
_BIDX_HEX = 32


class VaultError(ValueError):
    """Base class of every vault error."""


class DecryptionError(VaultError):
    """The token is malformed, was tampered with, or belongs to another field."""


class UnknownKeyError(DecryptionError):
    """The token was made with a key that is not in the ring."""


class InvalidValue(VaultError):
    """A value cannot be normalised for a blind index (e.g. not a phone number)."""


class _HasSecretKeys(Protocol):
    @property
    def secret_keys(self) -> tuple[str, ...]: ...


def _hkdf(master: bytes, purpose: str, length: int = 32) -> bytes:
    info = f"faircollect/v1/{purpose}".encode()
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=_SALT, info=info).derive(master)


_B64_URLSAFE = bytes.maketrans(b"+/", b"-_")


def _b64url(data: bytes) -> str:
    """Unpadded base64url (what ``base64.urlsafe_b64encode(data).rstrip(b"=")`` gives)."""
    return binascii.b2a_base64(data, newline=False).translate(_B64_URLSAFE).rstrip(b"=").decode()


class _Hmac256:
    """HMAC-SHA256 with a fixed key, its padded-key states computed once (RFC 2104): the
    same digest as ``hmac.digest(key, msg, "sha256")`` at a third of the cost per message."""

    __slots__ = ("_inner", "_outer")

    def __init__(self, key: bytes) -> None:
        block = 64  # SHA-256 block size; keys here are 32 bytes (HKDF output)
        if len(key) > block:  # pragma: no cover - HKDF keys are 32 bytes
            key = hashlib.sha256(key).digest()
        key = key.ljust(block, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in key))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in key))

    def digest(self, msg: bytes) -> bytes:
        inner = self._inner.copy()
        inner.update(msg)
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.digest()


@dataclass(frozen=True, slots=True)
class _Key:
    kid: str
    aead: AESGCM
    bidx_key: bytes
    token_key: bytes
    prefix: str  # "v1.<kid>."
    bidx_mac: _Hmac256

    @classmethod
    def derive(cls, master: str) -> _Key:
        raw = master.encode("utf-8")
        kid = _hkdf(raw, "key-id", 4).hex()
        bidx_key = _hkdf(raw, "blind-index")
        return cls(
            kid=kid,
            aead=AESGCM(_hkdf(raw, "encryption")),
            bidx_key=bidx_key,
            token_key=_hkdf(raw, "token"),
            prefix=f"{TOKEN_VERSION}.{kid}.",
            bidx_mac=_Hmac256(bidx_key),
        )


def key_id_for(master: str) -> str:
    """The key id of a master secret (what tokens made with it carry)."""
    return _hkdf(master.encode("utf-8"), "key-id", 4).hex()


class Vault:
    """A key ring: encrypt/decrypt PII, blind indexes, token MACs. Thread-safe, immutable."""

    __slots__ = ("_active", "_by_kid", "_fields", "_ring", "phone_region")

    def __init__(self, keys: Sequence[str], *, phone_region: str = "CN") -> None:
        if isinstance(keys, str):
            raise TypeError("Vault(keys) takes a sequence of master secrets, not one string")
        unique = list(dict.fromkeys(keys))
        if not unique:
            raise VaultError("a vault needs at least one master secret")
        for k in unique:
            if len(k) < MIN_SECRET_LEN:
                raise VaultError(f"master secrets must be at least {MIN_SECRET_LEN} characters")
        ring = tuple(_Key.derive(k) for k in unique)
        by_kid = {k.kid: k for k in ring}
        if len(by_kid) != len(ring):  # pragma: no cover - a 32-bit id collision
            raise VaultError("two master secrets share a key id; generate another secret")
        self._ring = ring
        self._active = ring[0]
        self._by_kid = by_kid
        self._fields: dict[str, bytes] = {}
        self.phone_region = phone_region

    @classmethod
    def from_settings(cls, settings: _HasSecretKeys) -> Vault:
        return cls(settings.secret_keys)

    # -- key ids ---------------------------------------------------------------------------
    @property
    def active_key_id(self) -> str:
        return self._active.kid

    @property
    def key_ids(self) -> tuple[str, ...]:
        """Every key id in the ring, active first."""
        return tuple(k.kid for k in self._ring)

    @property
    def retired_key_ids(self) -> tuple[str, ...]:
        return tuple(k.kid for k in self._ring[1:])

    @staticmethod
    def key_id_of(token: str) -> str:
        """The key id a token was made with (no decryption)."""
        parts = token.split(".", 2)
        if len(parts) != 3 or parts[0] != TOKEN_VERSION or not parts[1]:
            raise DecryptionError("not a vault token")
        return parts[1]

    def is_current(self, token: str) -> bool:
        """True when the token is under the active key (nothing to re-encrypt)."""
        return token.startswith(self._active.prefix)

    # -- encryption ------------------------------------------------------------------------
    def _aad(self, field: str) -> bytes:
        aad = self._fields.get(field)
        if aad is None:
            if not field:
                raise VaultError("field (the AAD) must be a non-empty name")
            aad = self._fields[field] = field.encode("utf-8")
        return aad

    def encrypt(self, plaintext: str, *, field: str) -> str:
        nonce = os.urandom(_NONCE_LEN)
        key = self._active
        ct = key.aead.encrypt(nonce, plaintext.encode("utf-8"), self._aad(field))
        return key.prefix + _b64url(nonce + ct)

    def encrypt_optional(self, plaintext: str | None, *, field: str) -> str | None:
        return None if plaintext is None else self.encrypt(plaintext, field=field)

    def encrypt_many(self, plaintexts: Iterable[str | None], *, field: str) -> list[str | None]:
        """`encrypt_optional` of every value (None stays None), for bulk loaders: the same
        tokens (a fresh random nonce each), with the per-call overhead paid once."""
        values = plaintexts if isinstance(plaintexts, list) else list(plaintexts)
        key = self._active
        aad = self._aad(field)
        seal = key.aead.encrypt
        prefix = key.prefix
        nonces = os.urandom(_NONCE_LEN * len(values))
        b2a, table = binascii.b2a_base64, _B64_URLSAFE
        out: list[str | None] = []
        append = out.append
        at = 0
        for v in values:
            if v is None:
                append(None)
                continue
            nonce = nonces[at : at + _NONCE_LEN]
            at += _NONCE_LEN
            body = b2a(nonce + seal(nonce, v.encode("utf-8"), aad), newline=False)
            append(prefix + body.translate(table).rstrip(b"=").decode())
        return out

    def decrypt(self, token: str, *, field: str) -> str:
        parts = token.split(".", 2)
        if len(parts) != 3 or parts[0] != TOKEN_VERSION:
            raise DecryptionError("not a vault token")
        key = self._by_kid.get(parts[1])
        if key is None:
            raise UnknownKeyError(f"token made with key {parts[1]!r}, which is not in the ring")
        body = parts[2]
        try:
            raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        except (binascii.Error, ValueError) as e:
            raise DecryptionError("malformed token") from e
        if len(raw) < _NONCE_LEN + _TAG_LEN:
            raise DecryptionError("malformed token")
        try:
            plain = key.aead.decrypt(raw[:_NONCE_LEN], raw[_NONCE_LEN:], self._aad(field))
        except InvalidTag as e:
            raise DecryptionError(
                f"token does not authenticate for field {field!r} (tampered or moved)"
            ) from e
        return plain.decode("utf-8")

    def decrypt_optional(self, token: str | None, *, field: str) -> str | None:
        return None if token is None else self.decrypt(token, field=field)

    def reencrypt(self, token: str, *, field: str) -> str:
        """The same plaintext under the active key (returns the token unchanged if current)."""
        if self.is_current(token):
            return token
        return self.encrypt(self.decrypt(token, field=field), field=field)

    # -- blind indexes ---------------------------------------------------------------------
    def _bidx(self, key: _Key, normalised: str, kind: str) -> str:
        msg = kind.encode("utf-8") + b"\x00" + normalised.encode("utf-8")
        return key.bidx_mac.digest(msg).hex()[:_BIDX_HEX]

    def blind_index(self, value: str, *, kind: str) -> str:
        """Deterministic lookup key under the active key; equal iff normalised values are."""
        return self._bidx(self._active, normalise(value, kind, self.phone_region), kind)

    def blind_index_optional(self, value: str | None, *, kind: str) -> str | None:
        return None if value is None else self.blind_index(value, kind=kind)

    def blind_index_many(self, values: Iterable[str | None], *, kind: str) -> list[str | None]:
        """`blind_index_optional` of every value (None stays None), for bulk loaders."""
        norm: Any = _NORMALISERS.get(kind)
        if norm is None:
            if kind != "phone":
                normalise("", kind)  # raises VaultError for an unknown kind
            region = self.phone_region

            def norm(v: str) -> str:
                return normalise_phone(v, region)

        head = kind.encode("utf-8") + b"\x00"
        mac = self._active.bidx_mac.digest
        return [
            None if v is None else mac(head + norm(v).encode("utf-8")).hex()[:_BIDX_HEX]
            for v in values
        ]

    def blind_indexes(self, value: str, kind: str) -> tuple[str, ...]:
        """The index under every key in the ring (active first): use ``IN (...)`` lookups
        while a rotation is under way."""
        norm = normalise(value, kind, self.phone_region)
        return tuple(self._bidx(k, norm, kind) for k in self._ring)

    # -- token MACs (API tokens, visitor tokens) -------------------------------------------
    def token_mac(self, message: str | bytes) -> str:
        """HMAC-SHA256 (hex, 64 chars) with the active token key."""
        data = message.encode("utf-8") if isinstance(message, str) else message
        return hmac.digest(self._active.token_key, data, "sha256").hex()

    def token_macs(self, message: str | bytes) -> tuple[str, ...]:
        """The MAC under every key in the ring (active first), for lookups."""
        data = message.encode("utf-8") if isinstance(message, str) else message
        return tuple(hmac.digest(k.token_key, data, "sha256").hex() for k in self._ring)

    def verify_token_mac(self, message: str | bytes, mac: str) -> bool:
        """Constant-time check of a MAC against every key in the ring."""
        ok = False
        for candidate in self.token_macs(message):
            ok |= hmac.compare_digest(candidate, mac)
        return ok

    def __repr__(self) -> str:  # never show key material
        return f"Vault(active={self.active_key_id}, retired={list(self.retired_key_ids)})"


# ---------------------------------------------------------------------------------------
# normalisation for blind indexes
# ---------------------------------------------------------------------------------------
_CN_MOBILE = re.compile(r"1[3-9]\d{9}")
_CN_MOBILE_E164 = re.compile(r"\+861[3-9]\d{9}")
_BLANKS = re.compile(r"\s+")


def normalise_phone(value: str, region: str = "CN") -> str:
    """E.164 ("+8613812345678"). Raises InvalidValue when the text is not a phone number."""
    v = value.strip()
    # fast paths (the bulk importer normalises ~1M numbers); equal to phonenumbers' answer
    if region == "CN" and _CN_MOBILE.fullmatch(v):
        return "+86" + v
    if _CN_MOBILE_E164.fullmatch(v):
        return v
    try:
        parsed = phonenumbers.parse(v, region)
    except phonenumbers.NumberParseException as e:
        raise InvalidValue("not a phone number") from e
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def normalise_email(value: str) -> str:
    return value.strip().lower()


def normalise_id_number(value: str) -> str:
    return _BLANKS.sub("", value).upper()


def normalise_text(value: str) -> str:
    return _BLANKS.sub(" ", unicodedata.normalize("NFKC", value)).strip().casefold()


BIDX_KINDS = frozenset({"phone", "email", "id_number", "name", "address", "app", "text"})
_NORMALISERS = {
    "email": normalise_email,
    "id_number": normalise_id_number,
    **{k: normalise_text for k in ("name", "address", "app", "text")},
}


def normalise(value: str, kind: str, region: str = "CN") -> str:
    """The canonical form a blind index is computed over."""
    if kind == "phone":
        return normalise_phone(value, region)
    if kind == "email":
        return normalise_email(value)
    if kind == "id_number":
        return normalise_id_number(value)
    if kind in BIDX_KINDS:
        return normalise_text(value)
    raise VaultError(f"unknown blind-index kind {kind!r} (one of {sorted(BIDX_KINDS)})")


# ---------------------------------------------------------------------------------------
# masking (display and logs)
# ---------------------------------------------------------------------------------------
def _mask_middle(s: str, head: int, tail: int) -> str:
    n = len(s)
    if n <= head + tail:
        keep = max(0, min(tail, n // 3))
        return "*" * (n - keep) + s[n - keep :]
    return s[:head] + "*" * (n - head - tail) + s[n - tail :]


def _mask_digits(nsn: str) -> str:
    n = len(nsn)
    if n >= 10:
        return _mask_middle(nsn, 3, 4)
    if n >= 7:
        return _mask_middle(nsn, 2, 2)
    return _mask_middle(nsn, 0, 1)


def mask_phone(value: str, region: str = "CN") -> str:
    """ "13812345678" -> "138****5678"; "+8613812345678" -> "+86 138****5678";
    "+14155552671" -> "+1 415***2671". Text that is not a number keeps only its last digits."""
    v = value.strip()
    international = v.startswith(("+", "00"))
    try:
        parsed = phonenumbers.parse(v, region)
    except phonenumbers.NumberParseException:
        digits = re.sub(r"\D", "", v)
        return _mask_digits(digits) if digits else "*" * min(len(v), 4)
    nsn = phonenumbers.national_significant_number(parsed)
    masked = _mask_digits(nsn)
    return f"+{parsed.country_code} {masked}" if international else masked


# common two-character (compound) Chinese surnames
_COMPOUND_SURNAMES_TEXT = """
    欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 轩辕 令狐 钟离 闻人
    澹台 公冶 太史 申屠 端木 西门 南宫 独孤 百里 呼延 赫连 第五 万俟 濮阳 淳于 单于 仲孙
    乐正 司空 司寇 拓跋 羊舌 微生 梁丘 左丘 东郭 公羊 谷梁 巫马 亓官 鲜于 闾丘 子车 颛孙
    壤驷 公良 漆雕 宰父 段干 东门 南门 归海 呼衍 完颜 爱新 叶赫"""
_COMPOUND_SURNAMES = frozenset(_COMPOUND_SURNAMES_TEXT.split())


def _is_cjk(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" or ch >= "\U00020000"


def mask_name(value: str) -> str:
    """ "张三" -> "张*"; "欧阳娜娜" -> "欧阳**"; "John Smith" -> "J*** S****"."""
    name = value.strip()
    if not name:
        return ""
    if _is_cjk(name[0]):
        keep = 2 if len(name) >= 3 and name[:2] in _COMPOUND_SURNAMES else 1
        if len(name) == 1:
            return "*"
        rest = "".join(c if c in "·• " else "*" for c in name[keep:])
        return name[:keep] + rest
    return " ".join(w[0] + "*" * (len(w) - 1) for w in name.split())


def mask_id_number(value: str) -> str:
    """ "110101199003071234" -> "1101**********1234"; short ids keep only the last 4."""
    v = _BLANKS.sub("", value)
    n = len(v)
    if n >= 12:
        return v[:4] + "*" * (n - 8) + v[-4:]
    if n >= 6:
        return "*" * (n - 4) + v[-4:]
    return "*" * n


def mask_email(value: str) -> str:
    """ "zhangsan@example.com" -> "z***@example.com" (fixed-width mask: no length leak)."""
    v = value.strip()
    local, at, domain = v.rpartition("@")
    if not at:
        return _mask_middle(v, 1, 0) if v else ""
    if not local:
        return "***@" + domain
    return local[0] + "***@" + domain


_CN_PROVINCE = re.compile(r"^(北京市|上海市|天津市|重庆市|.+?(?:省|自治区|特别行政区))")
_CN_CITY = re.compile(r"^(.+?(?:自治州|地区|盟|市))")


def mask_address(value: str) -> str:
    """Keep province and city, mask the rest (fixed-width, no length leak).

    "广东省深圳市南山区科技园路1号" -> "广东省深圳市****"; "北京市朝阳区建国路88号" -> "北京市****";
    "1 Main St, Springfield, MA 01101" -> "****, Springfield, MA *****" (Latin addresses keep
    their last comma-separated parts - city, state - with digits masked).
    """
    v = value.strip()
    if not v:
        return ""
    if _is_cjk(v[0]):
        kept = ""
        m = _CN_PROVINCE.match(v)
        if m:
            kept = m.group(1)
            if kept not in ("北京市", "上海市", "天津市", "重庆市"):
                c = _CN_CITY.match(v[len(kept) :])
                if c:
                    kept += c.group(1)
        else:
            c = _CN_CITY.match(v)
            if c:
                kept = c.group(1)
        if kept == v:
            return kept
        return kept + "****"
    parts = [p.strip() for p in v.split(",") if p.strip()]
    if len(parts) < 2:
        return "****"
    keep = parts[-2:] if len(parts) >= 3 else parts[-1:]
    return ", ".join(["****", *(re.sub(r"\d", "*", p) for p in keep)])
