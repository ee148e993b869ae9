"""Every file the coach reads has limits (coach.limits): size, kind of file, encoding, nesting;
every number is range-checked; values inside recordings are checked on load; --json output is
always valid JSON. Each refusal is one positioned line, exit 2, never a traceback."""
from __future__ import annotations

import json
import math
import os
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from clirun import coach
from longsession import squat_recording

from coach.errors import RecordingError, RuleFileError
from coach.library import calibration_dir, exercises_dir, pipeline_params
from coach.limits import MAX_NESTING, TextFileProblem, decode_text, read_text
from coach.pose import recording as rec_mod
from coach.pose.recording import load_recording
from coach.profile import load_profile, parse_profile
from coach.rules.loader import load_exercise, parse_text
from coach.runner import RuleWatcher

REPO = Path(__file__).resolve().parents[1]
SQUAT = (exercises_dir() / "squat.toml").read_text(encoding="utf-8")




def deep_toml(levels: int) -> str:
    return "schema = 1\nx = " + "[" * levels + "1" + "]" * levels + "\n"


# ------------------------------------------------------------------ nesting

def test_rule_file_nested_hundreds_deep_is_a_positioned_error_exit_2(tmp_path):
    bad = tmp_path / "deep.toml"
    bad.write_text(deep_toml(5000))
    p = coach("check-rules", str(bad))
    assert p.returncode == 2 and "Traceback" not in p.stderr
    assert p.stderr.strip() == (f"{bad}:2:{5 + MAX_NESTING}: nested deeper than {MAX_NESTING} levels "
                                "(arrays and tables inside each other): not a file the coach accepts")


def test_deep_conditions_are_refused_with_position():
    text = SQUAT + "\n[[checks]]\nid = \"deep\"\nmessage = \"x\"\nexpect = " + "{ all = [" * 40 + \
        "{ measure = \"knee\", above = 1 }" + "] }" * 40 + "\n"
    ex, problems = parse_text(text, "squat.toml")
    assert ex is None and len(problems) == 1
    line = text.count("\n", 0, text.rindex("expect = {")) + 1
    col = len("expect = ") + 16 * len("{ all = [") + 1  # the 33rd bracket opens the 17th "{ all = ["
    assert problems[0].startswith(f"squat.toml:{line}:{col}: nested deeper than 32 levels")


def test_profile_nested_deep_is_refused(tmp_path):
    path = tmp_path / "ana.toml"
    path.write_text("[squat]\nmeasure = " + "[" * 3000 + "]" * 3000 + "\n")
    with pytest.raises(RuleFileError) as e:
        load_profile(str(path))
    assert e.value.problems == [f"{path}:2:{11 + MAX_NESTING}: nested deeper than {MAX_NESTING} levels "
                                "(arrays and tables inside each other): not a file the coach accepts"]


def test_pipeline_file_nested_deep_is_refused(tmp_path):
    path = tmp_path / "pipeline.toml"
    path.write_text("[pose]\nx = " + "{a = " * 100 + "1" + "}" * 100 + "\n")
    with pytest.raises(RuleFileError) as e:
        pipeline_params(path)
    assert e.value.problems[0].startswith(f"{path}:2:") and "nested deeper than 32 levels" in e.value.problems[0]


def test_recording_with_meta_nested_deep_is_refused(tmp_path):
    path = squat_recording(tmp_path / "r.npz", 5)
    with np.load(path) as z:
        arrays = {k: z[k] for k in z.files}
    arrays["meta"] = np.array("[" * 100000 + "]" * 100000)
    with open(path, "wb") as f:
        np.savez(f, **arrays)
    with pytest.raises(RecordingError) as e:
        load_recording(path)
    assert str(e.value) == (f"cannot load recording '{path}': not a landmark recording ('meta' is nested deeper "
                            f"than {MAX_NESTING} levels at character {MAX_NESTING + 1})")
    p = coach("analyze", str(path), "--exercise", "squat")
    assert p.returncode == 2 and p.stderr.strip() == f"coach: error: {e.value}"


def test_live_session_keeps_the_last_good_rules_when_a_deep_edit_is_saved(tmp_path):
    path = tmp_path / "squat.toml"
    path.write_text(SQUAT)
    good = load_exercise(path)
    w = RuleWatcher(str(path), every=1)
    path.write_text(deep_toml(20000))
    os.utime(path, (1, 1))  # a new mtime, whatever the filesystem's resolution
    assert w.poll() is None
    assert w.error == (f"{path}:2:{5 + MAX_NESTING}: nested deeper than {MAX_NESTING} levels "
                       "(arrays and tables inside each other): not a file the coach accepts")
    path.write_text(SQUAT.replace('version = "1.0.0"', 'version = "1.0.1"'))
    os.utime(path, (2, 2))
    assert w.poll().version == "1.0.1" and w.error is None and good.version == "1.0.0"


# ------------------------------------------------------------------ sizes, devices, encodings

def test_huge_rule_file_is_refused_without_reading_it(tmp_path):
    big = tmp_path / "big.toml"
    with open(big, "wb") as f:
        f.truncate(3_000_000_000)  # sparse: 3 GB that are never read
    p = coach("check-rules", str(big))
    assert p.returncode == 2
    assert p.stderr.strip() == f"{big}: larger than 1000 kB: not a file the coach expects here"


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")
def test_endless_file_is_refused():
    p = coach("check-rules", "/dev/zero", timeout=60)
    assert p.returncode == 2 and p.stderr.strip() == "/dev/zero: not a regular file (a device or a pipe)"
    p = coach("analyze", "x.mp4", "--exercise", "squat", "--profile", "/dev/zero", timeout=60)
    assert p.returncode == 2 and "not a regular file" in p.stderr and "Traceback" not in p.stderr


@pytest.mark.parametrize("data, message", [
    (SQUAT.encode("utf-16"), "1:1: the file is UTF-16 encoded: save it as UTF-8"),
    ("schema = 1\n# Ñandú\n".encode("latin-1"), "2:3: not UTF-8 text (byte 0xd1): save the file as UTF-8"),
    (b"schema = 1\nx = \"a\x00b\"\n", "2:7: a NUL character: this is not a text file"),
])
def test_odd_encodings_are_refused_with_position(tmp_path, data, message):
    path = tmp_path / "odd.toml"
    path.write_bytes(data)
    with pytest.raises(RuleFileError) as e:
        load_exercise(path)
    assert e.value.problems == [f"{path}:{message}"]


def test_utf8_with_bom_is_read():
    assert decode_text(b"\xef\xbb\xbfschema = 1\n") == "schema = 1\n"


def test_read_text_refuses_a_pipe_without_blocking(tmp_path):
    fifo = tmp_path / "p.toml"
    os.mkfifo(fifo)
    with pytest.raises(TextFileProblem, match="not a regular file"):
        read_text(fifo)


def test_huge_recording_is_refused_before_unpacking(tmp_path, monkeypatch):
    path = squat_recording(tmp_path / "r.npz", 50)
    monkeypatch.setattr(rec_mod, "MAX_RECORDING_BYTES", 10_000)
    with pytest.raises(RecordingError, match=r"not a landmark recording \(0\.\d GB of data, more than"):
        load_recording(path)


# ------------------------------------------------------------------ ranges

def test_min_visibility_5_is_rejected_with_position(tmp_path):
    path = tmp_path / "squat.toml"
    path.write_text(SQUAT.replace("min_visibility = 0.5 ", "min_visibility = 5   ", 1))
    p = coach("check-rules", str(path))
    line = SQUAT[: SQUAT.index("min_visibility = 0.5 ")].count("\n") + 1
    assert p.returncode == 2
    assert p.stderr.strip() == f"{path}:{line}:1: 'min_visibility' expects a value <= 1 (0-1), found 5"


@pytest.mark.parametrize("old, new, message", [
    ("min_rep_s = ", "min_rep_s = 6000 #", "'min_rep_s' expects a value <= 600 (s), found 6000"),
    ("praise_every = ", "praise_every = 1000 #", "'praise_every' expects a value <= 100 (reps), found 1000"),
])
def test_every_number_has_an_upper_bound(old, new, message):
    if old not in SQUAT:
        text = SQUAT + ("\n[feedback]\npraise_every = 1000\n" if "praise" in old else "")
    else:
        text = SQUAT.replace(old, new, 1)
    ex, problems = parse_text(text, "squat.toml")
    assert ex is None and any(message in p for p in problems), problems


def test_degree_threshold_out_of_range_is_rejected():
    ex, problems = parse_text(SQUAT + '\n[[checks]]\nid = "x"\nmessage = "x"\n'
                              'expect = { measure = "knee", above = 250 }\n',
                              "squat.toml")
    assert ex is None and len(problems) == 1
    assert problems[0].endswith("'above' on \"knee\" (degrees) expects values from -180 to 180 deg, found 250")


def test_pipeline_numbers_are_range_checked(tmp_path):
    text = (calibration_dir() / "pipeline.toml").read_text(encoding="utf-8")
    path = tmp_path / "pipeline.toml"
    path.write_text(text.replace("min_detection_confidence = 0.5", "min_detection_confidence = 5", 1)
                    .replace("display_s = 3.0", "display_s = \"long\"", 1)
                    .replace("[side]", "[sides]", 1))
    with pytest.raises(RuleFileError) as e:
        pipeline_params(path)
    lines = text.splitlines()
    row = {key: next(i + 1 for i, line in enumerate(lines) if line.startswith(key))
           for key in ("min_detection_confidence", "display_s", "[side]")}
    assert e.value.problems == [
        f"{path}:{row['min_detection_confidence']}:1: 'min_detection_confidence' expects a value <= 1 (0-1), found 5",
        f"{path}:{row['display_s']}:1: 'display_s' expects a number (s), found the string \"long\"",
        f"{path}:{row['[side]']}:2: unknown section [sides]: expected one of pose, smoothing, view, setup, "
        "feedback, side (did you mean 'side'?)",
    ]


def test_pipeline_view_bands_must_be_in_order(tmp_path):
    path = tmp_path / "pipeline.toml"
    path.write_text("[view]\nfront_max_deg = 70.0\nside_min_deg = 60.0\n")
    with pytest.raises(RuleFileError) as e:
        pipeline_params(path)
    assert e.value.problems == [f"{path}:3:1: 'side_min_deg' (60 deg) must not be below 'front_max_deg' (70 deg): "
                                "the view bands go front, side, rear"]


def test_shipped_calibration_files_are_valid():
    from coach.config import PoseConfig
    assert pipeline_params().pose == PoseConfig(min_detection_confidence=0.5, min_presence_confidence=0.5,
                                                min_tracking_confidence=0.5)


def test_profile_values_are_range_checked():
    with pytest.raises(RuleFileError) as e:
        parse_profile('[squat]\nmeasure = "knee"\nrest = nan\nrange = -3\n', "p.toml")
    assert e.value.problems == ["p.toml:3:1: 'rest' expects a number, found the number nan",
                                "p.toml:4:1: 'range' expects a value >= 1e-06, found -3"]


# ------------------------------------------------------------------ values inside recordings

def _tampered(tmp_path, key, fn):
    path = squat_recording(tmp_path / "r.npz", 20)
    with np.load(path) as z:
        arrays = {k: z[k] for k in z.files}
    fn(arrays[key])
    with open(path, "wb") as f:
        np.savez(f, **arrays)
    return path


@pytest.mark.parametrize("key, fn, reason", [
    ("t", lambda a: a.__setitem__(4, np.nan), "frame 4: time is not a finite number"),
    ("t", lambda a: a.__setitem__(6, a[5]), "frame 6: time 0.166667 s does not come after 0.166667 s"),
    ("image_xy", lambda a: a.__setitem__((3, 5, 0), np.inf), "frame 3: pixel coordinates are not finite"),
    ("world_xyz", lambda a: a.__setitem__((8, 0, 2), np.nan), "frame 8: world coordinates are not finite"),
    ("visibility", lambda a: a.__setitem__((2, 7), 1.7), "frame 2: visibility outside 0-1"),
    ("presence", lambda a: a.__setitem__((9, 0), -0.5), "frame 9: presence outside 0-1"),
    ("fps", lambda a: a.fill(np.inf), "fps inf is not a frame rate (0-1000)"),
    ("image_size", lambda a: a.__setitem__(0, -640), "image_size (-640, 480) is not an image size"),
    ("index", lambda a: a.__setitem__(1, -7), "frame 1: negative frame number"),
])
def test_impossible_values_in_recordings_are_refused_on_load(tmp_path, key, fn, reason):
    path = _tampered(tmp_path, key, fn)
    with pytest.raises(RecordingError) as e:
        load_recording(path)
    assert str(e.value) == f"cannot load recording '{path}': not a landmark recording ({reason})"
    assert e.value.exit_code == 2


def test_old_recordings_still_load():
    """A recording written by the coach before this change (format 1, uncompressed flush)."""
    cache = Path("/work/cache/landmarks")
    files = sorted(cache.glob("*.npz")) if cache.is_dir() else []
    if not files:
        pytest.skip("no cached recordings from earlier versions here")
    rec = load_recording(files[0])
    assert len(rec.poses) > 0 and rec.complete


# ------------------------------------------------------------------ --json

def test_json_output_has_no_nan(tmp_path, monkeypatch):
    """A summary value that is NaN (a degenerate personal range) comes out as null: valid JSON."""
    from coach import cli
    assert cli.json_safe({"a": [1.0, math.nan, {"b": math.inf}], "c": "x"}) == {"a": [1.0, None, {"b": None}],
                                                                                 "c": "x"}
    rec = squat_recording(tmp_path / "r.npz", 200)
    from coach import summary as summary_mod
    real = summary_mod.SummaryBuilder.result
    monkeypatch.setattr(summary_mod.SummaryBuilder, "result", lambda self: replace(real(self), seconds=math.nan))
    import io
    from contextlib import redirect_stdout
    buf = io.StringIO()
    with redirect_stdout(buf):
        assert cli.main(["analyze", str(rec), "--exercise", "squat", "--json"]) == 0
    s = json.loads(buf.getvalue(), parse_constant=lambda c: pytest.fail(f"{c} in --json output"))
    assert s["seconds"] is None and s["frames"] == 200


def test_routine_files_have_the_same_limits(tmp_path):
    """Routines (coach routine, check-rules) are read like every other file: a device is refused
    at once, nesting hundreds deep is a positioned error, exit 2 both."""
    p = coach("routine", "/dev/zero", "--no-window", "--pain-before", "1", timeout=60)
    assert p.returncode == 2 and "not a regular file" in p.stderr and "Traceback" not in p.stderr
    deep = tmp_path / "routines" / "deep.toml"
    deep.parent.mkdir()
    deep.write_text("x = " + "[" * 500 + "]" * 500 + "\n", encoding="utf-8")
    p = coach("check-rules", str(deep), timeout=60)
    assert p.returncode == 2
    assert p.stderr.strip().startswith(f"{deep}:1:") and "nested deeper than" in p.stderr
