"""`coach export` / `coach import`: one session as a zip for a therapist.

The zip holds::

    session.json    {"format": 1, "rows": Store.session_rows(...)}: every store row of the session
    landmarks.npz   the session's landmark recording (when it has one)
    report.html     the session's report (coach report), readable without the coach
    video.mp4       the annotated video, only when the session saved one (--save-video)

``import`` inserts the rows under new ids (a session already in the store, same uuid, is
refused, never duplicated) and puts the recording in the session's folder. Only these names
are read from a zip; nothing in it is executed or unpacked elsewhere.
"""
from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

from .errors import UsageError
from .store import Store, StoreError, private_dir

FORMAT = 1
MAX_JSON_BYTES = 50_000_000


def export_session(store: Store, session_id: int, out: Path) -> Path:
    from .report import render_html, report_data, session_traces
    rows = store.session_rows(session_id)
    s = rows["session"]
    tmp = out.with_name(f".{out.name}.tmp")
    fd = os.open(tmp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)  # personal health data: owner only
    os.close(fd)
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as z:
            z.writestr("session.json", json.dumps({"format": FORMAT, "rows": rows}, ensure_ascii=False, indent=1))
            z.writestr("report.html", render_html(report_data(rows), s["lang"] or "en",
                                                   session_traces(store, rows)))
            for key, name in (("recording_path", "landmarks.npz"), ("video_path", "video.mp4")):
                if s.get(key) and (store.data_dir / s[key]).exists():
                    z.write(store.data_dir / s[key], name)
        os.replace(tmp, out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return out


def import_session(store: Store, bundle: Path) -> tuple[int, str]:
    if not bundle.exists():
        raise UsageError(f"no such file: {bundle}")
    try:
        with zipfile.ZipFile(bundle) as z:
            names = set(z.namelist())
            if "session.json" not in names:
                raise UsageError(f"{bundle}: not a session bundle (no session.json)")
            if z.getinfo("session.json").file_size > MAX_JSON_BYTES:
                raise UsageError(f"{bundle}: session.json is too large to be a session")
            doc = json.loads(z.read("session.json").decode("utf-8"))
            if not isinstance(doc, dict) or doc.get("format") != FORMAT or "rows" not in doc:
                fmt = doc.get('format') if isinstance(doc, dict) else '?'
                raise UsageError(f"{bundle}: unknown bundle format {fmt}")
            rows = doc["rows"]
            uid = rows["session"]["uuid"]
            if store.db.execute("SELECT 1 FROM sessions WHERE uuid = ?", (uid,)).fetchone():
                raise StoreError(f"session {uid[:8]} is already in {store.path}")
            folder = private_dir(private_dir(store.data_dir / "sessions") / uid)
            rec = vid = None
            for name, attr in (("landmarks.npz", "rec"), ("video.mp4", "vid")):
                if name in names:
                    target = folder / name
                    if target.exists():
                        raise StoreError(f"session {uid[:8]} is already in {store.path}")
                    fd = os.open(target, os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o600)
                    with os.fdopen(fd, "wb") as f, z.open(name) as src:
                        while True:
                            chunk = src.read(1 << 20)
                            if not chunk:
                                break
                            f.write(chunk)
                    if attr == "rec":
                        rec = str(target.relative_to(store.data_dir))
                    else:
                        vid = str(target.relative_to(store.data_dir))
            rows["session"]["recording_path"] = rec
            rows["session"]["video_path"] = vid
    except (zipfile.BadZipFile, UnicodeDecodeError, json.JSONDecodeError, KeyError) as e:
        raise UsageError(f"{bundle}: not a readable session bundle ({e.__class__.__name__})") from None
    sid = store.import_rows(rows, imported_from=bundle.name)
    return sid, uid
