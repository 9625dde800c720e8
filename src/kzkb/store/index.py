"""An index: one connection to the database, and the parts that use it."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from kzkb.search.lexicon import Lexicon
from kzkb.settings.config import Config
from kzkb.store.db import DEFAULT_TUNING, Tuning, connect_reader, open_db, read_meta
from kzkb.store.fulltext import FullText
from kzkb.store.lexicon import StoredLexicon, stored_lexicon
from kzkb.store.links import Links
from kzkb.store.records import Records
from kzkb.store.refresh import Progress, Refresher, RefreshStats


class Index:
    """A SQLite database of one KB's records."""

    def __init__(self, db: Any, path: str, tuning: Tuning = DEFAULT_TUNING) -> None:
        self.db = db
        self.path = path
        self.tuning = tuning
        self.records = Records(db)
        self.links = Links(db)
        self.fulltext = FullText(db)

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str] = ":memory:",
        *,
        owned: bool = False,
        tuning: Tuning = DEFAULT_TUNING,
    ) -> Index:
        """Open (or create) the index; see store.db.open_db."""
        name = str(path)
        return cls(open_db(name, owned, tuning), name, tuning)

    def close(self) -> None:
        self.db.close()

    def refresh(
        self,
        config: Config,
        *,
        rebuild: bool = False,
        progress: Progress | None = None,
        tuning: Tuning | None = None,
    ) -> RefreshStats:
        """Bring the index up to date with the KB's files; see store.refresh."""
        refresher = Refresher(self.db, self.path, tuning or self.tuning)
        return refresher.refresh(config, rebuild=rebuild, progress=progress)

    def lexicon(
        self,
        signature: str,
        build: Callable[[], Lexicon],
        stopwords: Callable[[], frozenset[str]],
    ) -> StoredLexicon:
        """Search's lexicon of this signature; see store.lexicon."""
        return stored_lexicon(self.db, self.path, signature, build, stopwords, self.tuning)

    def stamp(self) -> str | None:
        """The fingerprint of the files the index was last refreshed from: it
        changes with every refresh that changes the index."""
        return read_meta(self.db, "fingerprint")

    def filled(self, config: Config) -> bool:
        """Whether a refresh of this KB's folder has completed here before."""
        return (
            read_meta(self.db, "parse_key") == config.parse_key()
            and read_meta(self.db, "fingerprint") is not None
        )


def open_snapshot(path: str | os.PathLike[str]) -> Index:
    """An index another process keeps current, opened to read only: for
    workers that read records by id beside their parent (export)."""
    name = str(path)
    return Index(connect_reader(name), name)
