"""Instructor tokens: shown once, stored hashed, revocable."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from notes import tokens
from notes.book import NotesBook
from notes.schema import TokenRow


def test_a_created_token_names_its_holder(book: NotesBook) -> None:
    with book.writing() as session:
        token = tokens.create(session, "alice")
    assert book.author_of(token) == "alice"


def test_only_a_salted_hash_of_the_token_is_stored(book: NotesBook) -> None:
    with book.writing() as session:
        token = tokens.create(session, "alice")
        row = session.scalar(select(TokenRow))
        assert row is not None and token.encode() not in row.digest and len(row.salt) == 16


def test_a_revoked_token_names_nobody(book: NotesBook) -> None:
    with book.writing() as session:
        token = tokens.create(session, "alice")
    with book.writing() as session:
        tokens.revoke(session, "alice")
    assert book.author_of(token) is None


def test_a_wrong_token_with_the_right_prefix_names_nobody(book: NotesBook) -> None:
    with book.writing() as session:
        token = tokens.create(session, "alice")
    assert book.author_of(token[: tokens.PREFIX_CHARS] + "x" * 20) is None


def test_a_name_is_used_once(book: NotesBook) -> None:
    with book.writing() as session:
        tokens.create(session, "alice")
    with pytest.raises(ValueError, match="alice"), book.writing() as session:
        tokens.create(session, "alice")


def test_revoking_an_unknown_name_lists_the_live_ones(book: NotesBook) -> None:
    with book.writing() as session:
        tokens.create(session, "alice")
    with pytest.raises(KeyError, match="alice"), book.writing() as session:
        tokens.revoke(session, "bob")


def test_checking_a_token_again_reuses_its_scrypt_hash_and_a_revoke_still_takes_effect_at_once(
    book: NotesBook, monkeypatch: pytest.MonkeyPatch
) -> None:
    with book.writing() as session:
        token = tokens.create(session, "alice")
    hashed = []
    real_scrypt = tokens.hashlib.scrypt
    monkeypatch.setattr(tokens.hashlib, "scrypt", lambda *a, **k: hashed.append(1) or real_scrypt(*a, **k))
    assert [book.author_of(token) for _ in range(5)] == ["alice"] * 5
    assert len(hashed) == 1
    assert book.author_of(token[:-1] + ("A" if token[-1] != "A" else "B")) is None  # a near miss is hashed, and fails
    with book.writing() as session:
        tokens.revoke(session, "alice")
    assert book.author_of(token) is None
