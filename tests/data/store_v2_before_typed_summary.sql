-- A session store (schema user_version 2) written by the code before the typed summary (commit 2e9028d):
-- one routine run of tests/sessionkit's short routine (shrug in every squeeze, resisted rows returning
-- too fast). tests/test_store_compat.py checks that it still reads. Host and paths made neutral.
PRAGMA user_version = 2;
BEGIN TRANSACTION;
CREATE TABLE attempts (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions(id),
        set_id INTEGER NOT NULL REFERENCES sets(id),
        start_t REAL NOT NULL,         
        end_t REAL NOT NULL,
        counted INTEGER NOT NULL,      
        side TEXT,
        reason TEXT,                   
        reached REAL,                  
        target REAL,                   
        rest REAL,                     
        rom REAL,                      
        tempo_s REAL NOT NULL,         
        hold_s REAL,                   
        faults TEXT NOT NULL           
    );
INSERT INTO "attempts" VALUES(1,1,1,1.3,3.433,1,NULL,NULL,0.543,0.678,0.728,0.185,2.133,2.0,'["shrug"]');
INSERT INTO "attempts" VALUES(2,1,1,6.9,9.467,1,NULL,NULL,0.537,0.633,0.73,0.194,2.567,2.0,'["shrug"]');
INSERT INTO "attempts" VALUES(3,1,1,12.733,15.1,1,NULL,NULL,0.54,0.633,0.73,0.191,2.367,2.0,'["shrug"]');
INSERT INTO "attempts" VALUES(4,1,2,20.167,23.833,1,'left',NULL,-35.269,27.622,47.622,82.891,3.667,NULL,'[]');
INSERT INTO "attempts" VALUES(5,1,2,26.967,30.6,1,'right',NULL,-35.367,4.284,47.622,82.989,3.633,NULL,'[]');
INSERT INTO "attempts" VALUES(6,1,2,33.8,37.433,1,'left',NULL,-35.71,-10.401,46.722,82.432,3.633,NULL,'[]');
INSERT INTO "attempts" VALUES(7,1,3,41.733,45.367,1,'left',NULL,-35.907,26.529,46.529,82.436,3.633,NULL,'[]');
INSERT INTO "attempts" VALUES(8,1,3,48.533,52.2,1,'right',NULL,-35.559,6.499,46.529,82.088,3.667,NULL,'[]');
INSERT INTO "attempts" VALUES(9,1,3,55.367,58.967,1,'left',NULL,-35.957,-11.176,46.394,82.351,3.6,NULL,'[]');
INSERT INTO "attempts" VALUES(10,1,3,62.167,65.767,1,'right',NULL,-35.917,-10.576,46.394,82.311,3.6,NULL,'[]');
INSERT INTO "attempts" VALUES(11,1,4,69.033,70.7,1,NULL,NULL,73.469,140.956,170.956,97.487,1.667,NULL,'["slow_return"]');
INSERT INTO "attempts" VALUES(12,1,4,71.533,73.2,1,NULL,NULL,72.693,104.242,171.719,99.026,1.667,NULL,'["slow_return"]');
INSERT INTO "attempts" VALUES(13,1,4,74.067,75.7,1,NULL,NULL,73.04,103.436,172.316,99.275,1.633,NULL,'["slow_return"]');
INSERT INTO "attempts" VALUES(14,1,4,76.6,78.2,1,NULL,NULL,70.74,102.706,171.636,100.896,1.6,NULL,'["slow_return"]');
CREATE TABLE cues (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions(id),
        set_id INTEGER NOT NULL REFERENCES sets(id),
        t REAL NOT NULL,
        source TEXT NOT NULL,          
        severity TEXT NOT NULL,
        message TEXT NOT NULL
    );
INSERT INTO "cues" VALUES(1,1,1,2.0,'shrug','warning','Keep your shoulders down, away from your ears.');
INSERT INTO "cues" VALUES(2,1,1,10.0,'shrug','warning','Keep your shoulders down, away from your ears.');
INSERT INTO "cues" VALUES(3,1,2,37.433,'praise','info','Lovely smooth rotations.');
INSERT INTO "cues" VALUES(4,1,3,58.967,'praise','info','Lovely smooth rotations.');
INSERT INTO "cues" VALUES(5,1,4,70.667,'slow_return','tip','Let the arms return slowly; control the band.');
CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions(id),
        t REAL,                        
        at TEXT NOT NULL,              
        kind TEXT NOT NULL,            
                                       
        data TEXT NOT NULL             
    );
INSERT INTO "events" VALUES(1,1,NULL,'2026-11-30T16:03:45.574+00:00','safety_screen','{"lang": "en"}');
INSERT INTO "events" VALUES(2,1,16.7,'2026-11-30T16:03:47.022+00:00','rest_start','{"seconds": 2.0}');
INSERT INTO "events" VALUES(3,1,1.78666666666666671403e+01,'2026-11-30T16:03:47.105+00:00','rest_end','{"reason": "source ended"}');
INSERT INTO "events" VALUES(4,1,3.74333333333333371237e+01,'2026-11-30T16:03:48.651+00:00','rest_start','{"seconds": 2.0}');
INSERT INTO "events" VALUES(5,1,3.9433333333333337122e+01,'2026-11-30T16:03:48.667+00:00','rest_end','{"reason": "done"}');
INSERT INTO "events" VALUES(6,1,3.9433333333333337122e+01,'2026-11-30T16:03:48.754+00:00','source_skipped','{"frames": 214}');
INSERT INTO "events" VALUES(7,1,6.57666666666666657184e+01,'2026-11-30T16:03:50.710+00:00','rest_start','{"seconds": 2.0}');
INSERT INTO "events" VALUES(8,1,6.7766666666666665721e+01,'2026-11-30T16:03:50.739+00:00','rest_end','{"reason": "done"}');
INSERT INTO "events" VALUES(9,1,6.7766666666666665721e+01,'2026-11-30T16:03:50.792+00:00','source_skipped','{"frames": 11}');
INSERT INTO "events" VALUES(10,1,NULL,'2026-11-30T16:03:51.948+00:00','stop_suggested','{"key": "stop_rise", "before": 3, "after": 6}');
CREATE TABLE pain (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions(id),
        moment TEXT NOT NULL CHECK (moment IN ('before', 'after')),
        score INTEGER NOT NULL CHECK (score BETWEEN 0 AND 10),
        at TEXT NOT NULL,
        how TEXT NOT NULL              
    );
INSERT INTO "pain" VALUES(1,1,'before',3,'2026-11-30T16:03:45.578+00:00','flag');
INSERT INTO "pain" VALUES(2,1,'after',6,'2026-11-30T16:03:51.947+00:00','flag');
CREATE TABLE profiles (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL,
        safety_seen_at TEXT            
    );
INSERT INTO "profiles" VALUES(1,'default','2026-11-30T16:03:45.498+00:00','2026-11-30T16:03:45.502+00:00');
CREATE TABLE rule_files (
        session_id INTEGER NOT NULL REFERENCES sessions(id),
        exercise_id TEXT NOT NULL,
        version TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        path TEXT NOT NULL,
        PRIMARY KEY (session_id, exercise_id)
    );
INSERT INTO "rule_files" VALUES(1,'scapular_squeeze','1.0.0','89e0329efe03bbb8b3e8aeac432e6482582b994d20b8c3adf60953f6c808b952','/opt/coach/exercises/scapular_squeeze.toml');
INSERT INTO "rule_files" VALUES(1,'thread_the_needle','1.0.0','6f742b10f9c6faa435631168cd27a3ea07a5c96a6aaa9d604e7d4b4b4095dc6e','/opt/coach/exercises/thread_the_needle.toml');
INSERT INTO "rule_files" VALUES(1,'resisted_row','1.1.0','a25a0ac5712397c9ab8b3bc68d5da9a3c0e1930fcda757b903b88d6bb95cceaa','/opt/coach/exercises/resisted_row.toml');
CREATE TABLE sessions (
        id INTEGER PRIMARY KEY,
        uuid TEXT NOT NULL UNIQUE,
        profile_id INTEGER NOT NULL REFERENCES profiles(id),
        routine_id TEXT NOT NULL,
        routine_version TEXT NOT NULL,
        routine_sha256 TEXT NOT NULL,
        plan_json TEXT NOT NULL,       
        per_week INTEGER NOT NULL,
        lang TEXT NOT NULL,
        sources TEXT NOT NULL,         
        app_version TEXT NOT NULL,
        model TEXT NOT NULL,           
        started_at TEXT NOT NULL,      
        ended_at TEXT,                 
        end_reason TEXT,               
        host TEXT NOT NULL,
        pid INTEGER NOT NULL,
        recording_path TEXT,           
        video_path TEXT,
        imported_from TEXT             
    );
INSERT INTO "sessions" VALUES(1,'b286616a-d57e-4d42-b5c7-b5a17a555138',1,'short','0.1','3a192c1a6a0ab3cc355443ef5ff7295b7432aa9f387c9a180102f27382a0470f','[{"index": 0, "step": 0, "exercise": "scapular_squeeze", "side": null, "number": 1, "of": 1, "reps": 3, "hold_s": 0.0, "rest_s": 2.0}, {"index": 1, "step": 1, "exercise": "thread_the_needle", "side": "left", "number": 1, "of": 1, "reps": 2, "hold_s": 0.0, "rest_s": 2.0}, {"index": 2, "step": 2, "exercise": "thread_the_needle", "side": "right", "number": 1, "of": 1, "reps": 2, "hold_s": 0.0, "rest_s": 2.0}, {"index": 3, "step": 3, "exercise": "resisted_row", "side": null, "number": 1, "of": 1, "reps": 4, "hold_s": 0.0, "rest_s": 0.0}]',5,'en','["/home/member/clips/scapular_squeeze-0.npz", "/home/member/clips/thread_the_needle-1.npz", "/home/member/clips/ttn2.npz", "/home/member/clips/resisted_row-3.npz"]','0.1.0','recording','2026-11-30T16:03:45.558+00:00','2026-11-30T16:03:51.954+00:00','completed','laptop',4242,'sessions/b286616a-d57e-4d42-b5c7-b5a17a555138/landmarks.npz',NULL,NULL);
CREATE TABLE sets (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions(id),
        set_index INTEGER NOT NULL,    
        step_index INTEGER NOT NULL,
        number INTEGER NOT NULL,       
        of_sets INTEGER NOT NULL,
        exercise_id TEXT NOT NULL,
        side TEXT,                     
        target_reps INTEGER NOT NULL,  
        target_hold_s REAL NOT NULL,   
        measure TEXT,                  
        unit TEXT,
        started_t REAL NOT NULL,       
        ended_t REAL,
        end_reason TEXT,               
        reps INTEGER,                  
        held_s REAL,
        frames INTEGER,
        frames_with_pose INTEGER
    );
INSERT INTO "sets" VALUES(1,1,0,0,1,1,'scapular_squeeze',NULL,3,0.0,'shoulder_width','ratio',0.0,16.7,'target',3,NULL,502,496);
INSERT INTO "sets" VALUES(2,1,1,1,1,1,'thread_the_needle','left',2,0.0,'rotation','deg',17.867,37.433,'target',2,NULL,587,581);
INSERT INTO "sets" VALUES(3,1,2,2,1,1,'thread_the_needle','right',2,0.0,'rotation','deg',39.433,65.767,'target',2,NULL,790,784);
INSERT INTO "sets" VALUES(4,1,3,3,1,1,'resisted_row',NULL,4,0.0,'elbow_px','deg',67.767,78.2,'target',4,NULL,313,307);
CREATE INDEX attempts_by_session ON attempts(session_id, set_id);
CREATE INDEX cues_by_session ON cues(session_id);
CREATE INDEX events_by_session ON events(session_id);
CREATE INDEX sessions_by_profile ON sessions(profile_id, started_at);
COMMIT;
