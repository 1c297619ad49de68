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

/// The major versions RDS has offered per engine, retired ones included (databases imported
/// from years ago still run them): a built-in table, since no call is needed to know that
/// `postgres` has no `8.0`. A version the files give must start with one of them.
pub fn majors(engine: &str) -> &'static [&'static str] {
    match engine {
        "mysql" => &["5.5", "5.6", "5.7", "8.0", "8.4"],
        "mariadb" => &[
            "10.0", "10.1", "10.2", "10.3", "10.4", "10.5", "10.6", "10.11", "11.4", "11.8",
        ],
        "postgres" | "aurora-postgresql" => {
            &["9", "10", "11", "12", "13", "14", "15", "16", "17", "18"]
        }
        "aurora-mysql" => &["5.6", "5.7", "8.0"],
        e if e.starts_with("oracle") => &["19", "21"],
        e if e.starts_with("sqlserver") => &["13.00", "14.00", "15.00", "16.00"],
        _ => &[],
    }
}

/// Whether `version` (a full version or a prefix of one) belongs to `major`: "8.0.35" and
/// "8.0" to "8.0", "16.4" to "16", "8.0.mysql_aurora.3.05.2" to "8.0"; "8" to none (too short
/// to tell).
pub fn in_major(version: &str, major: &str) -> bool {
    version == major
        || version
            .strip_prefix(major)
            .is_some_and(|rest| rest.starts_with('.'))
}

/// Graviton (ARM) instance families: `r6g`, `m7g`, `t4g`, `x2g`, `r6gd`...
pub fn graviton(class: &str) -> bool {
    let family = class.split('.').nth(1).unwrap_or_default();
    let rest = family.trim_start_matches(|c: char| c.is_ascii_lowercase());
    let after_generation = rest.trim_start_matches(|c: char| c.is_ascii_digit());
    after_generation.starts_with('g')
}

/// Why an engine cannot run on an instance class (or Multi-AZ), from RDS's documented limits;
/// `None` when the combination is possible.
pub fn class_limit(engine: &str, class: &str, multi_az: bool) -> Option<String> {
    let family = class.split('.').nth(1).unwrap_or_default();
    let size = class.split('.').nth(2).unwrap_or_default();
    if (engine.starts_with("sqlserver") || engine.starts_with("oracle")) && graviton(class) {
        return Some(format!(
            "{engine} does not run on Graviton (ARM) instance classes such as {class}"
        ));
    }
    if engine == "sqlserver-ex" && !family.starts_with('t') {
        return Some(format!(
            "SQL Server Express runs only on burstable classes (db.t3.micro to db.t3.xlarge), not {class}"
        ));
    }
    if multi_az && matches!(engine, "sqlserver-ex" | "sqlserver-web") {
        return Some(format!(
            "{engine} has no Multi-AZ deployment (SQL Server Multi-AZ needs Standard or Enterprise edition)"
        ));
    }
    if engine.starts_with("aurora") {
        let small_burstable = family == "t2"
            || (family.starts_with('t') && matches!(size, "nano" | "micro" | "small"));
        if small_burstable || family.starts_with('m') {
            return Some(format!(
                "Aurora does not run on {class}: use a db.r* or db.x2g class, db.t3/db.t4g medium or large, or db.serverless"
            ));
        }
    }
    None
}
