"""The common path of a claim and of a submit as PostgreSQL functions.

A claim through annotation.work.statements is seven round trips to the database (BEGIN,
seat, holdings, slot, counter, assignment, COMMIT) and a submit eight; under load a
request's time is its round trips (docs/benchmarks.md). Each function below runs the same
statements, in the same order and with the same locks, in one call: one round trip, its
own transaction when called outside one.

They take only the common path and change nothing when they meet anything else; they
answer ``python`` and the caller runs the full path of annotation.work.services (gold
items, leases that ran out, a paused annotator, a superuser, rework, a skipped
assignment, a project whose settings changed since the body was checked, every row with
room held by another claim). The SQLite database has no such functions and always runs
the full path. annotation.work.fastpath calls them.

Each statement of a PL/pgSQL function takes a fresh snapshot (READ COMMITTED), so what
the annotator holds is read after their seat is locked, and a submit's revisions after
its assignment is locked, as the two-statement reads of annotation.work.statements do.
"""

from django.db import migrations

TASK_NEXT = """
CREATE OR REPLACE FUNCTION biaozhu_task_next(
    p_project bigint, p_user bigint, p_now timestamptz,
    OUT outcome text, OUT assignment_id bigint, OUT snippet_id bigint, OUT batch_id bigint,
    OUT text text, OUT tokens text, OUT suggestions jsonb, OUT lease_expires_at timestamptz,
    OUT project_version timestamptz)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    seat record;
    any_expired boolean;
BEGIN
    outcome := 'python';
    -- The annotator's seat, locked: one annotator's claims run one at a time.
    SELECT m.role, p.overlap, p.lease_minutes, p.gold_percent, m.paused_at IS NOT NULL AS paused,
           p.updated_at
    INTO seat
    FROM projects_membership m JOIN projects_project p ON p.id = m.project_id
    WHERE m.project_id = p_project AND m.user_id = p_user
    FOR NO KEY UPDATE OF m;
    IF NOT FOUND OR seat.role = 'client' THEN
        RETURN;
    END IF;
    -- What they hold (read after the lock: a statement of its own sees what the claim
    -- it waited for committed), and whether any lease in the project ran out.
    SELECT (SELECT a.id FROM annotation_assignment a
            WHERE a.project_id = p_project AND a.annotator_id = p_user
              AND a.status IN ('active', 'returned')
              AND (a.status = 'returned' OR a.lease_expires_at > p_now)
            ORDER BY a.id LIMIT 1),
           EXISTS (SELECT 1 FROM annotation_assignment a
                   WHERE a.project_id = p_project AND a.status = 'active'
                     AND a.lease_expires_at <= p_now)
    INTO assignment_id, any_expired;
    IF assignment_id IS NOT NULL THEN
        outcome := 'held';
        RETURN;
    END IF;
    IF seat.paused OR seat.gold_percent > 0 OR any_expired THEN
        RETURN;
    END IF;
    -- A free slot of the snippet closest to done that the annotator never had. When none
    -- is found, nothing is left for them or every row with room is held by another claim
    -- right now: the full path tells the two apart (and waits out the second).
    UPDATE annotation_snippet AS u SET slots_taken = u.slots_taken + 1
    WHERE u.id = (
        SELECT s.id FROM annotation_snippet s
        WHERE s.project_id = p_project AND s.slots_taken < seat.overlap AND NOT s.gold
          AND (NOT EXISTS (SELECT 1 FROM annotation_batch_assignees r
                           WHERE r.batch_id = s.batch_id)
               OR EXISTS (SELECT 1 FROM annotation_batch_assignees r
                          WHERE r.batch_id = s.batch_id AND r.user_id = p_user))
          AND NOT EXISTS (SELECT 1 FROM annotation_assignment a
                          WHERE a.snippet_id = s.id AND a.annotator_id = p_user)
        ORDER BY s.slots_taken DESC, s.id
        LIMIT 1 FOR UPDATE OF s SKIP LOCKED
    )
    RETURNING u.id, u.batch_id, u.text, u.tokens, u.suggestions
    INTO snippet_id, batch_id, text, tokens, suggestions;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    UPDATE annotation_worktally AS t SET taken = t.taken + 1
    WHERE t.project_id = p_project AND t.annotator_id = p_user
      AND t.batch_id IS NOT DISTINCT FROM biaozhu_task_next.batch_id;
    IF NOT FOUND THEN
        INSERT INTO annotation_worktally (project_id, batch_id, annotator_id, taken, skipped,
            expired, submitted, time_ms, durations)
        VALUES (p_project, biaozhu_task_next.batch_id, p_user, 1, 0, 0, 0, 0,
                '[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]');
    END IF;
    lease_expires_at := p_now + make_interval(mins => seat.lease_minutes);
    INSERT INTO annotation_assignment AS a (project_id, snippet_id, annotator_id, status,
        lease_expires_at, draft, version, skip_reason, return_reason, created_at)
    VALUES (p_project, biaozhu_task_next.snippet_id, p_user, 'active',
            biaozhu_task_next.lease_expires_at, '{}', 0, '', '', p_now)
    RETURNING a.id INTO assignment_id;
    project_version := seat.updated_at;
    outcome := 'new';
END;
$$;
"""

# Histogram buckets as annotation.work.tally: bucket i counts items under 2**i seconds
# (0: under a second, 12: the rest); a histogram kept shorter is padded to 13 first.
# With p_next the annotator's next task is claimed in the same call (submit/?next=1).
SUBMIT = """
CREATE OR REPLACE FUNCTION biaozhu_submit(
    p_assignment bigint, p_user bigint, p_key text, p_project_version timestamptz,
    p_spans jsonb, p_classes jsonb, p_segmentation jsonb, p_time_ms integer,
    p_now timestamptz, p_check_task text, p_next boolean,
    OUT outcome text, OUT revision_id bigint, OUT number integer, OUT late boolean,
    OUT project_id bigint, OUT batch_id bigint,
    OUT next_outcome text, OUT next_assignment_id bigint, OUT next_snippet_id bigint,
    OUT next_batch_id bigint, OUT next_text text, OUT next_tokens text,
    OUT next_suggestions jsonb, OUT next_lease_expires_at timestamptz,
    OUT next_project_version timestamptz)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    own record;
    bucket integer;
BEGIN
    outcome := 'python';
    -- The annotator's own assignment in a project they are a member of, locked.
    SELECT a.id, a.project_id, a.status, a.lease_expires_at < p_now AS lease_over,
           s.batch_id, s.gold, p.updated_at
    INTO own
    FROM annotation_assignment a
    JOIN annotation_snippet s ON s.id = a.snippet_id
    JOIN projects_project p ON p.id = a.project_id
    WHERE a.id = p_assignment AND a.annotator_id = p_user
      AND EXISTS (SELECT 1 FROM projects_membership m
                  WHERE m.project_id = a.project_id AND m.user_id = p_user)
    FOR UPDATE OF a;
    IF NOT FOUND OR own.gold OR own.status NOT IN ('active', 'expired', 'submitted')
       OR own.updated_at IS DISTINCT FROM p_project_version THEN
        RETURN;
    END IF;
    project_id := own.project_id;
    batch_id := own.batch_id;
    -- The revision stored under this key, if any, and the next number.
    SELECT MAX(r.id) FILTER (WHERE r.idempotency_key = p_key AND p_key <> ''),
           COALESCE(MAX(r.number), 0) + 1
    INTO revision_id, number
    FROM annotation_revision r WHERE r.assignment_id = own.id;
    IF revision_id IS NOT NULL THEN
        outcome := 'same';
        number := NULL;
    ELSE
        late := own.status = 'expired' OR (own.status = 'active' AND own.lease_over);
        INSERT INTO annotation_revision AS r (assignment_id, number, annotator_id, spans,
            classes, segmentation, time_spent_ms, late, idempotency_key, created_at)
        VALUES (own.id, biaozhu_submit.number, p_user, p_spans, p_classes, p_segmentation,
                p_time_ms, biaozhu_submit.late, p_key, p_now)
        ON CONFLICT DO NOTHING
        RETURNING r.id INTO revision_id;
        IF revision_id IS NULL THEN
            RETURN;
        END IF;
        outcome := 'created';
    END IF;
    IF outcome = 'created' AND number = 1 THEN
        bucket := width_bucket(p_time_ms, ARRAY[1000, 2000, 4000, 8000, 16000, 32000, 64000,
                                                128000, 256000, 512000, 1024000, 2048000]);
        UPDATE annotation_worktally AS t SET submitted = t.submitted + 1,
            time_ms = t.time_ms + p_time_ms,
            durations = jsonb_set(
                t.durations || (SELECT COALESCE(jsonb_agg(0), '[]')
                                FROM generate_series(jsonb_array_length(t.durations), 12)),
                ARRAY[bucket::text],
                to_jsonb(COALESCE((t.durations ->> bucket)::integer, 0) + 1))
        WHERE t.project_id = own.project_id AND t.annotator_id = p_user
          AND t.batch_id IS NOT DISTINCT FROM own.batch_id;
        IF NOT FOUND THEN  -- a row made before counters were kept
            INSERT INTO annotation_worktally AS t (project_id, batch_id, annotator_id, taken,
                skipped, expired, submitted, time_ms, durations)
            VALUES (own.project_id, own.batch_id, p_user, 0, 0, 0, 1, p_time_ms,
                    jsonb_set('[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]', ARRAY[bucket::text],
                              '1'));
        END IF;
        -- The batch's check, through the outbox (annotation.jobs), when there is a broker.
        IF p_check_task IS NOT NULL AND own.batch_id IS NOT NULL THEN
            INSERT INTO annotation_outboxmessage (task, args, coalesce_key, created_at)
            VALUES (p_check_task, jsonb_build_array(own.batch_id),
                    'batch:' || own.batch_id, p_now)
            ON CONFLICT DO NOTHING;
        END IF;
    END IF;
    IF outcome = 'created' THEN
        UPDATE annotation_assignment AS a
        SET status = CASE WHEN a.status = 'expired' THEN a.status ELSE 'submitted' END,
            submitted_at = p_now
        WHERE a.id = own.id;
    END IF;
    IF p_next THEN
        SELECT * INTO next_outcome, next_assignment_id, next_snippet_id, next_batch_id,
            next_text, next_tokens, next_suggestions, next_lease_expires_at, next_project_version
        FROM biaozhu_task_next(own.project_id, p_user, p_now);
    END IF;
END;
$$;
"""

DROP = """
DROP FUNCTION IF EXISTS biaozhu_task_next(bigint, bigint, timestamptz);
DROP FUNCTION IF EXISTS biaozhu_submit(bigint, bigint, text, timestamptz, jsonb, jsonb, jsonb,
                                       integer, timestamptz, text, boolean);
"""


def create(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(TASK_NEXT)
        schema_editor.execute(SUBMIT)


def drop(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("annotation", "0015_export_gzip"),
        ("projects", "0007_gold_settings"),
    ]

    operations = [migrations.RunPython(create, drop)]
