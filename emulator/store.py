"""SQLite storage for buckets, indexes and vectors.

One connection guarded by one lock, in autocommit mode with explicit ``BEGIN IMMEDIATE``:
every request's reads and writes form one serialisable transaction, so concurrent clients
can neither lose nor resurrect data. A shared-cache ``:memory:`` URI with a connection per
thread would add table-lock errors (SQLITE_LOCKED) to handle for no gain: the emulator is
I/O-bound on HTTP, not on SQLite. ``path`` makes the data survive restarts (WAL file).

Keys are stored as UTF-8 BLOBs so ordering is bytewise (= code point order) and no
collation can fold case or normalise Unicode; vector data and metadata are stored as the
JSON text of what was put, so reads return exactly the values written.

Lagging reads (options ``*_lag_s``): the ``vectors`` table is always the truth (DeleteVectors
acts on it at once); while a lag is configured every write also records the state it replaced
in ``changes``, and reads pick, per key, the newest change that their lag lets them see. The
history is pruned once every reader sees past it. ``cursors`` backs ListVectors tokens whose
last key is too long to carry inline (a key of 1,024 four-byte characters is 4 KiB; tokens stay
under 512 bytes, the smaller of the documented bounds).
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import sqlite3
import threading
import time
import zlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS buckets (
    account TEXT NOT NULL, name TEXT NOT NULL, created REAL NOT NULL, resource_group TEXT,
    policy TEXT, logging TEXT, PRIMARY KEY (account, name));
CREATE TABLE IF NOT EXISTS indexes (
    id INTEGER PRIMARY KEY AUTOINCREMENT, account TEXT NOT NULL, bucket TEXT NOT NULL, name TEXT NOT NULL,
    created REAL NOT NULL, data_type TEXT NOT NULL, dimension INTEGER NOT NULL, metric TEXT NOT NULL,
    nonfilterable TEXT NOT NULL, UNIQUE (account, bucket, name));
CREATE TABLE IF NOT EXISTS vectors (
    index_id INTEGER NOT NULL, key BLOB NOT NULL, data TEXT NOT NULL, metadata TEXT,
    PRIMARY KEY (index_id, key)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS tombstones (
    index_id INTEGER NOT NULL, key BLOB NOT NULL, data TEXT NOT NULL, metadata TEXT,
    PRIMARY KEY (index_id, key)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS changes (
    index_id INTEGER NOT NULL, key BLOB NOT NULL, seq INTEGER NOT NULL, at REAL NOT NULL, kind TEXT NOT NULL,
    prev_data TEXT, prev_metadata TEXT, PRIMARY KEY (index_id, key, seq)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS changes_at ON changes (at);
CREATE TABLE IF NOT EXISTS cursors (
    id TEXT PRIMARY KEY, index_id INTEGER NOT NULL, key BLOB NOT NULL, created REAL NOT NULL) WITHOUT ROWID;
"""

READERS = ("list", "get")  # ListVectors/QueryVectors, and GetVectors
CURSOR_TTL = 24 * 3600.0
# A change: (seq, time, kind "put"/"delete", data before it or None when the key was absent, metadata before it).
Change = tuple[int, float, str, str | None, str | None]

CHUNK = 400
# Keys compared as UTF-8 BLOBs: CAST(text AS BLOB) yields the UTF-8 bytes (the database encoding is UTF-8).
_DELETE_JSON = "DELETE FROM vectors WHERE index_id=? AND key IN (SELECT CAST(value AS BLOB) FROM json_each(?))"
_DELETE_JSON_MEMBER = "DELETE FROM vectors WHERE index_id=? AND key IN (SELECT CAST(value AS BLOB) FROM json_each(?, ?))"


@dataclass(frozen=True)
class Bucket:
    account: str
    name: str
    created: float
    resource_group: str | None


@dataclass(frozen=True)
class Index:
    id: int
    account: str
    bucket: str
    name: str
    created: float
    data_type: str
    dimension: int
    metric: str
    nonfilterable: str


@dataclass(frozen=True)
class VectorRow:
    key: str
    data: str
    metadata: str | None


@dataclass(frozen=True)
class Visibility:
    """How far each read lags behind the writes it could see (options ``*_lag_s`` and ``lag_jitter``)."""

    list_delete: float = 0.0
    get_delete: float = 0.0
    put: float = 0.0
    jitter: bool = False

    @property
    def enabled(self) -> bool:
        return bool(self.list_delete or self.get_delete or self.put)

    @property
    def window(self) -> float:
        """Changes older than this are visible to every reader."""
        return max(self.list_delete, self.get_delete, self.put)

    def lag(self, reader: str, kind: str, key: bytes) -> float:
        """Seconds until ``reader`` sees a change of ``kind`` to ``key``; with jitter a per-key fraction of it."""
        base = self.put if kind == "put" else self.list_delete if reader == "list" else self.get_delete
        if self.jitter and base:
            return base * (zlib.crc32(key) / 0xFFFFFFFF)
        return base


def segment_of(key: bytes, count: int) -> int:
    """Stable segment assignment for ListVectors segmentCount/segmentIndex."""
    return zlib.crc32(key) % count if count > 0 else 0


def _b(key: str) -> bytes:
    return key.encode("utf-8")


def _chunks(keys: Sequence[str]) -> Iterator[list[bytes]]:
    for start in range(0, len(keys), CHUNK):
        yield [_b(k) for k in keys[start:start + CHUNK]]


def _marks(n: int) -> str:
    return ",".join("?" * n)


class Tx:
    """Operations available inside one transaction."""

    def __init__(self, conn: sqlite3.Connection, json_each: bool = False, begun: bool = True,
                 store: Store | None = None) -> None:
        self._c = conn
        self._json_each = json_each
        self.begun = begun
        self._store = store
        self._vis = store.visibility if store is not None else Visibility()
        self.lagged = self._vis.enabled

    def begin(self) -> None:
        """Open the transaction of a ``Store.tx(begin=False)`` block (a no-op once open)."""
        if not self.begun:
            self._c.execute("BEGIN IMMEDIATE")
            self.begun = True

    # buckets
    def get_bucket(self, account: str, name: str) -> Bucket | None:
        row = self._c.execute(
            "SELECT account, name, created, resource_group FROM buckets WHERE account=? AND name=?", (account, name)
        ).fetchone()
        return Bucket(*row) if row else None

    def create_bucket(self, bucket: Bucket) -> None:
        self._c.execute(
            "INSERT INTO buckets (account, name, created, resource_group) VALUES (?, ?, ?, ?)",
            (bucket.account, bucket.name, bucket.created, bucket.resource_group),
        )

    def count_buckets(self, account: str) -> int:
        return int(self._c.execute("SELECT COUNT(*) FROM buckets WHERE account=?", (account,)).fetchone()[0])

    def list_buckets(self, account: str, prefix: str, marker: str, limit: int, resource_group: str | None) -> list[Bucket]:
        sql = "SELECT account, name, created, resource_group FROM buckets WHERE account=? AND name > ? AND substr(name, 1, ?) = ?"
        args: list[object] = [account, marker, len(prefix), prefix]
        if resource_group:
            sql += " AND resource_group = ?"
            args.append(resource_group)
        sql += " ORDER BY name LIMIT ?"
        args.append(limit)
        return [Bucket(*r) for r in self._c.execute(sql, args)]

    def bucket_names(self, account: str) -> list[str]:
        return [r[0] for r in self._c.execute("SELECT name FROM buckets WHERE account=? ORDER BY name", (account,))]

    def delete_bucket(self, account: str, name: str) -> None:
        self._c.execute("DELETE FROM buckets WHERE account=? AND name=?", (account, name))

    def get_bucket_attr(self, account: str, name: str, column: str) -> str | None:
        if column not in ("policy", "logging"):
            raise ValueError(column)
        row = self._c.execute(f"SELECT {column} FROM buckets WHERE account=? AND name=?", (account, name)).fetchone()
        return None if row is None else row[0]

    def set_bucket_attr(self, account: str, name: str, column: str, value: str | None) -> None:
        if column not in ("policy", "logging"):
            raise ValueError(column)
        self._c.execute(f"UPDATE buckets SET {column}=? WHERE account=? AND name=?", (value, account, name))

    # indexes
    _INDEX_COLS = "id, account, bucket, name, created, data_type, dimension, metric, nonfilterable"

    def get_index(self, account: str, bucket: str, name: str) -> Index | None:
        row = self._c.execute(
            f"SELECT {self._INDEX_COLS} FROM indexes WHERE account=? AND bucket=? AND name=?", (account, bucket, name)
        ).fetchone()
        return Index(*row) if row else None

    def create_index(self, account: str, bucket: str, name: str, created: float, data_type: str, dimension: int,
                     metric: str, nonfilterable: str) -> None:
        self._c.execute(
            "INSERT INTO indexes (account, bucket, name, created, data_type, dimension, metric, nonfilterable)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (account, bucket, name, created, data_type, dimension, metric, nonfilterable),
        )

    def list_indexes(self, account: str, bucket: str, prefix: str = "", after: str = "", limit: int = -1) -> list[Index]:
        return [
            Index(*r)
            for r in self._c.execute(
                f"SELECT {self._INDEX_COLS} FROM indexes WHERE account=? AND bucket=? AND name > ?"
                " AND substr(name, 1, ?) = ? ORDER BY name LIMIT ?",
                (account, bucket, after, len(prefix), prefix, limit),
            )
        ]

    def delete_index(self, index_id: int) -> None:
        for table in ("vectors", "tombstones", "changes", "cursors"):
            self._c.execute(f"DELETE FROM {table} WHERE index_id=?", (index_id,))
        self._c.execute("DELETE FROM indexes WHERE id=?", (index_id,))

    # vectors
    def put_vectors(self, index_id: int, rows: Iterable[VectorRow]) -> None:
        batch = [(index_id, _b(r.key), r.data, r.metadata) for r in rows]
        if self.lagged:
            self._record(index_id, [b[1] for b in batch], "put")
        self._c.executemany("INSERT OR REPLACE INTO vectors (index_id, key, data, metadata) VALUES (?, ?, ?, ?)", batch)
        self._c.executemany("DELETE FROM tombstones WHERE index_id=? AND key=?", [(b[0], b[1]) for b in batch])

    def _select_keys(self, table: str, index_id: int, keys: Sequence[str]) -> dict[str, VectorRow]:
        found: dict[str, VectorRow] = {}
        for chunk in _chunks(keys):
            sql = f"SELECT key, data, metadata FROM {table} WHERE index_id=? AND key IN ({_marks(len(chunk))})"
            for key, data, meta in self._c.execute(sql, [index_id, *chunk]):
                text = bytes(key).decode("utf-8")
                found[text] = VectorRow(text, data, meta)
        return found

    def get_vectors(self, index_id: int, keys: Sequence[str]) -> dict[str, VectorRow]:
        return self._select_keys("vectors", index_id, keys)

    def tombstoned(self, index_id: int, keys: Sequence[str]) -> set[str]:
        return set(self._select_keys("tombstones", index_id, keys))

    def tombstoned_rows(self, index_id: int, keys: Sequence[str]) -> dict[str, VectorRow]:
        """The last deleted state of keys (only the history faults read it)."""
        return self._select_keys("tombstones", index_id, keys)

    def all_keys(self, index_id: int) -> list[str]:
        return [bytes(r[0]).decode("utf-8") for r in self._c.execute("SELECT key FROM vectors WHERE index_id=? ORDER BY key",
                                                                      (index_id,))]

    def scan(self, index_id: int) -> list[VectorRow]:
        return [
            VectorRow(bytes(k).decode("utf-8"), d, m)
            for k, d, m in self._c.execute("SELECT key, data, metadata FROM vectors WHERE index_id=? ORDER BY key", (index_id,))
        ]

    def delete_keys(self, index_id: int, keys: Sequence[str], history: bool = True) -> int:
        """Delete keys (absent ones are fine); with ``history``, leave tombstones for the faults that need them.

        Without history (the healthy path) the keys travel as one JSON array expanded by SQLite's
        ``json_each``, which is much cheaper than binding hundreds of parameters; keys whose JSON
        needs ``\\u`` escapes (control characters, NUL) take the parameter path, as does SQLite
        without JSON support.
        """
        if self.lagged:
            self._record(index_id, [_b(k) for k in keys], "delete")
        if not history and keys:
            text = json.dumps(keys if isinstance(keys, list) else list(keys), ensure_ascii=False)
            if self._json_each and "\\u" not in text:
                return int(self._c.execute(_DELETE_JSON, (index_id, text)).rowcount)
            return sum(
                self._c.execute(f"DELETE FROM vectors WHERE index_id=? AND key IN ({_marks(len(chunk))})",
                                [index_id, *chunk]).rowcount
                for chunk in _chunks(keys)
            )
        deleted = 0
        for chunk in _chunks(keys):
            where = f"index_id=? AND key IN ({_marks(len(chunk))})"
            self._c.execute(
                f"INSERT OR REPLACE INTO tombstones (index_id, key, data, metadata) SELECT index_id, key, data, metadata"
                f" FROM vectors WHERE {where}",
                [index_id, *chunk],
            )
            deleted += self._c.execute(f"DELETE FROM vectors WHERE {where}", [index_id, *chunk]).rowcount
        return deleted

    def delete_json_array(self, index_id: int, json_text: str, member: str) -> bool:
        """Delete the keys listed in the top-level ``member`` array of the JSON object ``json_text``, without tombstones.

        For a request body the caller has already parsed and validated (``member`` is an array of
        strings). False, having changed nothing, when SQLite cannot be trusted to read exactly what
        Python's parser read: no ``json_each``, ``\\u`` escapes anywhere (SQLite's handling of NUL and
        surrogate pairs differs), or the member name occurring more than once in the text (duplicate
        members, or the name inside a string).
        """
        if self.lagged or not self._json_each or ("\\" in json_text and "\\u" in json_text) \
                or json_text.count(f'"{member}"') != 1:
            return False
        try:
            self._c.execute(_DELETE_JSON_MEMBER, (index_id, json_text, f"$.{member}"))
        except sqlite3.Error:
            return False  # json_each raises before any row is touched
        return True

    def clear_metadata(self, index_id: int) -> None:
        self._c.execute("UPDATE vectors SET metadata=NULL WHERE index_id=?", (index_id,))

    def replace_all(self, index_id: int, rows: Sequence[VectorRow]) -> None:
        self._c.execute("DELETE FROM vectors WHERE index_id=?", (index_id,))
        self.put_vectors(index_id, rows)

    def list_vectors(self, index_id: int, after: str | None, limit: int, seg_count: int, seg_index: int,
                     with_tombstones: bool = False) -> list[VectorRow]:
        source = "vectors"
        if with_tombstones:
            source = (
                "(SELECT index_id, key, data, metadata FROM vectors UNION ALL SELECT index_id, key, data, metadata"
                " FROM tombstones t WHERE NOT EXISTS"
                " (SELECT 1 FROM vectors v WHERE v.index_id=t.index_id AND v.key=t.key))"
            )
        sql = f"SELECT key, data, metadata FROM {source} WHERE index_id=? AND key > ?"
        args: list[object] = [index_id, _b(after) if after is not None else b""]
        if seg_count > 1:
            sql += " AND ossv_segment(key, ?) = ?"
            args += [seg_count, seg_index]
        sql += " ORDER BY key LIMIT ?"
        args.append(limit)
        return [VectorRow(bytes(k).decode("utf-8"), d, m) for k, d, m in self._c.execute(sql, args)]


    # lagging reads ------------------------------------------------------------------------

    def _record(self, index_id: int, keys: Sequence[bytes], kind: str) -> None:
        """Remember the state each key had before this write (deleting an absent key changes nothing)."""
        assert self._store is not None
        now = time.time()
        before: dict[bytes, tuple[str, str | None]] = {}
        for start in range(0, len(keys), CHUNK):
            chunk = list(keys[start:start + CHUNK])
            sql = f"SELECT key, data, metadata FROM vectors WHERE index_id=? AND key IN ({_marks(len(chunk))})"
            before.update((bytes(k), (d, m)) for k, d, m in self._c.execute(sql, [index_id, *chunk]))
        rows = []
        for key in dict.fromkeys(keys):
            prev = before.get(key)
            if prev is None and kind == "delete":
                continue
            rows.append((index_id, key, self._store.next_seq(), now, kind, *(prev or (None, None))))
        self._c.executemany("INSERT INTO changes (index_id, key, seq, at, kind, prev_data, prev_metadata)"
                            " VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
        if self._store.prune_due(now):
            self._c.execute("DELETE FROM changes WHERE at < ?", (now - self._vis.window - 1.0,))

    def _changes(self, index_id: int, keys: Sequence[bytes]) -> dict[bytes, list[Change]]:
        found: dict[bytes, list[Change]] = {}
        for start in range(0, len(keys), CHUNK):
            chunk = list(keys[start:start + CHUNK])
            sql = (f"SELECT key, seq, at, kind, prev_data, prev_metadata FROM changes WHERE index_id=? AND key IN"
                   f" ({_marks(len(chunk))}) ORDER BY key, seq")
            for key, seq, at, kind, data, meta in self._c.execute(sql, [index_id, *chunk]):
                found.setdefault(bytes(key), []).append((seq, at, kind, data, meta))
        return found

    def _seen(self, key: bytes, changes: list[Change], current: tuple[str, str | None] | None, reader: str,
              now: float) -> tuple[str, str | None] | None:
        """The state after the newest change ``reader`` can see (before the oldest one when it sees none).

        Once a change is visible it stays so, so what a reader sees of a key only ever moves forward.
        """
        for i in range(len(changes) - 1, -1, -1):
            _, at, kind, _, _ = changes[i]
            if now >= at + self._vis.lag(reader, kind, key):
                if i == len(changes) - 1:
                    return current
                after = changes[i + 1]
                return None if after[3] is None else (after[3], after[4])
        first = changes[0]
        return None if first[3] is None else (first[3], first[4])

    def visible_vectors(self, index_id: int, keys: Sequence[str], reader: str) -> dict[str, VectorRow]:
        """GetVectors' view of ``keys``: the stored rows, or what ``reader``'s lag still shows."""
        current = self.get_vectors(index_id, keys)
        if not self.lagged:
            return current
        changes = self._changes(index_id, [_b(k) for k in keys])
        if not changes:
            return current
        now = time.time()
        out: dict[str, VectorRow] = {}
        for key in keys:
            history = changes.get(_b(key))
            row = current.get(key)
            if history is None:
                if row is not None:
                    out[key] = row
                continue
            state = self._seen(_b(key), history, None if row is None else (row.data, row.metadata), reader, now)
            if state is not None:
                out[key] = VectorRow(key, state[0], state[1])
        return out

    def list_visible(self, index_id: int, after: str | None, limit: int, seg_count: int, seg_index: int,
                     reader: str = "list") -> list[VectorRow]:
        """ListVectors' view: rows in key order after ``after``, as ``reader``'s lag shows them."""
        if not self.lagged:
            return self.list_vectors(index_id, after, limit, seg_count, seg_index)
        out: list[VectorRow] = []
        cursor = _b(after) if after is not None else b""
        batch = max(limit, 100)
        while len(out) < limit:
            sql = ("SELECT key FROM (SELECT key FROM vectors WHERE index_id=? AND key > ? UNION"
                   " SELECT key FROM changes WHERE index_id=? AND key > ?)")
            args: list[object] = [index_id, cursor, index_id, cursor]
            if seg_count > 1:
                sql += " WHERE ossv_segment(key, ?) = ?"
                args += [seg_count, seg_index]
            sql += " ORDER BY key LIMIT ?"
            args.append(batch)
            found = [bytes(r[0]) for r in self._c.execute(sql, args)]
            if not found:
                break
            keys = [k.decode("utf-8") for k in found]
            seen = self.visible_vectors(index_id, keys, reader)
            out += [seen[k] for k in keys if k in seen]
            cursor = found[-1]
            if len(found) < batch:
                break
        return out[:limit]

    def scan_visible(self, index_id: int, reader: str = "list") -> list[VectorRow]:
        """QueryVectors' view of the whole index."""
        if not self.lagged:
            return self.scan(index_id)
        return self.list_visible(index_id, None, 1 << 62, 1, 0, reader)

    # list cursors ---------------------------------------------------------------------------

    def save_cursor(self, index_id: int, key: str) -> str:
        """A short id standing for ``key`` in a ListVectors token; the same key of the same index gets the same id."""
        raw = _b(key)
        ident = base64.urlsafe_b64encode(hashlib.sha256(index_id.to_bytes(8, "big") + raw).digest()[:15]).decode()
        now = time.time()
        self._c.execute("INSERT OR IGNORE INTO cursors (id, index_id, key, created) VALUES (?, ?, ?, ?)",
                        (ident, index_id, raw, now))
        if self._store is not None and self._store.cursor_prune_due():
            self._c.execute("DELETE FROM cursors WHERE created < ?", (now - CURSOR_TTL,))
        return ident

    def load_cursor(self, index_id: int, ident: str) -> str | None:
        row = self._c.execute("SELECT key FROM cursors WHERE id=? AND index_id=?", (ident, index_id)).fetchone()
        return None if row is None else bytes(row[0]).decode("utf-8")


def _probe_json_each(conn: sqlite3.Connection) -> bool:
    """Whether ``json_each`` exists and CAST(text AS BLOB) gives UTF-8 here (else delete_keys binds parameters)."""
    try:
        row = conn.execute("SELECT CAST(value AS BLOB) FROM json_each(?)", ('["\u00e9\U0001f600"]',)).fetchone()
    except sqlite3.Error:
        return False
    return row is not None and bytes(row[0]) == "\u00e9\U0001f600".encode()


class Store:
    """The emulator's database; use ``with store.tx() as tx:`` for every request."""

    def __init__(self, path: str | Path | None = None, visibility: Visibility | None = None) -> None:
        self.visibility = visibility or Visibility()
        target = ":memory:" if path is None else str(path)
        self._conn = sqlite3.connect(target, check_same_thread=False, isolation_level=None)
        self._lock = threading.RLock()
        self._conn.create_function("ossv_segment", 2, lambda k, n: segment_of(bytes(k), int(n)), deterministic=True)
        # Some builds (Debian's) default to secure_delete, which zero-fills every deleted row: pure cost here.
        # The page size only applies to a database created now (an existing file keeps its own).
        self._conn.execute("PRAGMA secure_delete=OFF")
        self._conn.execute("PRAGMA page_size=8192")
        if path is not None:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.executescript(SCHEMA)
        self._json_each = _probe_json_each(self._conn)
        self._closed = False
        last = self._conn.execute("SELECT MAX(seq) FROM changes").fetchone()[0]
        self._seq = itertools.count(int(last or 0) + 1)
        self._next_prune = 0.0
        self._cursor_writes = 0

    def next_seq(self) -> int:
        """Order of changes (called under the store lock)."""
        return next(self._seq)

    def prune_due(self, now: float) -> bool:
        """True at most every half second: pruning the change history scans its time index."""
        if now < self._next_prune:
            return False
        self._next_prune = now + 0.5
        return True

    def cursor_prune_due(self) -> bool:
        self._cursor_writes += 1
        return self._cursor_writes % 1000 == 1

    @contextmanager
    def tx(self, begin: bool = True) -> Iterator[Tx]:
        """One transaction under the store lock.

        ``begin=False`` defers ``BEGIN IMMEDIATE`` to ``Tx.begin()``: statements before it run in
        autocommit mode, each atomic on its own, and the lock keeps every other request out for the
        whole block, so reads followed by one single-statement write need no explicit transaction.
        Code that may write more than one statement must call ``Tx.begin()`` first.
        """
        with self._lock:
            if self._closed:
                raise RuntimeError("store is closed")
            if begin:
                self._conn.execute("BEGIN IMMEDIATE")
            tx = Tx(self._conn, self._json_each, begin, self)
            try:
                yield tx
            except BaseException:
                if tx.begun:
                    self._conn.execute("ROLLBACK")
                raise
            if tx.begun:
                self._conn.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            if not self._closed:
                self._closed = True
                self._conn.close()
