"""The session store: one SQLite database (stdlib ``sqlite3``, WAL) in the member's data folder.

Where: ``--data-dir``, else ``$COACH_HOME``, else the platform's user data folder
(``platformdirs.user_data_dir("form-coach")``: ``~/.local/share/form-coach`` on Linux, honouring
``$XDG_DATA_HOME``). Layout::

    DATA/coach.db                    the store (plus coach.db-wal, coach.db-shm while open)
    DATA/sessions/<uuid>/landmarks.npz   each session's landmark recording (exact replay)
    DATA/sessions/<uuid>/video.mp4       the annotated video, only with --save-video

Everything is personal health data: folders are created 0700 and files 0600 (SQLite gives
the -wal and -shm files the database file's permissions).

Durability: every event (a set starting, an attempt, a cue, a pain entry...) is its own
transaction, committed when it happens, with ``synchronous = FULL``: a crash, a kill -9 or a
power cut loses at most the event in flight. A session whose ``ended_at`` is empty did not end
normally; readers say so rather than guess.

Schema: ``PRAGMA user_version`` is the schema version; ``MIGRATIONS[i]`` takes a database from
version i to i + 1, each in one transaction. A database newer than this program is refused
(StoreError), never modified. docs/store.md describes every table and column.
"""
from __future__ import annotations

import json
import os
import socket
import sqlite3
import uuid as _uuid
from pathlib import Path
from typing import Any, Iterable, Mapping, Optional

from .errors import CoachError

DB_NAME = "coach.db"


class StoreError(CoachError):
    """The store cannot be opened or read (exit 1)."""


class UnknownSession(StoreError):
    """A session reference (id, uuid prefix, date, 'last') that names no session, or more than
    one: the user typed something to fix (exit 2, like any usage error)."""

    exit_code = 2


# What a member or therapist may type for the most recent session.
LATEST = ("last", "latest")


MIGRATIONS: tuple[str, ...] = (
    # 0 -> 1: the tables.
    """
    CREATE TABLE profiles (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL,
        safety_seen_at TEXT            -- when the safety screen was last shown (NULL: never)
    );
    CREATE TABLE sessions (
        id INTEGER PRIMARY KEY,
        uuid TEXT NOT NULL UNIQUE,
        profile_id INTEGER NOT NULL REFERENCES profiles(id),
        routine_id TEXT NOT NULL,
        routine_version TEXT NOT NULL,
        routine_sha256 TEXT NOT NULL,
        plan_json TEXT NOT NULL,       -- the planned sets, as run
        per_week INTEGER NOT NULL,
        lang TEXT NOT NULL,
        sources TEXT NOT NULL,         -- JSON list of the sources (camera index, files)
        app_version TEXT NOT NULL,
        model TEXT NOT NULL,           -- pose model name and sha256, or 'recording'
        started_at TEXT NOT NULL,      -- UTC ISO 8601
        ended_at TEXT,                 -- NULL: still running or ended abnormally (crash, kill -9)
        end_reason TEXT,               -- completed | quit | interrupted | source ended | failed
        host TEXT NOT NULL,
        pid INTEGER NOT NULL,
        recording_path TEXT,           -- relative to the data folder
        video_path TEXT,
        imported_from TEXT             -- the zip a session was imported from (coach import)
    );
    CREATE TABLE rule_files (
        session_id INTEGER NOT NULL REFERENCES sessions(id),
        exercise_id TEXT NOT NULL,
        version TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        path TEXT NOT NULL,
        PRIMARY KEY (session_id, exercise_id)
    );
    CREATE TABLE sets (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions(id),
        set_index INTEGER NOT NULL,    -- 0-based in the routine's plan
        step_index INTEGER NOT NULL,
        number INTEGER NOT NULL,       -- 1-based within its step
        of_sets INTEGER NOT NULL,
        exercise_id TEXT NOT NULL,
        side TEXT,                     -- left/right for one side of an alternate exercise
        target_reps INTEGER NOT NULL,  -- 0 for a hold set
        target_hold_s REAL NOT NULL,   -- 0 for a reps set
        measure TEXT,                  -- the [rep.range] measure reached/target/rest are in
        unit TEXT,
        started_t REAL NOT NULL,       -- session seconds
        ended_t REAL,
        end_reason TEXT,               -- target | skipped | quit | interrupted | source ended | time up
        reps INTEGER,                  -- counted reps at the end (this side only for a sided step)
        held_s REAL,
        frames INTEGER,
        frames_with_pose INTEGER
    );
    CREATE TABLE attempts (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions(id),
        set_id INTEGER NOT NULL REFERENCES sets(id),
        start_t REAL NOT NULL,         -- session seconds
        end_t REAL NOT NULL,
        counted INTEGER NOT NULL,      -- 1 a counted rep, 0 an attempt that did not count
        side TEXT,
        reason TEXT,                   -- why it did not count
        reached REAL,                  -- furthest value of the measure (its unit)
        target REAL,                   -- the value a rep had to reach
        rest REAL,                     -- the member's rest value when it ended
        rom REAL,                      -- range of motion |reached - rest| (measure's unit)
        tempo_s REAL NOT NULL,         -- end_t - start_t
        hold_s REAL,                   -- longest hold in this attempt, for exercises with a hold
        faults TEXT NOT NULL           -- JSON list of check ids that failed in a counted rep
    );
    CREATE TABLE cues (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions(id),
        set_id INTEGER NOT NULL REFERENCES sets(id),
        t REAL NOT NULL,
        source TEXT NOT NULL,          -- the check id, or praise/view/setup/rep
        severity TEXT NOT NULL,
        message TEXT NOT NULL
    );
    CREATE TABLE pain (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions(id),
        moment TEXT NOT NULL CHECK (moment IN ('before', 'after')),
        score INTEGER NOT NULL CHECK (score BETWEEN 0 AND 10),
        at TEXT NOT NULL,
        how TEXT NOT NULL              -- flag | prompt | window
    );
    CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions(id),
        t REAL,                        -- session seconds (NULL: before the first frame)
        at TEXT NOT NULL,              -- UTC ISO 8601
        kind TEXT NOT NULL,            -- set_start, set_end, rest_start, rest_end, pause, resume, skip, quit,
                                       -- safety_screen, stop_suggested, source_end
        data TEXT NOT NULL             -- JSON object
    );
    """,
    # 1 -> 2: indexes for reports and history (one session, one profile's sessions in time order).
    """
    CREATE INDEX attempts_by_session ON attempts(session_id, set_id);
    CREATE INDEX cues_by_session ON cues(session_id);
    CREATE INDEX events_by_session ON events(session_id);
    CREATE INDEX sessions_by_profile ON sessions(profile_id, started_at);
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


def default_data_dir() -> Path:
    home = os.environ.get("COACH_HOME")
    if home:
        return Path(home)
    try:
        import platformdirs
    except ImportError:  # pragma: no cover - a dependency; fall back to the XDG default
        xdg = os.environ.get("XDG_DATA_HOME")
        return (Path(xdg) if xdg else Path.home() / ".local" / "share") / "form-coach"
    return Path(platformdirs.user_data_dir("form-coach", appauthor=False))


def utc_now() -> str:
    import datetime as _dt
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="milliseconds")


def private_dir(path: Path) -> Path:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    return path


def write_private(path: Path, text: str) -> Path:
    """Write a text file readable by its owner only (reports and exports are health data),
    atomically: a temporary file in the same folder, then renamed over ``path``."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


class _Conn:
    """The sqlite3 connection, with every database error (a full disk, a locked or damaged file)
    turned into one StoreError line for the member."""

    def __init__(self, con: sqlite3.Connection, path: Path):
        self._con = con
        self._path = path

    def execute(self, sql: str, params: Iterable = ()):
        try:
            return self._con.execute(sql, tuple(params))
        except sqlite3.Error as e:
            raise StoreError(f"session store {self._path}: {e}") from None

    def close(self) -> None:
        self._con.close()


class Store:
    """One open store. Every write method commits before it returns."""

    def __init__(self, data_dir: Optional[Path] = None, *, create: bool = True):
        self.data_dir = Path(data_dir) if data_dir else default_data_dir()
        self.path = self.data_dir / DB_NAME
        if not self.path.exists():
            if not create:
                raise StoreError(f"no sessions yet: {self.path} does not exist")
            try:
                private_dir(self.data_dir)
                os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))  # owner-only before SQLite opens it
            except OSError as e:
                raise StoreError(f"cannot create the session store {self.path}: {e.strerror or e}") from None
        try:
            raw = sqlite3.connect(str(self.path), isolation_level=None, timeout=10.0)
            raw.row_factory = sqlite3.Row
            self.db = _Conn(raw, self.path)
            v = self.version
            if v > SCHEMA_VERSION:  # before anything (even the journal mode) writes to the file
                self.db.close()
                raise StoreError(f"{self.path} has schema version {v}, newer than this coach understands "
                                 f"({SCHEMA_VERSION}): update the coach")
            self.db.execute("PRAGMA journal_mode = WAL")
            self.db.execute("PRAGMA synchronous = FULL")  # a committed event survives a power cut
            self.db.execute("PRAGMA foreign_keys = ON")
            self._migrate()
        except sqlite3.DatabaseError as e:
            raise StoreError(f"cannot open the session store {self.path}: {e}") from None


    # ------------------------------------------------------------------ schema
    @property
    def version(self) -> int:
        return int(self.db.execute("PRAGMA user_version").fetchone()[0])

    def _migrate(self) -> None:
        v = self.version
        if v > SCHEMA_VERSION:
            raise StoreError(f"{self.path} has schema version {v}, newer than this coach understands "
                             f"({SCHEMA_VERSION}): update the coach")
        for target in range(v + 1, SCHEMA_VERSION + 1):
            self.db.execute("BEGIN IMMEDIATE")
            try:
                if self.version != target - 1:  # another process migrated meanwhile
                    self.db.execute("ROLLBACK")
                    continue
                for stmt in _statements(MIGRATIONS[target - 1]):
                    self.db.execute(stmt)
                self.db.execute(f"PRAGMA user_version = {target}")
                self.db.execute("COMMIT")
            except BaseException:
                self.db.execute("ROLLBACK")
                raise

    def close(self) -> None:
        try:
            self.db.close()
        except sqlite3.Error:
            pass

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _insert(self, table: str, row: Mapping[str, Any]) -> int:
        cols = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        cur = self.db.execute(f"INSERT INTO {table} ({cols}) VALUES ({marks})", tuple(row.values()))
        return int(cur.lastrowid)

    # ------------------------------------------------------------------ profiles
    def profile_id(self, name: str) -> int:
        row = self.db.execute("SELECT id FROM profiles WHERE name = ?", (name,)).fetchone()
        if row:
            return int(row[0])
        return self._insert("profiles", {"name": name, "created_at": utc_now()})

    def safety_seen(self, profile_id: int) -> Optional[str]:
        row = self.db.execute("SELECT safety_seen_at FROM profiles WHERE id = ?", (profile_id,)).fetchone()
        return row[0] if row else None

    def mark_safety_seen(self, profile_id: int) -> None:
        self.db.execute("UPDATE profiles SET safety_seen_at = ? WHERE id = ?", (utc_now(), profile_id))

    # ------------------------------------------------------------------ one session, as it happens
    def start_session(self, *, profile: str, routine, plan_json: list, lang: str, sources: list, app_version: str,
                      model: str, recording: Optional[str] = None, started_at: Optional[str] = None,
                      session_uuid: Optional[str] = None) -> tuple[int, str]:
        uid = session_uuid or str(_uuid.uuid4())
        sid = self._insert("sessions", {
            "uuid": uid, "profile_id": self.profile_id(profile), "routine_id": routine.id,
            "routine_version": routine.version, "routine_sha256": routine.sha256,
            "plan_json": json.dumps(plan_json, ensure_ascii=False), "per_week": routine.per_week, "lang": lang,
            "sources": json.dumps(sources), "app_version": app_version, "model": model,
            "started_at": started_at or utc_now(), "host": socket.gethostname(), "pid": os.getpid(),
            "recording_path": recording})
        return sid, uid

    def set_session_paths(self, session_id: int, recording: Optional[str], video: Optional[str]) -> None:
        self.db.execute("UPDATE sessions SET recording_path = ?, video_path = ? WHERE id = ?",
                        (recording, video, session_id))

    def add_rule_file(self, session_id: int, exercise_id: str, version: str, sha256: str, path: str) -> None:
        self.db.execute("INSERT OR IGNORE INTO rule_files VALUES (?, ?, ?, ?, ?)",
                        (session_id, exercise_id, version, sha256, path))

    def start_set(self, session_id: int, **row: Any) -> int:
        return self._insert("sets", {"session_id": session_id, **row})

    def end_set(self, set_id: int, **row: Any) -> None:
        cols = ", ".join(f"{k} = ?" for k in row)
        self.db.execute(f"UPDATE sets SET {cols} WHERE id = ?", (*row.values(), set_id))

    def add_attempt(self, session_id: int, set_id: int, **row: Any) -> int:
        row = dict(row)
        row["faults"] = json.dumps(list(row.get("faults") or ()))
        return self._insert("attempts", {"session_id": session_id, "set_id": set_id, **row})

    def add_cue(self, session_id: int, set_id: int, t: float, source: str, severity: str, message: str) -> int:
        return self._insert("cues", {"session_id": session_id, "set_id": set_id, "t": t, "source": source,
                                     "severity": severity, "message": message})

    def add_pain(self, session_id: int, moment: str, score: int, how: str) -> None:
        self._insert("pain", {"session_id": session_id, "moment": moment, "score": int(score), "at": utc_now(),
                              "how": how})

    def add_event(self, session_id: int, kind: str, t: Optional[float] = None, **data: Any) -> None:
        self._insert("events", {"session_id": session_id, "t": t, "at": utc_now(), "kind": kind,
                                "data": json.dumps(data, ensure_ascii=False)})

    def end_session(self, session_id: int, reason: str) -> None:
        self.db.execute("UPDATE sessions SET ended_at = ?, end_reason = ? WHERE id = ?",
                        (utc_now(), reason, session_id))

    # ------------------------------------------------------------------ reading
    def sessions(self, profile: Optional[str] = None) -> list[dict]:
        q = ("SELECT s.*, p.name AS profile FROM sessions s JOIN profiles p ON p.id = s.profile_id"
             + (" WHERE p.name = ?" if profile else "") + " ORDER BY s.started_at, s.id")
        return [dict(r) for r in self.db.execute(q, (profile,) if profile else ())]

    def find_session(self, ref: Optional[str]) -> dict:
        """A session by what a person types: its id (as 'coach sessions' shows it), its uuid or
        the first 4+ characters of it (digits alone are an id first, then a uuid's start), a
        date YYYY-MM-DD (the one session started that day, UTC), or None / 'last' / 'latest'
        for the most recent. UnknownSession (exit 2) when nothing or
        more than one session matches; StoreError when there are no sessions at all."""
        import re
        ref = None if ref is None else ref.strip()
        if ref in (None, "") or ref.lower() in LATEST:
            row = self.db.execute("SELECT * FROM sessions ORDER BY started_at DESC, id DESC LIMIT 1").fetchone()
            if row is None:
                raise StoreError(f"no sessions in {self.path} yet: run 'coach routine' first")
            return dict(row)
        assert ref is not None
        # digits are an id; failing that, they may begin a uuid (below)
        rows = self.db.execute("SELECT * FROM sessions WHERE id = ?", (int(ref),)).fetchall() if ref.isdigit() else []
        if not rows and re.fullmatch(r"\d{4}-\d{2}-\d{2}", ref):
            rows = self.db.execute("SELECT * FROM sessions WHERE substr(started_at, 1, 10) = ? ORDER BY started_at, id",
                                   (ref,)).fetchall()
            if len(rows) > 1:
                raise UnknownSession(f"{len(rows)} sessions started on {ref}: give one of their ids "
                                     f"({', '.join(str(r['id']) for r in rows)})")
        elif not rows and len(ref) >= 4 and re.fullmatch(r"[0-9a-fA-F-]+", ref):
            rows = self.db.execute("SELECT * FROM sessions WHERE uuid LIKE ?", (ref.lower() + "%",)).fetchall()
            if len(rows) > 1:
                raise UnknownSession(f"session '{ref}' is ambiguous ({len(rows)} sessions start with it: ids "
                                     f"{', '.join(str(r['id']) for r in rows)})")
        if not rows:
            raise UnknownSession(f"no session '{ref}' in {self.path} ('coach sessions' lists them)")
        return dict(rows[0])

    def session_rows(self, session_id: int) -> dict[str, Any]:
        """Everything stored about one session, as plain JSON-ready dicts."""
        one = dict(self.db.execute("SELECT s.*, p.name AS profile FROM sessions s JOIN profiles p "
                                   "ON p.id = s.profile_id WHERE s.id = ?", (session_id,)).fetchone())
        out: dict[str, Any] = {"session": one}
        for table, order in (("rule_files", "exercise_id"), ("sets", "set_index, id"), ("attempts", "id"),
                             ("cues", "id"), ("pain", "id"), ("events", "id")):
            out[table] = [dict(r) for r in self.db.execute(
                f"SELECT * FROM {table} WHERE session_id = ? ORDER BY {order}", (session_id,))]
        return out

    def import_rows(self, rows: Mapping[str, Any], imported_from: str) -> int:
        """Insert one exported session (coach export) under new ids; returns the new session id.
        A session whose uuid is already here is refused (StoreError), never duplicated."""
        s = dict(rows["session"])
        if self.db.execute("SELECT 1 FROM sessions WHERE uuid = ?", (s["uuid"],)).fetchone():
            raise StoreError(f"session {s['uuid'][:8]} is already in {self.path}")
        self.db.execute("BEGIN IMMEDIATE")
        try:
            pid = self.profile_id(s.pop("profile"))
            old_id = s.pop("id")
            s.update(profile_id=pid, imported_from=imported_from)
            sid = self._insert("sessions", s)
            for r in rows.get("rule_files", []):
                self._insert("rule_files", {**r, "session_id": sid})
            set_ids = {}
            for r in rows.get("sets", []):
                r = dict(r)
                old = r.pop("id")
                set_ids[old] = self._insert("sets", {**r, "session_id": sid})
            for table in ("attempts", "cues"):
                for r in rows.get(table, []):
                    r = dict(r)
                    r.pop("id")
                    self._insert(table, {**r, "session_id": sid, "set_id": set_ids[r["set_id"]]})
            for table in ("pain", "events"):
                for r in rows.get(table, []):
                    r = dict(r)
                    r.pop("id")
                    self._insert(table, {**r, "session_id": sid})
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        del old_id
        return sid


def _statements(script: str) -> Iterable[str]:
    """The statements of a migration script (no semicolons inside statements)."""
    for part in script.split(";"):
        lines = [ln.split("--", 1)[0] for ln in part.splitlines()]
        stmt = "\n".join(lines).strip()
        if stmt:
            yield stmt


def session_state(row: Mapping[str, Any]) -> str:
    """'ended: <reason>', 'running' (its process is alive on this host) or 'ended abnormally'."""
    if row.get("ended_at"):
        return row.get("end_reason") or "ended"
    if row.get("imported_from"):
        return "ended abnormally"
    if row.get("host") == socket.gethostname() and row.get("pid"):
        try:
            os.kill(int(row["pid"]), 0)
            return "running"
        except ProcessLookupError:
            pass
        except PermissionError:
            return "running"
    return "ended abnormally"
