-- On PostgreSQL this migration makes the index on the subject a hash index (see
-- postgres/0014). SQLite has only B-trees: it keeps the index of 0013.
SELECT 1;
