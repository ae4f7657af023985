"""vault.py: AES-GCM tokens, AAD binding, key ring, blind indexes, masking, speed."""

from __future__ import annotations

import base64
import re
import time

import phonenumbers
import pytest
from hypothesis import given
from hypothesis import strategies as st

from faircollect.vault import (
    DecryptionError,
    InvalidValue,
    UnknownKeyError,
    Vault,
    VaultError,
    key_id_for,
    mask_address,
    mask_email,
    mask_id_number,
    mask_name,
    mask_phone,
    normalise,
    normalise_phone,
)

A = "faircollect-test-master-key-A-0123456789abcdefghij"
B = "faircollect-test-master-key-B-0123456789abcdefghij"
VA = Vault([A])
VBA = Vault([B, A])  # B active, A retired
VB = Vault([B])
FIELD = "borrowers.phone"


# -- tokens ---------------------------------------------------------------------------------
@given(st.text(max_size=200))
def test_round_trip_any_text(text: str) -> None:
    token = VA.encrypt(text, field=FIELD)
    assert VA.decrypt(token, field=FIELD) == text


def test_token_format_and_key_id() -> None:
    token = VA.encrypt("13812345678", field=FIELD)
    version, kid, body = token.split(".")
    assert version == "v1"
    assert kid == VA.active_key_id == key_id_for(A) == Vault.key_id_of(token)
    assert re.fullmatch(r"[0-9a-f]{8}", kid)
    raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    assert len(raw) == 12 + len(b"13812345678") + 16  # nonce | ct | tag
    assert A not in repr(VA) and kid in repr(VA)


def test_random_nonce_gives_distinct_tokens() -> None:
    tokens = {VA.encrypt("same", field=FIELD) for _ in range(50)}
    assert len(tokens) == 50


def test_aad_binds_token_to_its_field() -> None:
    token = VA.encrypt("13812345678", field="borrowers.phone")
    with pytest.raises(DecryptionError, match=r"borrowers\.email"):
        VA.decrypt(token, field="borrowers.email")


@pytest.mark.parametrize("position", [0, 5, 20, -1])
def test_tampered_ciphertext_fails(position: int) -> None:
    token = VA.encrypt("110101199003071234", field=FIELD)
    prefix, body = token.rsplit(".", 1)
    raw = bytearray(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    raw[position] ^= 0x01
    forged = prefix + "." + base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()
    with pytest.raises(DecryptionError):
        VA.decrypt(forged, field=FIELD)


@pytest.mark.parametrize(
    "bad", ["", "v1", "v2.abc.def", "v1.x", "plain text", "v1.{kid}.!!!!", "v1.{kid}.AAAA"]
)
def test_malformed_tokens_fail(bad: str) -> None:
    with pytest.raises(DecryptionError):
        VA.decrypt(bad.format(kid=VA.active_key_id), field=FIELD)


def test_unknown_key_is_reported() -> None:
    token = VB.encrypt("x", field=FIELD)
    with pytest.raises(UnknownKeyError):
        VA.decrypt(token, field=FIELD)


def test_ring_decrypts_old_tokens_and_encrypts_with_active() -> None:
    old = VA.encrypt("张三", field="borrowers.name")
    assert VBA.decrypt(old, field="borrowers.name") == "张三"
    assert not VBA.is_current(old)
    new = VBA.reencrypt(old, field="borrowers.name")
    assert VBA.key_id_of(new) == key_id_for(B) == VBA.active_key_id
    assert VB.decrypt(new, field="borrowers.name") == "张三"
    assert VBA.reencrypt(new, field="borrowers.name") == new
    assert VBA.key_ids == (key_id_for(B), key_id_for(A))
    assert VBA.retired_key_ids == (key_id_for(A),)


def test_key_requirements() -> None:
    with pytest.raises(VaultError):
        Vault([])
    with pytest.raises(VaultError):
        Vault(["short"])
    with pytest.raises(TypeError):
        Vault(A)  # type: ignore[arg-type]
    assert Vault([A, A]).key_ids == (key_id_for(A),)
    with pytest.raises(VaultError):
        VA.encrypt("x", field="")


def test_optional_helpers() -> None:
    assert VA.encrypt_optional(None, field=FIELD) is None
    assert VA.decrypt_optional(None, field=FIELD) is None
    assert VA.blind_index_optional(None, kind="phone") is None
    t = VA.encrypt_optional("a", field=FIELD)
    assert t is not None and VA.decrypt_optional(t, field=FIELD) == "a"


def test_from_settings() -> None:
    class S:
        secret_keys = (B, A)

    assert Vault.from_settings(S()).key_ids == VBA.key_ids


def test_token_macs() -> None:
    mac = VA.token_mac("fc_tok_abc")
    assert len(mac) == 64 and mac == VA.token_mac(b"fc_tok_abc")
    assert VBA.verify_token_mac("fc_tok_abc", mac)  # made under the retired key
    assert not VB.verify_token_mac("fc_tok_abc", mac)
    assert VBA.token_macs("fc_tok_abc")[1] == mac


# -- blind indexes --------------------------------------------------------------------------
PHONE_FORMS = [
    "13812345678",
    "138 1234 5678",
    "+86 138-1234-5678",
    "+8613812345678",
    "0086 13812345678",
]


def test_phone_formats_share_one_index() -> None:
    indexes = {VA.blind_index(p, kind="phone") for p in PHONE_FORMS}
    assert len(indexes) == 1
    (bidx,) = indexes
    assert re.fullmatch(r"[0-9a-f]{32}", bidx)
    assert VA.blind_index("13812345679", kind="phone") != bidx
    assert VB.blind_index("13812345678", kind="phone") != bidx  # keyed


def test_kinds_are_domain_separated() -> None:
    assert VA.blind_index("abc@example.com", kind="email") != VA.blind_index(
        "abc@example.com", kind="text"
    )
    with pytest.raises(VaultError):
        VA.blind_index("x", kind="nope")
    with pytest.raises(InvalidValue):
        VA.blind_index("not a phone", kind="phone")


def test_blind_indexes_cover_the_ring() -> None:
    idx = VBA.blind_indexes("13812345678", "phone")
    assert idx == (
        VB.blind_index("13812345678", kind="phone"),
        VA.blind_index("13812345678", kind="phone"),
    )


_PHONE_DIGITS = st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True)


def _phone_variant(draw: st.DrawFn, digits: str) -> str:
    style = draw(st.sampled_from(["plain", "spaced", "intl", "dashed", "00"]))
    return {
        "plain": digits,
        "spaced": f"{digits[:3]} {digits[3:7]} {digits[7:]}",
        "intl": f"+86{digits}",
        "dashed": f"+86-{digits[:3]}-{digits[3:7]}-{digits[7:]}",
        "00": f"0086 {digits}",
    }[style]


@st.composite
def phone_pairs(draw: st.DrawFn) -> tuple[str, str]:
    a = draw(_PHONE_DIGITS)
    b = draw(st.one_of(st.just(a), _PHONE_DIGITS))
    return _phone_variant(draw, a), _phone_variant(draw, b)


@given(phone_pairs())
def test_phone_bidx_equal_iff_normalised_equal(pair: tuple[str, str]) -> None:
    a, b = pair
    same_index = VA.blind_index(a, kind="phone") == VA.blind_index(b, kind="phone")
    assert same_index == (normalise(a, "phone") == normalise(b, "phone"))


@st.composite
def email_pairs(draw: st.DrawFn) -> tuple[str, str]:
    local = st.from_regex(r"[a-z][a-z0-9.]{0,8}", fullmatch=True)
    a = f"{draw(local)}@{draw(st.sampled_from(['example.com', 'qq.com']))}"
    b = draw(
        st.one_of(st.just(a), st.builds(lambda loc, d: f"{loc}@{d}", local, st.just("example.com")))
    )

    def vary(s: str) -> str:
        return draw(st.sampled_from(["", " "])) + (s.upper() if draw(st.booleans()) else s)

    return vary(a), vary(b)


@given(email_pairs())
def test_email_bidx_equal_iff_normalised_equal(pair: tuple[str, str]) -> None:
    a, b = pair
    same_index = VA.blind_index(a, kind="email") == VA.blind_index(b, kind="email")
    assert same_index == (normalise(a, "email") == normalise(b, "email"))


@given(st.text(max_size=30), st.text(max_size=30), st.sampled_from(["id_number", "name", "text"]))
def test_bidx_equal_iff_normalised_equal_any_text(a: str, b: str, kind: str) -> None:
    same_index = VA.blind_index(a, kind=kind) == VA.blind_index(b, kind=kind)
    assert same_index == (normalise(a, kind) == normalise(b, kind))


@given(_PHONE_DIGITS)
def test_fast_path_agrees_with_phonenumbers(digits: str) -> None:
    expected = phonenumbers.format_number(
        phonenumbers.parse(digits, "CN"), phonenumbers.PhoneNumberFormat.E164
    )
    assert normalise_phone(digits) == expected
    assert normalise_phone(expected) == expected


def test_other_normalisations() -> None:
    assert normalise(" Zhang.San@Example.COM ", "email") == "zhang.san@example.com"
    assert normalise(" 11010119900307123x ", "id_number") == "11010119900307123X"
    assert normalise("+1 (415) 555-2671", "phone") == "+14155552671"
    assert Vault([A], phone_region="US").blind_index("(415) 555-2671", kind="phone") == (
        VA.blind_index("+14155552671", kind="phone")
    )


# -- masking --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("13812345678", "138****5678"),
        ("138 1234 5678", "138****5678"),
        ("+8613812345678", "+86 138****5678"),
        ("+86 138-1234-5678", "+86 138****5678"),
        ("+14155552671", "+1 415***2671"),
        ("+1 (415) 555-2671", "+1 415***2671"),
        ("+44 20 7946 0958", "+44 207***0958"),
    ],
)
def test_mask_phone(raw: str, masked: str) -> None:
    assert mask_phone(raw) == masked


def test_mask_phone_never_shows_the_middle() -> None:
    for raw in ("12345", "abc", "555-0100"):
        out = mask_phone(raw)
        digits = re.sub(r"\D", "", raw)
        assert digits == "" or digits not in out.replace("*", "")


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("张三", "张*"),
        ("张三丰", "张**"),
        ("欧阳娜娜", "欧阳**"),
        ("司马光", "司马*"),
        ("诸葛亮", "诸葛*"),
        ("张", "*"),
        ("John Smith", "J*** S****"),
        ("  alice  ", "a****"),
        ("", ""),
    ],
)
def test_mask_name(raw: str, masked: str) -> None:
    assert mask_name(raw) == masked


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("110101199003071234", "1101**********1234"),
        ("11010119900307123X", "1101**********123X"),
        ("123-45-6789", "*******6789"),
        ("1234", "****"),
    ],
)
def test_mask_id_number(raw: str, masked: str) -> None:
    assert mask_id_number(raw) == masked


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("zhangsan@example.com", "z***@example.com"),
        ("a@qq.com", "a***@qq.com"),
        (" Bob.Lee@corp.example ", "B***@corp.example"),
    ],
)
def test_mask_email(raw: str, masked: str) -> None:
    assert mask_email(raw) == masked


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("广东省深圳市南山区科技园路1号", "广东省深圳市****"),
        ("北京市朝阳区建国路88号院3号楼2单元501", "北京市****"),
        ("新疆维吾尔自治区乌鲁木齐市天山区解放北路1号", "新疆维吾尔自治区乌鲁木齐市****"),
        ("浙江省杭州市", "浙江省杭州市"),
        ("1 Main St, Springfield, MA 01101", "****, Springfield, MA *****"),
        ("Flat 2, 10 Baker Street, London, NW1 6XE", "****, London, NW* *XE"),
        ("somewhere", "****"),
    ],
)
def test_mask_address(raw: str, masked: str) -> None:
    assert mask_address(raw) == masked


# -- speed ----------------------------------------------------------------------------------
def test_encrypt_is_fast_enough_for_bulk_import() -> None:
    n = 20_000
    start = time.perf_counter()
    for _ in range(n):
        VA.encrypt("13812345678", field=FIELD)
    per_call_us = (time.perf_counter() - start) / n * 1e6
    # ~1.5 µs on the dev box; a generous bound that still catches per-call key setup
    assert per_call_us < 50, per_call_us
