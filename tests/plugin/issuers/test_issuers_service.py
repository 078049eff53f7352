"""The trusted-issuer registry on both databases: import adds and renames, twice is
harmless, entries are checked before anything is written, removal is by id."""

import pytest
from sqlalchemy.orm import Session

from plugin.errors import InvalidInput, NotFound
from plugin.issuers.service import (
    import_trusted_issuers,
    list_trusted_issuers,
    parse_entries,
    remove_trusted_issuer,
    trusted_lookup,
)


def test_import_is_idempotent_and_renames(session: Session) -> None:
    entries = parse_entries(
        {
            "issuers": [
                {"id": "did:web:uni-a.example", "name": "Uni A"},
                {"id": "https://uni-b.example/issuer", "name": " Uni B "},
            ]
        }
    )
    first = import_trusted_issuers(session, entries)
    assert (first.added, first.renamed, first.unchanged) == (2, 0, 0)
    again = import_trusted_issuers(session, entries)
    assert (again.added, again.renamed, again.unchanged) == (0, 0, 2)
    renamed = import_trusted_issuers(
        session, parse_entries([{"id": "did:web:uni-a.example", "name": "Universiteit A"}])
    )
    assert renamed.renamed == 1
    assert [row.name for row in list_trusted_issuers(session)] == ["Uni B", "Universiteit A"]
    known = trusted_lookup(session)
    assert known("did:web:uni-a.example")
    assert not known("did:web:uni-c.example")


@pytest.mark.parametrize(
    "data",
    [
        {"issuers": "nope"},
        [{"id": "did:web:ok.example"}],
        [{"id": "javascript:alert(1)", "name": "X"}],
        [{"id": "did:web:" + "a" * 600, "name": "X"}],
        [{"id": "did:web:ok.example", "name": "x" * 201}],
        ["did:web:ok.example"],
    ],
)
def test_bad_entries_are_refused_before_any_write(session: Session, data: object) -> None:
    with pytest.raises(InvalidInput):
        import_trusted_issuers(session, parse_entries(data))
    assert list_trusted_issuers(session) == []


def test_remove(session: Session) -> None:
    import_trusted_issuers(session, parse_entries([{"id": "did:key:z6Mkx", "name": "K"}]))
    row = list_trusted_issuers(session)[0]
    assert remove_trusted_issuer(session, row.id) == "K"
    with pytest.raises(NotFound):
        remove_trusted_issuer(session, row.id)
