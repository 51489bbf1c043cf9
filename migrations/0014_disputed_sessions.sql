-- A manager's own time leaves out the 1:1s every rep disputed. The jobs
-- total it for many managers from covering indexes and subtract those
-- 1:1s, found here among the few disputed rows instead of by visiting the
-- reps of every session. Only disputed rows are in it, so logging pays
-- nothing for it.
CREATE INDEX log_reps_disputed ON log_reps (log_id) WHERE confirmation = 'disputed';
