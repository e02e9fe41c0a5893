-- On SQLite this migration indexes a prefix of the subject key (see sqlite/0015); PostgreSQL
-- keeps the hash index of 0014.
SELECT 1;
