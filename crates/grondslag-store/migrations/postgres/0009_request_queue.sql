-- The request queue (issue 6: 10,000 open requests list and sort in under 100 ms; see
-- docs/benchmarks.md, "Data-subject request queue").
--
-- The queue sorts open requests by due_on, received_on, reference. The index of 0006 held
-- (is_open, due_on) only, so every page sorted all open requests again, and a deep page
-- sorted and skipped whole rows. This index holds the queue's full order and the id, so
-- the page's ids and the count come from the index alone; it also serves the reminders,
-- which read (is_open, due_on).
CREATE INDEX requests_queue_order ON requests (is_open, due_on, received_on, reference, id);
DROP INDEX requests_queue;

-- The filter by right (`right=right_to_erasure`): the primary key (request_id, "right")
-- cannot find the requests of one right without reading the whole table.
CREATE INDEX request_rights_right ON request_rights ("right", request_id);
