"""Fuzzing every loader of user files (hypothesis, bounded: a few hundred examples in all, no
deadline): rule files, profiles, calibration files and landmark recordings. Whatever the bytes,
a loader either loads or raises its one clean error (RuleFileError / RecordingError / UsageError
with one line per problem); never RecursionError, MemoryError, UnicodeError or anything else.
(Routines have no loader yet on this branch.)"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from longsession import squat_recording

from coach.errors import RecordingError, RuleFileError, UsageError
from coach.library import exercises_dir
from coach.pose.recording import RecordingWriter, load_recording
from coach.profile import load_profile
from coach.rules.loader import load_exercise
from coach.rules.pipeline import parse_pipeline, parse_protocol

FUZZ = settings(max_examples=80, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
SQUAT = (exercises_dir() / "squat.toml").read_bytes()

# TOML-ish text: the language's own punctuation and words, so the fuzzer reaches the validator.
TOML_ATOMS = st.sampled_from([
    "[", "]", "{", "}", "=", ",", ".", "\n", " ", "\"", "'", "#", "\"\"\"", "[[checks]]", "[rep]", "[exercise]",
    "[measures]", "schema = 1", "all = [", "any = [", "measure = \"knee\"", "above = ", "1e309", "nan", "inf",
    "-0", "1.5", "true", "id = \"squat\"", "min_visibility = ", "5", "\x00", "\ufeff", "é", "\\u0000", "\r",
    "x = " + "[" * 3000, "y = " + "{a = " * 3000, "a." * 2000 + "b = 1",   # deep nesting
])
TOML_TEXT = st.lists(TOML_ATOMS, max_size=60).map("".join)


def _clean(exc: BaseException) -> None:
    if isinstance(exc, RuleFileError):
        assert exc.problems and all(p and "\n" not in p for p in exc.problems), exc.problems
    else:
        assert "\n" not in str(exc) and str(exc), repr(exc)


def _mutate(data: bytes, edits) -> bytes:
    b = bytearray(data)
    for pos, value, kind in edits:
        if not b:
            break
        i = pos % len(b)
        if kind == 0:
            b[i] = value
        elif kind == 1:
            del b[i]
        elif kind == 2:
            b.insert(i, value)
        else:
            del b[i:]
    return bytes(b)


EDITS = st.lists(st.tuples(st.integers(0, 1 << 20), st.integers(0, 255), st.integers(0, 3)), max_size=12)


@FUZZ
@given(text=TOML_TEXT)
def test_rule_file_loader_on_toml_like_text(tmp_path, text):
    path = tmp_path / "squat.toml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        load_exercise(path)
    except RuleFileError as exc:
        _clean(exc)


@FUZZ
@given(edits=EDITS)
def test_rule_file_loader_on_damaged_real_files(tmp_path, edits):
    path = tmp_path / "squat.toml"
    path.write_bytes(_mutate(SQUAT, edits))
    try:
        load_exercise(path)
    except RuleFileError as exc:
        _clean(exc)


PROFILE = b'[squat]\nmeasure = "knee"\nrest = 170.0\nrange = 80.5\nreps = 3\ncalibrated = "2026-11-30T12:00:00+00:00"\n'


@FUZZ
@given(edits=EDITS, extra=TOML_TEXT)
def test_profile_loader(tmp_path, edits, extra):
    path = tmp_path / "ana.toml"
    path.write_bytes(_mutate(PROFILE, edits) + extra.encode("utf-8", "surrogatepass"))
    try:
        load_profile(str(path))
    except (RuleFileError, UsageError) as exc:
        _clean(exc)


PIPELINE = (Path(__file__).resolve().parents[1] / "calibration" / "pipeline.toml").read_bytes()
PROTOCOL = (Path(__file__).resolve().parents[1] / "calibration" / "protocol.toml").read_bytes()


@FUZZ
@given(edits=EDITS, which=st.booleans())
def test_calibration_file_loaders(edits, which):
    data = _mutate(PIPELINE if which else PROTOCOL, edits)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return  # decoding is coach.limits' job, tested on its own
    try:
        (parse_pipeline if which else parse_protocol)(text, "f.toml")
    except RuleFileError as exc:
        _clean(exc)


@pytest.fixture(scope="module")
def recordings(tmp_path_factory):
    """A final .npz and a journal (the in-progress form), both small."""
    d = tmp_path_factory.mktemp("recs")
    npz = squat_recording(d / "r.npz", 12)
    rec = load_recording(npz)
    w = RecordingWriter(d / "j.npz", 30.0, (640, 480), {"source": "x"})
    for t, i, p in zip(rec.times, rec.indices, rec.poses):
        w.append(float(t), int(i), p)
    journal = w.journal.read_bytes()
    w.close()
    return npz.read_bytes(), journal


@FUZZ
@given(edits=EDITS, which=st.booleans())
def test_recording_loader_on_damaged_files(tmp_path, recordings, edits, which):
    path = tmp_path / "x.npz"
    path.write_bytes(_mutate(recordings[0] if which else recordings[1], edits))
    try:
        rec = load_recording(path)
    except RecordingError as exc:
        _clean(exc)
        return
    assert all(np.isfinite(rec.times)) and all(p is None or np.isfinite(p.image_xy).all() for p in rec.poses)


@FUZZ
@given(key=st.sampled_from(["t", "index", "has_pose", "has_world", "image_xy", "world_xyz", "visibility",
                            "presence", "frame_size", "image_size", "fps", "meta", "format_version"]),
       value=st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-(1 << 40), 1 << 40),
                       st.text(max_size=20), st.booleans()),
       shape=st.sampled_from([(), (3,), (12,), (12, 33, 2), (0,)]))
def test_recording_loader_on_wrong_arrays(tmp_path, recordings, key, value, shape):
    path = tmp_path / "x.npz"
    path.write_bytes(recordings[0])
    with np.load(path) as z:
        arrays = {k: z[k] for k in z.files}
    arrays[key] = np.full(shape, value)
    with open(path, "wb") as f:
        np.savez(f, **arrays)
    try:
        load_recording(path)
    except RecordingError as exc:
        _clean(exc)
