-- On PostgreSQL this migration checks consent events' notices once a statement instead of
-- through a foreign key checked once a row (see postgres/0012). SQLite keeps the foreign key
-- of 0008: it checks a row with an index look-up in the same process, so nothing changes here.
SELECT 1;
