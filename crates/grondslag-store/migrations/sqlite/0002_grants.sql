-- Roles, overall or for one unit and the units below it (REG-3). An empty unit_id means
-- the role holds everywhere.
CREATE TABLE user_grants (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role    TEXT NOT NULL,
    unit_id TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (user_id, role, unit_id)
) STRICT;

-- Before roles existed every account could do everything; administrators manage accounts.
-- Existing accounts keep what they had: the FG role, and the administrator role where set.
INSERT INTO user_grants (user_id, role, unit_id) SELECT id, 'data_protection_officer', '' FROM users;
INSERT INTO user_grants (user_id, role, unit_id) SELECT id, 'administrator', '' FROM users WHERE is_admin = 1;
