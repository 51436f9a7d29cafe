-- The embedded population moved into a file of its own beside this one
-- (canhgac.db -> canhgac.population.db), which is replaced whole and never
-- edited: a lookup reads its citizen there through a connection whose page
-- cache the commits of the audit projections here no longer empty. store_open
-- copies the rows of this table into that file before this migration runs.
DROP TABLE population;
