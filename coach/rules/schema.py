"""The rule-file language, schema 1: validated, frozen dataclasses plus the key catalogue.

The catalogue ``SECTIONS`` is the single description of every key (type, unit, default, doc).
The loader validates against it, ``coach schema`` turns it into JSON Schema, and a test keeps
docs/rules.md in step with it. Developers extend the vocabulary here, with tests; therapists
only write data.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Mapping, Optional

from ..types import Severity, View

SCHEMA_VERSION = 1
LANGUAGES = ("en", "es")
VIEWS = ("front", "side", "oblique", "rear")
SIDE_MODES = ("left", "right", "both", "alternate", "auto")
SideMode = Literal["left", "right", "both", "alternate", "auto"]
SPACES = ("world", "pixel")
MEASURE_KINDS = ("joint", "inclination", "distance", "ratio", "offset", "left_right", "speed")
DERIVED_KINDS = ("left_right", "speed")  # built from another measure, not from landmarks
# landmarks each measure kind takes
MEASURE_ARITY = {"joint": 3, "inclination": 2, "distance": 2, "ratio": 4, "offset": 2}
REFERENCES = ("vertical", "horizontal")
NORMALISE = ("torso", "shoulder_width", "none")
AXES = ("up", "right", "toward_camera")
SCOPES = ("frame", "rep")
STATS = ("min", "max", "mean", "range")
SEVERITIES = ("info", "tip", "warning", "stop")
# Longest time any key may give, in seconds: a rep, a hold or a pause of more than 10 minutes
# is not part of an exercise set. Times above it are typing slips (600 for 6.00).
MAX_SECONDS = 600.0
# Values in degrees (joint angles 0-180, inclinations -90-180, their left-right differences)
# lie within +-180; a threshold outside that range can never be met.
MAX_DEGREES = 180.0


@dataclass(frozen=True)
class Key:
    """One key of the language. ``type`` is one of: int, number, string, bool, text (a string
    or a table of language -> string), strings (list of strings), landmarks (list of landmark
    names), pair (list of two numbers), table, tables (array of tables), condition,
    conditions (list of conditions), measures (table of named measures)."""

    type: str
    doc: str
    required: bool = False
    default: Any = None
    unit: str = ""
    choices: tuple[Any, ...] = ()
    minimum: Optional[float] = None
    section: str = ""  # for table/tables/condition types: which section describes the contents
    maximum: Optional[float] = None


SECTIONS: dict[str, dict[str, Key]] = {
    "file": {
        "schema": Key("int", "Rule-file format version; must be 1.", required=True, choices=(1,)),
        "exercise": Key("table", "Who the exercise is and how to watch it.", required=True, section="exercise"),
        "measures": Key("measures", "Named measurements built from the fixed blocks.", required=True, section="measure"),
        "rep": Key("table", "How one repetition moves.", required=True, section="rep"),
        "checks": Key("tables", "Form checks.", default=[], section="check"),
        "feedback": Key("table", "Praise and cue pacing.", default={}, section="feedback"),
    },
    "exercise": {
        "id": Key("string", "Identifier; must equal the file name without .toml.", required=True),
        "name": Key("text", "Display name per language (en required).", required=True),
        "version": Key("string", "Your version of this file; bump on every change (written into sessions).", required=True),
        "views": Key("strings", "Camera views where these rules are trustworthy.", required=True, choices=VIEWS),
        "side": Key("string", "Which body side the {side} placeholder means: left, right, both (mean of both), "
                    "alternate (each side counted separately), auto (the side nearer the camera).",
                    default="auto", choices=SIDE_MODES),
        "landmarks": Key("landmarks", "Landmarks that must be in view; the setup check asks for them.", default=[]),
        "min_visibility": Key("number", "Landmarks below this visibility are unknown.", default=0.5, unit="0-1", minimum=0.0,
                              maximum=1.0),
        "display": Key("string", "Measure drawn at its joint on screen (default: the first phase's measure).", default=""),
        "description": Key("text", "One or two sentences for the member: how to do the exercise.", default=""),
        "notes": Key("string", "Free text for therapists: proxies used, sources, caveats.", default=""),
        "reviewed_by": Key("strings", "Who reviewed this file and when.", default=[]),
    },
    "measure": {
        "joint": Key("landmarks", "Angle at the middle landmark [a, vertex, c].", unit="deg"),
        "inclination": Key("landmarks", "Lean of the segment [from, to] from `reference`.", unit="deg"),
        "distance": Key("landmarks", "Distance [a, b], divided by `normalize`.", unit="ratio"),
        "ratio": Key("landmarks", "Distance [a, b] divided by distance [c, d].", unit="ratio"),
        "offset": Key("landmarks", "Position of a relative to b [a, b] along `axis`, divided by `normalize`.", unit="ratio"),
        "left_right": Key("string", "Absolute left-minus-right difference of another measure that uses {side}.",
                          unit="measure's unit"),
        "speed": Key("string", "How fast another measure changes (absolute rate over `over_s`): tempo.",
                     unit="measure's unit per s"),
        "over_s": Key("number", "For speed: the time window the rate is measured over.", default=0.25, unit="s",
                      minimum=0.05, maximum=5.0),
        "space": Key("string", "Coordinates: world (metric 3-D, robust to camera angle) or pixel (image).",
                     default="world", choices=SPACES),
        "reference": Key("string", "For inclination: 0 deg at vertical (up), or elevation above horizontal.",
                         default="vertical", choices=REFERENCES),
        "normalize": Key("string", "For distance/offset: divide by torso length, shoulder width, or nothing.",
                         default="torso", choices=NORMALISE),
        "axis": Key("string", "For offset: up (a above b is positive), right (image right), toward_camera (world only).",
                    default="up", choices=AXES),
        "min_visibility": Key("number", "Override the exercise's min_visibility for this measure.", unit="0-1", minimum=0.0,
                              maximum=1.0),
        "proxy": Key("string", "What this measure stands in for (MediaPipe has no scapula or spine landmarks).", default=""),
    },
    "rep": {
        "phases": Key("tables", "Ordered phases; returning to the first after all others counts one rep.",
                      required=True, section="phase"),
        "min_rep_s": Key("number", "A cycle quicker than this is not counted (noise or a bounce).", default=0.8,
                         unit="s", minimum=0.0, maximum=MAX_SECONDS),
        "max_rep_s": Key("number", "A rep slower than this is abandoned (the set paused).", default=20.0, unit="s",
                         minimum=0.0, maximum=MAX_SECONDS),
        "incomplete_from": Key("string", "Falling back to the first phase after reaching this phase is an incomplete rep "
                               "(default: the second phase).", default=""),
        "incomplete_message": Key("text", "Said when a rep is incomplete.", default=""),
        "hold": Key("table", "Isometric hold: a rep counts once this phase is held long enough.", section="hold"),
        "range": Key("table", "Count attempts relative to the member's own rest and range of motion (recommended): "
                     "every movement cycle of one measure is an attempt, judged against the member's range within "
                     "the bounds set here; the phases then only name the stages for checks.", section="range"),
    },
    "range": {
        "measure": Key("string", "The primary measure: each cycle of it away from rest and back is one attempt.",
                       required=True),
        "by_view": Key("table", "Another primary measure for some camera views (view -> measure name), for movements "
                       "a view flattens: a row seen from the front barely changes the image elbow angle, its 3-D "
                       "angle still does. The member's range is learnt again when the measure changes.", default={}),
        "fallback": Key("string", "A measure in the same unit and direction to count on while the primary one cannot "
                        "be seen (a squat's knee angle needs the ankles; its hip angle does not). Used after the "
                        "primary measure has been unknown for 1 s, left when it is back for 1 s.", default=""),
        "toward": Key("string", "Which way the measure moves from rest during a rep: up (it grows, e.g. a hip "
                      "opening) or down (it shrinks, e.g. an elbow closing in a curl).", required=True,
                      choices=("up", "down")),
        "min_travel": Key("number", "Lower bound: an attempt must move at least this far from rest to count, however "
                          "small the member's own range.", required=True, unit="measure's unit", minimum=0.0),
        "max_travel": Key("number", "Upper bound: never ask for more travel than this, however large the member's "
                          "own range (0 = no bound).", default=0.0, unit="measure's unit", minimum=0.0),
        "count_at": Key("number", "Share of the member's own range an attempt must reach to count.", default=0.7,
                        unit="share", minimum=0.05, maximum=1.0),
        "return_at": Key("number", "Share of the way back from the far end to rest that closes an attempt; an attempt "
                         "that turns out again before this is incomplete (did not return to the start).",
                         default=0.7, unit="share", minimum=0.05, maximum=1.0),
        "noise": Key("number", "Wobble smaller than this is not movement: the least turn that ends an outward or "
                     "return stroke. The turn used is the larger of this and turn_share of the member's range.",
                     required=True, unit="measure's unit", minimum=0.0),
        "turn_share": Key("number", "A stroke turns when the measure comes back this share of the member's range.",
                          default=0.2, unit="share", minimum=0.0, maximum=0.9),
        "gate": Key("condition", "Attempts are followed only while this holds (e.g. facing the camera); when it "
                    "is definitely false the attempt under way is dropped without a cue. max_drift here is measured "
                    "from the attempt's start (e.g. the body must not turn during a squeeze).", section="condition"),
        "require": Key("condition", "Must be true at least once during an attempt for it to count (e.g. the feet "
                       "jumping apart in a jumping jack: arm raises alone are not jacks). Only a condition seen and never true blocks "
                       "a count: while it cannot be seen (feet out of the picture), attempts are judged without it.",
                       section="condition"),
        "require_message": Key("text", "Said when strokes keep failing `require` and nothing counts (default: "
                               "incomplete_message), e.g. arm raises without the jump of a jumping jack.", default=""),
        "short_message": Key("text", "Said when an attempt turns back before the count point (default: "
                             "incomplete_message).", default=""),
        "return_message": Key("text", "Said when an attempt does not come back to the start before the next one.",
                              default=""),
    },
    "phase": {
        "name": Key("string", "Phase name (used by checks' `during`).", required=True),
        "enter": Key("condition", "Entered when this condition holds for hold_s (measure thresholds only).",
                     required=True, section="condition"),
        "hold_s": Key("number", "How long `enter` must hold before the phase changes (debounce).", default=0.1,
                      unit="s", minimum=0.0, maximum=MAX_SECONDS),
    },
    "hold": {
        "phase": Key("string", "The phase to hold.", required=True),
        "seconds": Key("number", "Hold time that counts the rep; a timer is shown.", required=True, unit="s",
                       minimum=0.0, maximum=MAX_SECONDS),
        "message": Key("text", "Said when the hold is released too early.", default=""),
    },
    "check": {
        "id": Key("string", "Unique check id (shown in reports).", required=True),
        "scope": Key("string", "frame: watched continuously; rep: judged once when a rep is counted.",
                     default="frame", choices=SCOPES),
        "during": Key("strings", "Phases in which a frame check applies (default: all).", default=[]),
        "expect": Key("condition", "What GOOD form looks like; a cue is given when it is not met.", required=True,
                      section="condition"),
        "for_s": Key("number", "Frame checks: how long the fault must last before a cue.", default=0.5, unit="s",
                     minimum=0.0, maximum=MAX_SECONDS),
        "severity": Key("string", "Priority when several checks fail.", default="tip", choices=SEVERITIES),
        "message": Key("text", "On-screen cue per language.", required=True),
        "voice": Key("text", "Shorter spoken cue (default: the message).", default=""),
        "cooldown_s": Key("number", "Minimum time between two cues of this check.", default=10.0, unit="s",
                          minimum=0.0, maximum=MAX_SECONDS),
        "min_visibility": Key("number", "Override min_visibility for this check's landmarks.", unit="0-1", minimum=0.0,
                              maximum=1.0),
        "views": Key("strings", "Camera views where this check is trustworthy (default: the exercise's views).",
                     default=[], choices=VIEWS),
    },
    "condition": {
        "measure": Key("string", "The measure the condition is about."),
        "above": Key("number", "True when the value is above this.", unit="measure's unit"),
        "below": Key("number", "True when the value is below this.", unit="measure's unit"),
        "between": Key("pair", "True when lo <= value <= hi.", unit="measure's unit"),
        "max_drift": Key("number", "True while the value stays within this of its value at rep start.",
                         unit="measure's unit", minimum=0.0),
        "stat": Key("string", "Rep checks: compare this statistic of the measure over the rep.", choices=STATS),
        "phase": Key("string", "Rep checks: a phase whose duration is tested."),
        "min_duration_s": Key("number", "The phase lasted at least this long.", unit="s", minimum=0.0,
                              maximum=MAX_SECONDS),
        "max_duration_s": Key("number", "The phase lasted at most this long.", unit="s", minimum=0.0,
                              maximum=MAX_SECONDS),
        "all": Key("conditions", "True when every listed condition is true.", section="condition"),
        "any": Key("conditions", "True when at least one listed condition is true.", section="condition"),
        "all_seen": Key("conditions", "True when every listed condition that can be judged now is true (at least one): "
                        "one on a measure that is unknown (a limb out of sight) is left out instead of making the "
                        "whole unknown; false when one is false. For a compound movement seen from angles that hide "
                        "a part of it (a bird dog's reaching arm behind the head).", section="condition"),
    },
    "feedback": {
        "praise": Key("text", "Said after clean reps.", default=""),
        "praise_every": Key("int", "Praise after this many clean reps in a row (0 = never).", default=3, unit="reps",
                            minimum=0, maximum=100),
    },
}


# ----------------------------------------------------------------------------- dataclasses

Text = Mapping[str, str]  # language -> string; always has "en"


@dataclass(frozen=True)
class MeasureSpec:
    name: str
    kind: str
    landmarks: tuple[str, ...] = ()
    space: str = "world"
    reference: str = "vertical"
    normalize: str = "torso"
    axis: str = "up"
    of: str = ""
    min_visibility: Optional[float] = None
    proxy: str = ""
    over_s: float = 0.25
    base_unit: str = ""  # for derived measures: the unit of the measure they are built from

    @property
    def unit(self) -> str:
        if self.kind in ("joint", "inclination"):
            return "deg"
        if self.kind == "left_right":
            return self.base_unit
        if self.kind == "speed":
            return self.base_unit + "/s"
        return "ratio"


# the condition kinds that combine others (coach.conditions evaluates them)
GROUPS = ("all", "any", "all_seen")


@dataclass(frozen=True)
class Condition:
    """kind: threshold | drift | stat | duration | all | any | all_seen. Evaluation is three-valued:
    True, False or None (unknown) - see coach.conditions."""

    kind: str
    measure: str = ""
    above: Optional[float] = None
    below: Optional[float] = None
    max_drift: Optional[float] = None
    stat: str = ""
    phase: str = ""
    min_duration_s: Optional[float] = None
    max_duration_s: Optional[float] = None
    children: tuple["Condition", ...] = ()

    def measures(self) -> set[str]:
        out = {self.measure} if self.measure else set()
        for c in self.children:
            out |= c.measures()
        return out


@dataclass(frozen=True)
class Phase:
    name: str
    enter: Condition
    hold_s: float = 0.1


@dataclass(frozen=True)
class Hold:
    phase: str
    seconds: float
    message: Text = field(default_factory=dict)


@dataclass(frozen=True)
class RangeSpec:
    """Attempt segmentation on one measure, relative to the member (see coach.attempts).
    Travel values are in the measure's unit; shares are 0-1."""

    measure: str
    toward: str  # "up" | "down"
    min_travel: float
    noise: float
    by_view: Mapping[View, str] = field(default_factory=dict)  # camera view -> primary measure
    fallback: str = ""  # measure used while the primary one is unknown
    max_travel: float = 0.0
    count_at: float = 0.7
    return_at: float = 0.7
    turn_share: float = 0.2
    gate: Optional["Condition"] = None
    require: Optional["Condition"] = None
    short_message: Text = field(default_factory=dict)
    return_message: Text = field(default_factory=dict)
    require_message: Text = field(default_factory=dict)


@dataclass(frozen=True)
class RepSpec:
    phases: tuple[Phase, ...]
    min_rep_s: float = 0.8
    max_rep_s: float = 20.0
    incomplete_from: str = ""
    incomplete_message: Text = field(default_factory=dict)
    hold: Optional[Hold] = None
    range: Optional[RangeSpec] = None

    def index(self, phase: str) -> int:
        return [p.name for p in self.phases].index(phase)


@dataclass(frozen=True)
class Check:
    id: str
    expect: Condition
    message: Text
    scope: str = "frame"
    during: tuple[str, ...] = ()
    for_s: float = 0.5
    severity: Severity = "tip"
    voice: Text = field(default_factory=dict)
    cooldown_s: float = 10.0
    min_visibility: Optional[float] = None
    views: tuple[View, ...] = ()


@dataclass(frozen=True)
class Feedback:
    praise: Text = field(default_factory=dict)
    praise_every: int = 3


@dataclass(frozen=True)
class Exercise:
    id: str
    name: Text
    version: str
    views: tuple[View, ...]
    side: SideMode
    landmarks: tuple[str, ...]
    min_visibility: float
    measures: Mapping[str, MeasureSpec]
    rep: RepSpec
    checks: tuple[Check, ...] = ()
    feedback: Feedback = Feedback()
    display: str = ""
    description: Text = field(default_factory=dict)
    notes: str = ""
    reviewed_by: tuple[str, ...] = ()
    path: str = ""

    def title(self, lang: str = "en") -> str:
        return text(self.name, lang)


def text(t: Text, lang: str = "en") -> str:
    """The string for ``lang``, falling back to English."""
    return t.get(lang) or t.get("en", "")


# One example per key (TOML as written in a rule file), shown in docs/rules.md and the JSON Schema.
EXAMPLES: dict[str, dict[str, str]] = {
    "file": {"schema": "schema = 1", "exercise": "[exercise]", "measures": "[measures]", "rep": "[rep]",
             "checks": "[[checks]]", "feedback": "[feedback]"},
    "exercise": {
        "id": 'id = "resisted_row"', "name": 'name = { en = "Resisted row", es = "Remo con resistencia" }',
        "version": 'version = "1.0.2"', "views": 'views = ["side", "oblique"]', "side": 'side = "auto"',
        "landmarks": 'landmarks = ["{side}_shoulder", "{side}_elbow", "{side}_wrist"]',
        "min_visibility": "min_visibility = 0.5", "display": 'display = "elbow"',
        "description": 'description = { en = "Pull your elbows back.", es = "Lleva los codos atrás." }',
        "notes": 'notes = "Shrugging is the ear-to-shoulder distance shrinking."',
        "reviewed_by": 'reviewed_by = ["A.B. (PT) 2026-11-02"]'},
    "measure": {
        "joint": 'elbow = { joint = ["{side}_shoulder", "{side}_elbow", "{side}_wrist"] }',
        "inclination": 'trunk = { inclination = ["{side}_hip", "{side}_shoulder"] }',
        "distance": 'shrug = { distance = ["{side}_ear", "{side}_shoulder"] }',
        "ratio": 'width = { ratio = ["left_shoulder", "right_shoulder", "left_hip", "right_hip"] }',
        "offset": 'wrist_up = { offset = ["{side}_wrist", "{side}_shoulder"], axis = "up" }',
        "left_right": 'elbow_sym = { left_right = "elbow" }',
        "speed": 'elbow_speed = { speed = "elbow" }', "over_s": "over_s = 0.3", "space": 'space = "pixel"',
        "reference": 'reference = "horizontal"', "normalize": 'normalize = "shoulder_width"', "axis": 'axis = "up"',
        "min_visibility": "min_visibility = 0.3", "proxy": 'proxy = "shoulder blades squeezing together"'},
    "rep": {"phases": "[[rep.phases]]", "min_rep_s": "min_rep_s = 1.0", "max_rep_s": "max_rep_s = 15.0",
            "incomplete_from": 'incomplete_from = "pulled"',
            "incomplete_message": 'incomplete_message = { en = "Pull all the way.", es = "Tira hasta el final." }',
            "hold": "[rep.hold]", "range": "[rep.range]"},
    "range": {"measure": 'measure = "elbow"', "by_view": 'by_view = { front = "elbow_3d", rear = "elbow_3d" }',
              "fallback": 'fallback = "hip_angle"',
              "toward": 'toward = "down"', "min_travel": "min_travel = 45",
              "max_travel": "max_travel = 110", "count_at": "count_at = 0.7", "return_at": "return_at = 0.7",
              "noise": "noise = 8", "turn_share": "turn_share = 0.2",
              "gate": 'gate = { measure = "body_turn", between = [-0.5, 0.5] }',
              "require": 'require = { measure = "feet_apart", above = 1.3 }',
              "short_message": 'short_message = { en = "Curl all the way up.", es = "Sube hasta arriba." }',
              "require_message": 'require_message = { en = "Jump your feet out as your arms go up.", es = "Abre los pies de un salto al subir los brazos." }',
              "return_message": 'return_message = { en = "Straighten your arms at the bottom.", es = "Estira los brazos abajo." }'},
    "phase": {"name": 'name = "pulled"', "enter": 'enter = { measure = "elbow", below = 100 }', "hold_s": "hold_s = 0.1"},
    "hold": {"phase": 'phase = "squeezed"', "seconds": "seconds = 3.0",
             "message": 'message = { en = "Hold a little longer.", es = "Mantén un poco más." }'},
    "check": {"id": 'id = "shrug"', "scope": 'scope = "rep"', "during": 'during = ["pulling", "pulled"]',
              "expect": 'expect = { measure = "trunk", max_drift = 10 }', "for_s": "for_s = 0.4",
              "severity": 'severity = "warning"', "message": 'message = { en = "Shoulders down.", es = "Hombros abajo." }',
              "voice": 'voice = { en = "Shoulders down." }', "cooldown_s": "cooldown_s = 8",
              "min_visibility": "min_visibility = 0.7", "views": 'views = ["side"]'},
    "condition": {"measure": 'measure = "elbow"', "above": "above = 150", "below": "below = 60",
                  "between": "between = [80, 100]", "max_drift": "max_drift = 10", "stat": 'stat = "min"',
                  "phase": 'phase = "returning"', "min_duration_s": "min_duration_s = 1.5",
                  "max_duration_s": "max_duration_s = 6.0",
                  "all": 'all = [{ measure = "a", above = 1 }, { measure = "b", below = 2 }]',
                  "any": 'any = [{ measure = "a", above = 1 }, { measure = "b", below = 2 }]',
                  "all_seen": 'all_seen = [{ measure = "arm", above = -35 }, { measure = "leg", above = -35 }]'},
    "feedback": {"praise": 'praise = { en = "Nice and steady.", es = "Muy bien, constante." }',
                 "praise_every": "praise_every = 3"},
}
