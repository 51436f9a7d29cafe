-- The detector's volume rule (issue 7) reads each officer's lookups per day of
-- the last 30 days at start; this index lets that query read those days only
-- instead of every day ever projected.
CREATE INDEX audit_daily_user_day ON audit_daily_user(day);
