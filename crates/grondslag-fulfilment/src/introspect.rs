//! Reads the live schema from each database's catalogue: tables and columns with their types,
//! the columns that lead an index, and the foreign keys. The comparison with the manifest is
//! the domain's (`check_schema`).

use crate::db::{text_cells, DbError, Dialect, Pool};
use grondslag_domain::datastore::{ColumnKind, LiveColumn, LiveForeignKey, LiveSchema};

/// The live schema of the database behind `pool` (its current schema or database).
pub async fn live_schema(pool: &Pool) -> Result<LiveSchema, DbError> {
    let (columns_sql, indexes_sql, fks_sql) = match pool.dialect() {
        Dialect::Postgres => (
            "SELECT c.table_name::text, c.column_name::text, c.udt_name::text, c.is_nullable::text \
             FROM information_schema.columns c \
             WHERE c.table_schema = current_schema() \
             ORDER BY c.table_name, c.ordinal_position",
            "SELECT t.relname::text, a.attname::text \
             FROM pg_index i \
             JOIN pg_class t ON t.oid = i.indrelid \
             JOIN pg_namespace n ON n.oid = t.relnamespace \
             JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = i.indkey[0] \
             WHERE n.nspname = current_schema()",
            "SELECT cl.relname::text, a.attname::text, pcl.relname::text, pa.attname::text, \
                    (c.confdeltype = 'c')::text \
             FROM pg_constraint c \
             JOIN pg_class cl ON cl.oid = c.conrelid \
             JOIN pg_namespace n ON n.oid = cl.relnamespace \
             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] \
             JOIN pg_class pcl ON pcl.oid = c.confrelid \
             JOIN pg_attribute pa ON pa.attrelid = c.confrelid AND pa.attnum = c.confkey[1] \
             WHERE c.contype = 'f' AND n.nspname = current_schema()",
        ),
        Dialect::MySql => (
            "SELECT CAST(TABLE_NAME AS CHAR), CAST(COLUMN_NAME AS CHAR), \
                    CAST(CONCAT(DATA_TYPE, '|', COLUMN_TYPE) AS CHAR), CAST(IS_NULLABLE AS CHAR) \
             FROM information_schema.COLUMNS \
             WHERE TABLE_SCHEMA = DATABASE() \
             ORDER BY TABLE_NAME, ORDINAL_POSITION",
            "SELECT CAST(TABLE_NAME AS CHAR), CAST(COLUMN_NAME AS CHAR) \
             FROM information_schema.STATISTICS \
             WHERE TABLE_SCHEMA = DATABASE() AND SEQ_IN_INDEX = 1",
            "SELECT CAST(k.TABLE_NAME AS CHAR), CAST(k.COLUMN_NAME AS CHAR), \
                    CAST(k.REFERENCED_TABLE_NAME AS CHAR), CAST(k.REFERENCED_COLUMN_NAME AS CHAR), \
                    CAST(IF(r.DELETE_RULE = 'CASCADE', 'true', 'false') AS CHAR) \
             FROM information_schema.KEY_COLUMN_USAGE k \
             JOIN information_schema.REFERENTIAL_CONSTRAINTS r \
               ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME \
              AND r.TABLE_NAME = k.TABLE_NAME \
             WHERE k.TABLE_SCHEMA = DATABASE() AND k.REFERENCED_TABLE_NAME IS NOT NULL \
               AND k.ORDINAL_POSITION = 1",
        ),
        Dialect::Sqlite => (
            "SELECT m.name, p.name, p.type, CASE WHEN p.\"notnull\" = 0 AND p.pk = 0 THEN 'YES' ELSE 'NO' END \
             FROM sqlite_master m JOIN pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' \
             ORDER BY m.name, p.cid",
            "SELECT m.name, ii.name \
             FROM sqlite_master m \
             JOIN pragma_index_list(m.name) il \
             JOIN pragma_index_info(il.name) ii \
             WHERE m.type = 'table' AND ii.seqno = 0 \
             UNION \
             SELECT m.name, p.name \
             FROM sqlite_master m JOIN pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND p.pk = 1",
            "SELECT m.name, f.\"from\", f.\"table\", COALESCE(f.\"to\", ''), \
                    CASE WHEN f.on_delete = 'CASCADE' THEN 'true' ELSE 'false' END \
             FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f \
             WHERE m.type = 'table' AND f.seq = 0",
        ),
    };
    let dialect = pool.dialect();
    let mut tx = pool.begin_read().await?;
    let columns = tx.fetch(columns_sql, &[]).await?;
    let indexes = tx.fetch(indexes_sql, &[]).await?;
    let fks = tx.fetch(fks_sql, &[]).await?;
    tx.rollback().await?;

    let mut live = LiveSchema::default();
    for row in columns {
        let c = text_cells(&row);
        let (kind, type_name) = classify(dialect, &c[2]);
        live.tables
            .entry(c[0].clone())
            .or_default()
            .columns
            .push(LiveColumn {
                name: c[1].clone(),
                type_name,
                kind,
                nullable: c[3].eq_ignore_ascii_case("YES"),
            });
    }
    for row in indexes {
        let c = text_cells(&row);
        if let Some(t) = live.tables.get_mut(&c[0]) {
            t.indexed.insert(c[1].clone());
        }
    }
    for row in fks {
        let c = text_cells(&row);
        live.foreign_keys.push(LiveForeignKey {
            table: c[0].clone(),
            column: c[1].clone(),
            references_table: c[2].clone(),
            references_column: c[3].clone(),
            on_delete_cascade: c[4] == "true",
        });
    }
    Ok(live)
}

/// The kind of a column from the catalogue's type, and the type's name as shown to people
/// (on PostgreSQL the `udt_name`, which is also what parameters are cast to).
fn classify(dialect: Dialect, raw: &str) -> (ColumnKind, String) {
    use ColumnKind::*;
    match dialect {
        Dialect::Postgres => {
            let kind = match raw {
                "int2" | "int4" | "int8" => Integer,
                "float4" | "float8" => Float,
                "numeric" => Decimal,
                "text" | "varchar" | "bpchar" | "name" => Text,
                "bool" => Boolean,
                "date" => Date,
                "time" => Time,
                "timestamp" | "timestamptz" => Timestamp,
                "bytea" => Bytes,
                _ => Other,
            };
            (kind, raw.to_string())
        }
        Dialect::MySql => {
            let (data_type, column_type) = raw.split_once('|').unwrap_or((raw, raw));
            let kind = match data_type.to_ascii_lowercase().as_str() {
                "tinyint" if column_type.starts_with("tinyint(1)") => Boolean,
                "tinyint" | "smallint" | "mediumint" | "int" | "integer" | "bigint" => Integer,
                "float" | "double" | "real" => Float,
                "decimal" | "numeric" => Decimal,
                "char" | "varchar" | "tinytext" | "text" | "mediumtext" | "longtext" => Text,
                "date" => Date,
                "time" => Time,
                "datetime" | "timestamp" => Timestamp,
                "binary" | "varbinary" | "tinyblob" | "blob" | "mediumblob" | "longblob" => Bytes,
                _ => Other,
            };
            (kind, column_type.to_string())
        }
        Dialect::Sqlite => {
            // SQLite's type affinity (https://sqlite.org/datatype3.html §3.1), with the
            // common date and boolean names recognised first.
            let t = raw.to_ascii_uppercase();
            let kind = if t.contains("BOOL") {
                Boolean
            } else if t.contains("DATETIME") || t.contains("TIMESTAMP") {
                Timestamp
            } else if t.contains("DATE") {
                Date
            } else if t.contains("INT") {
                Integer
            } else if t.contains("CHAR") || t.contains("CLOB") || t.contains("TEXT") {
                Text
            } else if t.contains("BLOB") {
                Bytes
            } else if t.contains("REAL") || t.contains("FLOA") || t.contains("DOUB") {
                Float
            } else if t.contains("TIME") {
                Time
            } else if t.contains("DEC") || t.contains("NUMERIC") {
                Decimal
            } else {
                Other
            };
            (kind, raw.to_string())
        }
    }
}

/// Whether values of a column are selected as text: kinds without a native reading in the
/// driver (exact decimals, enumerations, JSON, UUIDs, …, and MySQL's TIME, which may exceed
/// 24 hours).
pub fn select_as_text(dialect: Dialect, kind: ColumnKind) -> bool {
    match dialect {
        Dialect::Sqlite => false,
        Dialect::Postgres => matches!(kind, ColumnKind::Decimal | ColumnKind::Other),
        Dialect::MySql => matches!(
            kind,
            ColumnKind::Decimal | ColumnKind::Other | ColumnKind::Time
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_map_to_kinds() {
        assert_eq!(classify(Dialect::Postgres, "int4").0, ColumnKind::Integer);
        assert_eq!(classify(Dialect::Postgres, "uuid").0, ColumnKind::Other);
        assert_eq!(
            classify(Dialect::MySql, "tinyint|tinyint(1)").0,
            ColumnKind::Boolean
        );
        assert_eq!(
            classify(Dialect::MySql, "int|int(10) unsigned"),
            (ColumnKind::Integer, "int(10) unsigned".to_string())
        );
        assert_eq!(classify(Dialect::Sqlite, "VARCHAR(80)").0, ColumnKind::Text);
        assert_eq!(
            classify(Dialect::Sqlite, "DATETIME").0,
            ColumnKind::Timestamp
        );
        assert_eq!(classify(Dialect::Sqlite, "").0, ColumnKind::Other);
    }
}
