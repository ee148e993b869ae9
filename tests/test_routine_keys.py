"""The keys of the routine window: space pauses (paused frames are neither counted nor
recorded), s skips the set or the rest, n goes on to the next exercise
(the set under way and the step's other sets end), q quits (the session ends as 'quit', pain is asked).
A scripted window stands in for the member's keyboard; everything else is the product."""
from __future__ import annotations

import json

import sessionkit

from coach.pose.recording import load_recording
from coach.routine import load_routine
from coach.routine_run import RoutineRun, open_sources
from coach.store import Store


class ScriptedWindow:
    """Presses ``keys[n]`` on the n-th frame shown (1-based)."""

    def __init__(self, keys: dict[int, str]):
        self.keys = {n: ord(k) for n, k in keys.items()}
        self.shown = 0

    def show_key(self, img) -> int:
        self.shown += 1
        return self.keys.get(self.shown, -1)


def run(tmp_path, keys, asked=None):
    folder = tmp_path / "src"
    folder.mkdir(exist_ok=True)
    routine = load_routine(sessionkit.short_routine(folder))
    specs = [str(p) for p in sessionkit.set_recordings(folder)]
    store = Store(tmp_path / "data")
    win = ScriptedWindow(keys)
    rr = RoutineRun(routine, open_sources(specs, canvas=True), store, profile="ana", specs=specs, window=win)
    res = rr.run(ask_pain_after=(lambda: (asked.append(1), (4, "window"))[1]) if asked is not None else None)
    rows = store.session_rows(res.session_id)
    return res, rows, store


def test_s_skips_the_set_and_the_next_one_starts(tmp_path):
    res, rows, st = run(tmp_path, {30: "s"})
    assert [s["end_reason"] for s in rows["sets"]] == ["skipped", "target", "target", "target"]
    assert rows["sets"][0]["frames"] == 30 and rows["sets"][0]["reps"] == 0
    assert [e["kind"] for e in rows["events"]].count("skip") == 1
    assert res.reason == "completed"
    st.close()


def test_space_pauses_and_paused_frames_are_neither_counted_nor_recorded(tmp_path):
    res, rows, st = run(tmp_path, {60: " ", 150: " "})  # 89 frames shown paused, then resumed
    kinds = [e["kind"] for e in rows["events"]]
    assert kinds.count("pause") == 1 and kinds.count("resume") == 1
    assert rows["sets"][0]["reps"] == 3 and rows["sets"][0]["end_reason"] == "target"
    rec = load_recording(st.data_dir / rows["session"]["recording_path"])
    first = load_recording(sorted((tmp_path / "src").glob("set0-*.npz"))[0])
    # shown 61..150 paused (the 150th resumes): those 90 frames (t 2.0-4.97 s) are neither fed nor
    # recorded; the rest of the first source (the set, then its rest) is all recorded
    assert not any(2.0 - 1e-6 <= t <= 149 / 30 + 1e-6 for t in rec.times)
    in_first = [t for t in rec.times if t <= rows["sets"][1]["started_t"] + 1e-3]
    assert len(in_first) == len(first) - 90
    assert rows["sets"][0]["frames"] == res.summaries[0].frames < len(in_first)  # the rest is recorded too
    st.close()


def test_q_quits_saves_the_session_and_still_asks_pain(tmp_path):
    asked = []
    res, rows, st = run(tmp_path, {100: "q"}, asked=asked)
    assert res.reason == "quit" and rows["session"]["end_reason"] == "quit" and rows["session"]["ended_at"]
    assert [s["end_reason"] for s in rows["sets"]] == ["quit"]
    assert asked == [1] and [(p["moment"], p["score"]) for p in rows["pain"]] == [("after", 4)]
    st.close()


def test_pain_with_number_keys_in_the_window():
    from coach.session_cli import _ask_window
    assert _ask_window(ScriptedWindow({1: "1", 2: "2", 3: "\r", 4: "7", 5: "\r"}), "before", "en") == (7, "window")
    assert _ask_window(ScriptedWindow({1: "1", 2: "0", 3: "\r"}), "after", "es") == (10, "window")
    w = ScriptedWindow({1: "4", 2: "\x08", 3: "3", 4: "\r"})
    assert _ask_window(w, "after", "en") == (3, "window") and w.shown == 4
    assert _ask_window(ScriptedWindow({1: "5", 2: "\x1b"}), "before", "en") is None


def test_the_safety_screen_waits_for_space_in_the_window():
    from coach.session_cli import _show_safety_window
    w = ScriptedWindow({4: " "})
    _show_safety_window(w, "es")
    assert w.shown == 4


def two_set_run(tmp_path, keys):
    """The short routine with two sets of squeezes (one recording per set: 5 sources)."""
    folder = tmp_path / "src"
    folder.mkdir(exist_ok=True)
    path = folder / "two.toml"
    path.write_text(sessionkit.SHORT.format(id="two", per_week=5).replace("reps = 3\n", "sets = 2\nreps = 3\n", 1),
                    encoding="utf-8")
    sets = ("scapular_squeeze",) + sessionkit.SETS
    specs = [str(p) for p in sessionkit.set_recordings(folder, sets=sets)]
    store = Store(tmp_path / "data")
    win = ScriptedWindow(keys)
    rr = RoutineRun(load_routine(path), open_sources(specs, canvas=True), store, profile="ana", specs=specs,
                    window=win)
    res = rr.run()
    return res, store.session_rows(res.session_id), store, specs


def test_n_ends_the_exercise_and_the_next_exercise_starts(tmp_path):
    res, rows, st, specs = two_set_run(tmp_path, {30: "n"})
    # the first squeeze set ends where n was pressed, the second is not run: thread the needle is next
    assert [(s["set_index"], s["exercise_id"], s["end_reason"]) for s in rows["sets"]] == [
        (0, "scapular_squeeze", "next exercise"), (2, "thread_the_needle", "target"),
        (3, "thread_the_needle", "target"), (4, "resisted_row", "target")]
    assert rows["sets"][0]["frames"] == 30 and res.reason == "completed"
    events = [(e["kind"], json.loads(e["data"])) for e in rows["events"]]
    assert [d for k, d in events if k == "next_exercise"] == [{"set_index": 0, "in_rest": False,
                                                               "skipped_sets": [1]}]
    kinds = [k for k, _ in events]
    assert kinds.count("rest_start") == 3 and "skip" not in kinds  # the rest before the next exercise is kept
    # the second squeeze set's own recording was never fed nor recorded: the session's recording
    # holds the first source up to its rest's end, then thread the needle's
    rec = load_recording(st.data_dir / rows["session"]["recording_path"])
    second = load_recording(specs[1])
    assert [d for k, d in events if k == "source_skipped"][:2] == [
        {"frames": len(load_recording(specs[0])) - 30 - 60}, {"frames": len(second)}]  # 447, 537
    assert len(rec) == 30 + 60 + sum(s["frames"] for s in rows["sets"][1:]) + 60 * 2
    st.close()


def test_n_in_the_rest_skips_the_exercises_other_sets(tmp_path):
    # the first set meets its target at 16.7 s (frame 502 shown); its rest starts; n on the 510th
    res, rows, st, specs = two_set_run(tmp_path, {510: "n"})
    assert [(s["set_index"], s["end_reason"]) for s in rows["sets"]] == [(0, "target"), (2, "target"),
                                                                         (3, "target"), (4, "target")]
    assert rows["sets"][0]["reps"] == 3 and rows["sets"][1]["started_t"] == round(509 / 30, 3)
    events = [(e["kind"], e["t"], json.loads(e["data"])) for e in rows["events"]]
    assert events[:5] == [("rest_start", 16.7, {"seconds": 2.0}),
                          ("next_exercise", 509 / 30, {"set_index": 0, "in_rest": True, "skipped_sets": [1]}),
                          ("rest_end", 509 / 30, {"reason": "next exercise"}),
                          ("source_skipped", 509 / 30, {"frames": 537 - 510}),
                          ("source_skipped", 509 / 30, {"frames": len(load_recording(specs[1]))})]
    st.close()



def test_n_on_the_last_exercise_ends_the_routine(tmp_path):
    # as above, n on the 30th frame; the rest before the rows ends on the 1586th frame shown (52.83 s),
    # the rows start on the 1587th: n on the 1600th is their 14th frame
    res, rows, st, _ = two_set_run(tmp_path, {30: "n", 1600: "n"})
    assert [(s["set_index"], s["end_reason"], s["frames"]) for s in rows["sets"]][-1] == (4, "next exercise", 14)
    nx = [json.loads(e["data"]) for e in rows["events"] if e["kind"] == "next_exercise"]
    assert nx[-1] == {"set_index": 4, "in_rest": False, "skipped_sets": []}
    assert res.reason == "completed" and rows["session"]["end_reason"] == "completed"
    st.close()
