//! Reading an environment folder: every `*.toml` in it, parsed with spans, each resource
//! deserialized on its own so that one bad resource does not hide the problems of the others.

use super::decode::{decode, decode_all};
use super::diag::{Diagnostic, Diagnostics, Place, SourceFile};
use super::types::*;
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use toml::de::{DeTable, DeValue};
use toml::Spanned;

/// Spans of a parsed value and, for tables and arrays, of everything inside it, so that
/// validation can point at any field after deserialization has dropped the spans.
#[derive(Debug, Clone, Default)]
pub struct SpanTree {
    pub span: Range<usize>,
    /// For a table: key → (span of the key, tree of the value).
    pub fields: BTreeMap<String, (Range<usize>, SpanTree)>,
    pub items: Vec<SpanTree>,
}

impl SpanTree {
    fn build(v: &Spanned<DeValue<'_>>) -> SpanTree {
        let mut t = SpanTree {
            span: v.span(),
            ..Default::default()
        };
        match v.get_ref() {
            DeValue::Table(tab) => {
                for (k, val) in tab.iter() {
                    t.fields
                        .insert(k.get_ref().to_string(), (k.span(), SpanTree::build(val)));
                }
            }
            DeValue::Array(arr) => t.items = arr.iter().map(SpanTree::build).collect(),
            _ => {}
        }
        t
    }

    /// The span of the value at `path` (field names, or indexes into arrays), falling back to the
    /// nearest enclosing value that exists.
    pub fn span_of(&self, path: &[&str]) -> Range<usize> {
        let mut cur = self;
        for seg in path {
            let next = match seg.parse::<usize>() {
                Ok(i) => cur.items.get(i),
                Err(_) => cur.fields.get(*seg).map(|(_, t)| t),
            };
            match next {
                Some(n) => cur = n,
                None => break,
            }
        }
        cur.span.clone()
    }
}

/// Where a declaration is: its file, the span of its name, and the spans inside it.
#[derive(Debug, Clone)]
pub struct Origin {
    pub file: usize,
    pub name_span: Range<usize>,
    pub tree: SpanTree,
}

impl Origin {
    pub fn place(&self, path: &[&str]) -> Place {
        Place {
            file: self.file,
            span: if path.is_empty() {
                self.name_span.clone()
            } else {
                self.tree.span_of(path)
            },
        }
    }
    pub fn name_place(&self) -> Place {
        Place {
            file: self.file,
            span: self.name_span.clone(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Decl<T> {
    pub name: String,
    pub spec: T,
    pub origin: Origin,
}

macro_rules! config_struct {
    ($($(#[$doc:meta])* $key:ident: $ty:ident, $plural:ident, $declared:ident;)+) => {
        /// The environment after loading, before validation.
        #[derive(Debug, Clone)]
        pub struct Config {
            pub env_name: String,
            pub environment: Option<Decl<EnvironmentConfig>>,
            $(pub $plural: Vec<Decl<$ty>>,)+
            /// `[[moved]]` entries, in file order.
            pub moved: Vec<Decl<MovedConfig>>,
            pub files: Vec<SourceFile>,
            $(
                /// Names declared in the files, including those whose body had errors, so that
                /// references to them are not reported a second time as undefined.
                pub $declared: Vec<String>,
            )+
        /// Whether an [environment] table was present, even if it had errors.
        pub environment_declared: bool,
        /// `*.toml` entries that could not be read: what they declare is unknown, so the files are
        /// not validated further (no follow-on errors about what they would have defined).
        pub unreadable: usize,
        /// Where semantic checks are in doubt: the name, the left-out fields (and, for a field
        /// missing from the file, the table's start) of each resource decoded with stand-ins for
        /// fields of the wrong type or missing (see `decode::decode_all`). A semantic diagnostic
        /// placed there is dropped, as it may stem from a stand-in; the type errors are reported,
        /// and the rest of the resource is checked in the same run.
        pub doubtful: Vec<Place>,
        }

        impl Config {
            fn empty(env_name: String) -> Config {
                Config {
                    env_name,
                    environment: None,
                    $($plural: vec![], $declared: vec![],)+
                    moved: vec![],
                    files: vec![],
                    environment_declared: false,
                    unreadable: 0,
                    doubtful: vec![],
                }
            }

            /// Loads the `[KIND.NAME]` tables of resource kind `kind`; false if `kind` is none.
            fn load_resources(
                &mut self,
                kind: &str,
                value: &Spanned<DeValue<'_>>,
                file: usize,
                diags: &mut Vec<Diagnostic>,
            ) -> bool {
                $(if kind == stringify!($key) {
                    let (out, declared) = (&mut self.$plural, &mut self.$declared);
                    load_kind(out, declared, value, file, diags, &mut self.doubtful);
                    return true;
                })+
                false
            }

            fn declared_list(&mut self, kind: &str) -> Option<&mut Vec<String>> {
                $(if kind == stringify!($key) {
                    return Some(&mut self.$declared);
                })+
                None
            }

            /// The names the files declare of resource kind `kind` (also those whose body had
            /// errors); none for what is no resource kind.
            pub fn declared(&self, kind: &str) -> &[String] {
                $(if kind == stringify!($key) {
                    return &self.$declared;
                })+
                &[]
            }

            /// Where the files declare `kind.name`, if they do.
            pub fn origin(&self, kind: &str, name: &str) -> Option<&Origin> {
                $(if kind == stringify!($key) {
                    return self.$plural.iter().find(|d| d.name == name).map(|d| &d.origin);
                })+
                None
            }
        }

        /// The top-level keys of a file: the resource kinds, `environment` and `moved`.
        pub(super) const KINDS: &[&str] = &["environment", $(stringify!($key),)+ "moved"];
    };
}
super::types::file_kinds!(config_struct);

impl Config {
    pub fn environment(&self) -> &EnvironmentConfig {
        &self
            .environment
            .as_ref()
            .expect("validated configs have an [environment]")
            .spec
    }
    pub fn region(&self) -> &str {
        &self.environment().region
    }
}

/// Fields that would put a password in a file; refused with a pointer to `credentials`.
const PASSWORD_FIELDS: &[&str] = &["password", "master_password", "master_user_password"];

/// Every entry of a folder whose name ends in `.toml`, sorted, whatever it is: a file, but also
/// a dangling symlink, a directory or a FIFO, which loading then reports rather than skips (a
/// file silently left out would make apply delete what it defines).
pub fn toml_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    Ok(files)
}

/// The text of one `*.toml` entry, or why it cannot be read: never a silent skip, and never an
/// open() of something that is not a regular file (a FIFO would block).
fn read_toml(path: &Path) -> Result<String, String> {
    let shown = super::diag::printable(&path.display().to_string());
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) => {
            let link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
            return Err(if link {
                let to = std::fs::read_link(path)
                    .map(|t| super::diag::printable(&t.display().to_string()))
                    .unwrap_or_default();
                format!("cannot read {shown}: it is a symbolic link to `{to}` that leads nowhere (dangling or looping: {e})")
            } else {
                format!("cannot read {shown}: {e}")
            });
        }
    };
    if meta.is_dir() {
        return Err(format!(
            "cannot read {shown}: it is a directory, not a file"
        ));
    }
    if !meta.is_file() {
        return Err(format!(
            "cannot read {shown}: it is not a regular file (a FIFO, socket or device)"
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {shown}: {e}"))?;
    String::from_utf8(bytes).map_err(|e| {
        let good = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let good = std::str::from_utf8(good).unwrap_or_default();
        let line = good.matches('\n').count() + 1;
        let col = good.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        let byte = e.as_bytes()[good.len()];
        format!("{shown}:{line}:{col}: not valid UTF-8 (byte 0x{byte:02x}); rdsplan reads TOML files in UTF-8")
    })
}

/// Loads one environment folder. The returned diagnostics hold every problem of every file;
/// the config is usable only when they are empty.
pub fn load_dir(dir: &Path) -> (Config, Diagnostics) {
    // `.` and `..` are named as they resolve (`--dir .` inside an environment's folder).
    let env_name = super::folder_name(dir).unwrap_or_default();
    let mut cfg = Config::empty(env_name);
    let mut diags = Vec::new();
    let paths = match toml_files(dir) {
        Ok(p) if !p.is_empty() => p,
        Ok(_) => {
            diags.push(Diagnostic::nowhere(format!(
                "no *.toml files in {}",
                dir.display()
            )).help("an environment is a folder of TOML files, one of which has an [environment] table"));
            return (
                cfg,
                Diagnostics {
                    files: vec![],
                    items: diags,
                },
            );
        }
        Err(e) => {
            diags.push(Diagnostic::nowhere(format!(
                "cannot read {}: {e}",
                dir.display()
            )));
            return (
                cfg,
                Diagnostics {
                    files: vec![],
                    items: diags,
                },
            );
        }
    };
    for path in paths {
        let text = match read_toml(&path) {
            Ok(t) => t,
            Err(why) => {
                cfg.unreadable += 1;
                diags.push(Diagnostic::nowhere(why).help(
                    "every *.toml entry of an environment folder is read: fix it, or rename it so that its name does not end in .toml",
                ));
                continue;
            }
        };
        let file = cfg.files.len();
        cfg.files.push(SourceFile {
            path: path.clone(),
            text: Arc::new(text),
        });
        let text = cfg.files[file].text.clone();
        load_file(&mut cfg, file, &text, &mut diags);
    }
    if let Some(env) = &cfg.environment {
        if let Some(n) = &env.spec.name {
            cfg.env_name = n.clone();
        }
    }
    let files = cfg.files.clone();
    (
        cfg,
        Diagnostics {
            files,
            items: diags,
        },
    )
}

/// A file that is not valid TOML: each syntax error at its place, and the names the file
/// declares (as far as the parser recovered) still count, so that references to them are not
/// reported as undefined on top of the syntax error.
fn syntax_errors(
    cfg: &mut Config,
    file: usize,
    root: &toml::Spanned<DeTable<'_>>,
    errors: Vec<toml::de::Error>,
    diags: &mut Vec<Diagnostic>,
) {
    for e in errors {
        diags.push(
            Diagnostic::at(
                Place {
                    file,
                    span: e.span().unwrap_or(0..0),
                },
                format!("TOML syntax: {}", e.message().trim()),
            )
            .help("see https://toml.io for the syntax"),
        );
    }
    for (key, value) in root.get_ref().iter() {
        let kind = key.get_ref().as_ref();
        if kind == "environment" {
            cfg.environment_declared = true;
        }
        let (Some(list), DeValue::Table(t)) = (cfg.declared_list(kind), value.get_ref()) else {
            continue;
        };
        list.extend(t.iter().map(|(name, _)| name.get_ref().to_string()));
    }
}

fn load_file(cfg: &mut Config, file: usize, text: &str, diags: &mut Vec<Diagnostic>) {
    let (root, errors) = DeTable::parse_recoverable(text);
    if !errors.is_empty() {
        syntax_errors(cfg, file, &root, errors, diags);
        return;
    }
    for (key, value) in root.get_ref().iter() {
        let kind = key.get_ref().as_ref();
        let key_place = Place {
            file,
            span: key.span(),
        };
        match kind {
            "environment" => {
                cfg.environment_declared = true;
                let origin = Origin {
                    file,
                    name_span: key.span(),
                    tree: SpanTree::build(value),
                };
                if let Some(spec) = decode_all::<EnvironmentConfig>(
                    value,
                    file,
                    key.span(),
                    diags,
                    &mut cfg.doubtful,
                ) {
                    if let Some(prev) = &cfg.environment {
                        diags.push(
                            Diagnostic::at(key_place, "[environment] is defined twice")
                                .label("second definition")
                                .also(prev.origin.name_place(), "first defined here")
                                .help("keep one [environment] table per environment folder"),
                        );
                    } else {
                        cfg.environment = Some(Decl {
                            name: "environment".into(),
                            spec,
                            origin,
                        });
                    }
                }
            }
            "moved" => load_moved(cfg, value, file, diags),
            other if cfg.load_resources(other, value, file, diags) => {}
            other => {
                let help = format!("known kinds: {}{}", KINDS.join(", "), suggest(other, KINDS));
                diags.push(
                    Diagnostic::at(key_place, format!("unknown kind `{other}`"))
                        .label("not a kind rdsplan knows")
                        .help(help),
                );
            }
        }
    }
}

/// `[[moved]]`: an array of `{ from, to }` tables.
fn load_moved(
    cfg: &mut Config,
    value: &Spanned<DeValue<'_>>,
    file: usize,
    diags: &mut Vec<Diagnostic>,
) {
    let DeValue::Array(items) = value.get_ref() else {
        diags.push(
            Diagnostic::at(
                Place {
                    file,
                    span: value.span(),
                },
                "`moved` must be an array of tables",
            )
            .help("write each rename as `[[moved]]` with `from = \"KIND.NAME\"` and `to = \"KIND.NAME\"`"),
        );
        return;
    };
    for item in items.iter() {
        let before = diags.len();
        check_fields::<MovedConfig>(item, file, diags);
        if diags.len() > before {
            continue;
        }
        if let Some(spec) = decode::<MovedConfig>(item, file, diags) {
            cfg.moved.push(Decl {
                name: "moved".into(),
                spec,
                origin: Origin {
                    file,
                    name_span: item.span(),
                    tree: SpanTree::build(item),
                },
            });
        }
    }
}

fn top_level_key(body: &Spanned<DeValue<'_>>, span: &Range<usize>) -> bool {
    match body.get_ref() {
        DeValue::Table(t) => t.iter().any(|(k, _)| k.span() == *span),
        _ => false,
    }
}

fn load_kind<T: DeserializeOwned + JsonSchema + 'static>(
    out: &mut Vec<Decl<T>>,
    declared: &mut Vec<String>,
    value: &Spanned<DeValue<'_>>,
    file: usize,
    diags: &mut Vec<Diagnostic>,
    doubtful: &mut Vec<Place>,
) {
    let DeValue::Table(table) = value.get_ref() else {
        diags.push(
            Diagnostic::at(
                Place {
                    file,
                    span: value.span(),
                },
                "expected a table of named resources",
            )
            .help("write `[KIND.NAME]` tables, e.g. `[vpc.main]`"),
        );
        return;
    };
    for (name, body) in table.iter() {
        let name_place = Place {
            file,
            span: name.span(),
        };
        let name_str = name.get_ref().to_string();
        if !valid_name(&name_str) {
            diags.push(
                Diagnostic::at(name_place.clone(), format!("invalid resource name `{name_str}`"))
                    .label("bad name")
                    .help("names are lowercase letters, digits and `-`, start with a letter, and are at most 40 characters"),
            );
            continue;
        }
        if !matches!(body.get_ref(), DeValue::Table(_)) {
            diags.push(
                Diagnostic::at(
                    Place {
                        file,
                        span: body.span(),
                    },
                    format!("`{name_str}` must be a table"),
                )
                .help("write it as a `[KIND.NAME]` table"),
            );
            continue;
        }
        declared.push(name_str.clone());
        let before = diags.len();
        check_fields::<T>(body, file, diags);
        let nested_unknown = diags[before..].iter().any(|d| {
            d.place
                .as_ref()
                .is_some_and(|p| !top_level_key(body, &p.span))
        });
        if nested_unknown {
            continue;
        }
        // Unknown top-level fields are reported above; decoding the rest still finds type
        // errors and lets semantic checks run, so one pass shows every problem.
        let mut known_only = body.clone();
        if let DeValue::Table(t) = known_only.get_mut() {
            let known = field_names::<T>();
            let unknown: Vec<String> = t
                .iter()
                .map(|(k, _)| k.get_ref().to_string())
                .filter(|k| !known.contains(k))
                .collect();
            for k in unknown {
                t.remove(k.as_str());
            }
        }
        if let Some(spec) = decode_all::<T>(&known_only, file, name.span(), diags, doubtful) {
            out.push(Decl {
                name: name_str,
                spec,
                origin: Origin {
                    file,
                    name_span: name.span(),
                    tree: SpanTree::build(body),
                },
            });
        }
    }
}

/// Reports every unknown field of a resource at once (serde stops at the first), and refuses
/// plaintext passwords with a pointer to `credentials`.
fn check_fields<T: JsonSchema + 'static>(
    body: &Spanned<DeValue<'_>>,
    file: usize,
    diags: &mut Vec<Diagnostic>,
) {
    let known = field_names::<T>();
    let DeValue::Table(table) = body.get_ref() else {
        return;
    };
    for (k, v) in table.iter() {
        let key = k.get_ref().as_ref();
        let place = Place {
            file,
            span: k.span(),
        };
        if PASSWORD_FIELDS.contains(&key) {
            diags.push(
                Diagnostic::at(place, format!("`{key}` is not allowed: passwords never go in configuration files"))
                    .label("plaintext password")
                    .help("remove it and set `credentials = \"generated\"` (rdsplan keeps a random password in Secrets Manager) or `credentials = \"managed\"` (RDS keeps it)"),
            );
        } else if !known.iter().any(|f| f == key) {
            let names: Vec<&str> = known.iter().map(String::as_str).collect();
            diags.push(
                Diagnostic::at(place, format!("unknown field `{key}`"))
                    .label("unknown field")
                    .help(format!(
                        "expected one of: {}{}",
                        names.join(", "),
                        suggest(key, &names)
                    )),
            );
        } else if let DeValue::Array(items) = v.get_ref() {
            // Arrays of tables have field lists of their own.
            for item in items.iter() {
                match key {
                    "ingress" | "egress" => check_fields::<RuleConfig>(item, file, diags),
                    "iam_roles" => check_fields::<IamRoleAttachment>(item, file, diags),
                    "instance" => check_fields::<ClusterMemberConfig>(item, file, diags),
                    "option" => check_fields::<OptionConfig>(item, file, diags),
                    _ => {}
                }
            }
        }
    }
}

/// The field names of a config type, taken from its JSON Schema so that they cannot drift.
/// Built once per type and process (the schema costs far more than the lookup): `validate` on
/// every keystroke of an editor must not build it again for every resource.
pub fn field_names<T: JsonSchema + 'static>() -> &'static [String] {
    use std::any::TypeId;
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static NAMES: OnceLock<Mutex<HashMap<TypeId, &'static [String]>>> = OnceLock::new();
    let cache = NAMES.get_or_init(Default::default);
    let mut cache = cache.lock().unwrap_or_else(|p| p.into_inner());
    cache.entry(TypeId::of::<T>()).or_insert_with(|| {
        let schema = schemars::schema_for!(T);
        let names: Vec<String> = schema
            .get("properties")
            .and_then(|p| p.as_object())
            .map(|p| p.keys().cloned().collect())
            .unwrap_or_default();
        // One small list per config type, for the life of the process.
        Box::leak(names.into_boxed_slice())
    })
}

/// `NAME` of an address: lowercase letters, digits and `-`, starting with a letter, ≤ 40.
pub fn valid_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase())
        && s.len() <= 40
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

pub fn suggest(word: &str, candidates: &[&str]) -> String {
    candidates
        .iter()
        .map(|c| (strsim::levenshtein(word, c), c))
        .filter(|(d, _)| *d <= 3)
        .min()
        .map(|(_, c)| format!(" (did you mean `{c}`?)"))
        .unwrap_or_default()
}
