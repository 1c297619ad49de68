//! What rdsplan knows of each RDS engine: defaults and limits used by validation and by the
//! planner's default normalisation.

pub struct Engine {
    pub name: &'static str,
    pub port: i64,
    pub default_username: &'static str,
    /// Allocated storage range in GiB for general-purpose SSD storage.
    pub min_storage: i64,
    pub max_storage: i64,
}

const fn e(name: &'static str, port: i64, user: &'static str, min: i64, max: i64) -> Engine {
    Engine {
        name,
        port,
        default_username: user,
        min_storage: min,
        max_storage: max,
    }
}

pub const ENGINES: &[Engine] = &[
    e("mysql", 3306, "admin", 20, 65536),
    e("mariadb", 3306, "admin", 20, 65536),
    e("postgres", 5432, "postgres", 20, 65536),
    e("oracle-ee", 1521, "admin", 20, 65536),
    e("oracle-ee-cdb", 1521, "admin", 20, 65536),
    e("oracle-se2", 1521, "admin", 20, 65536),
    e("oracle-se2-cdb", 1521, "admin", 20, 65536),
    e("sqlserver-ee", 1433, "admin", 20, 16384),
    e("sqlserver-se", 1433, "admin", 20, 16384),
    e("sqlserver-ex", 1433, "admin", 20, 16384),
    e("sqlserver-web", 1433, "admin", 20, 16384),
];

/// Aurora engines, used by `cluster` (storage is managed by Aurora).
pub const AURORA: &[Engine] = &[
    e("aurora-mysql", 3306, "admin", 0, 0),
    e("aurora-postgresql", 5432, "postgres", 0, 0),
];

pub fn aurora(name: &str) -> Option<&'static Engine> {
    AURORA.iter().find(|e| e.name == name)
}

pub fn engine(name: &str) -> Option<&'static Engine> {
    ENGINES.iter().find(|e| e.name == name)
}

pub fn names() -> Vec<&'static str> {
    ENGINES.iter().map(|e| e.name).collect()
}
