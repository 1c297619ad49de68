//! Diagnostics for configuration files: every problem with its file, line and column, a caret
//! under the offending text and a hint, gathered before anything stops (like a compiler).

use miette::{Diagnostic as MietteDiagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan};
use std::fmt;
use std::ops::Range;
use std::path::PathBuf;
use std::sync::Arc;

/// A file that was read, kept for rendering diagnostics against it.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub path: PathBuf,
    pub text: Arc<String>,
}

impl SourceFile {
    /// 1-based line and column of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let upto = &self.text[..offset.min(self.text.len())];
        let line = upto.matches('\n').count() + 1;
        let col = upto.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        (line, col)
    }
}

/// A place in a file.
#[derive(Debug, Clone, PartialEq)]
pub struct Place {
    pub file: usize,
    pub span: Range<usize>,
}

impl Place {
    /// Whether `other` starts within this place (an empty place covers its start).
    pub fn covers(&self, other: &Place) -> bool {
        self.file == other.file
            && self.span.start <= other.span.start
            && other.span.start < self.span.end.max(self.span.start + 1)
    }
}

#[derive(Debug, Clone)]
pub struct Diagnostic {
    pub place: Option<Place>,
    pub message: String,
    pub label: String,
    pub help: Option<String>,
    /// A second place that belongs to the same problem (the first definition of a duplicate).
    pub also: Option<(Place, String)>,
}

impl Diagnostic {
    pub fn at(place: Place, message: impl Into<String>) -> Self {
        Diagnostic {
            place: Some(place),
            message: message.into(),
            label: "here".into(),
            help: None,
            also: None,
        }
    }
    pub fn nowhere(message: impl Into<String>) -> Self {
        Diagnostic {
            place: None,
            message: message.into(),
            label: String::new(),
            help: None,
            also: None,
        }
    }
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
    pub fn also(mut self, place: Place, label: impl Into<String>) -> Self {
        self.also = Some((place, label.into()));
        self
    }
}

/// All problems found in one environment's files.
#[derive(Debug, Clone, Default)]
pub struct Diagnostics {
    pub files: Vec<SourceFile>,
    pub items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// `path:line:col` of a place.
    pub fn location(&self, place: &Place) -> String {
        let f = &self.files[place.file];
        let (l, c) = f.line_col(place.span.start);
        format!("{}:{l}:{c}", f.path.display())
    }

    /// Renders every diagnostic, each headed by `error: path:line:col: message` so that it can be
    /// found with grep and opened by editors, followed by the source excerpt with a caret.
    pub fn render(&self, color: bool) -> String {
        let theme = if color {
            GraphicalTheme::unicode()
        } else {
            GraphicalTheme::unicode_nocolor()
        };
        let handler = GraphicalReportHandler::new_themed(theme).with_context_lines(1);
        let mut out = String::new();
        // Each problem once, by file and place (those without a place last).
        let mut items: Vec<&Diagnostic> = self.items.iter().collect();
        items.sort_by_key(|d| match &d.place {
            Some(p) => (
                0,
                self.files[p.file].path.clone(),
                p.span.start,
                d.message.clone(),
            ),
            None => (1, Default::default(), 0, d.message.clone()),
        });
        items.dedup_by(|a, b| a.message == b.message && a.place == b.place);
        for d in &items {
            let message = in_words(&printable(&d.message));
            match &d.place {
                Some(p) => out.push_str(&format!("error: {}: {message}\n", self.location(p))),
                None => out.push_str(&format!("error: {message}\n")),
            }
            let report = self.to_report(d);
            let mut s = String::new();
            if handler.render_report(&mut s, &report).is_ok() {
                // The headline is the `error:` line above; miette's own (empty) one goes.
                for line in s.lines().filter(|l| l.trim() != "×") {
                    out.push_str(line);
                    out.push('\n');
                }
            }
            out.push('\n');
        }
        let n = items.len();
        out.push_str(&format!(
            "{n} problem{} found.\n",
            if n == 1 { "" } else { "s" }
        ));
        out
    }

    fn to_report(&self, d: &Diagnostic) -> Report {
        let (src, labels) = match &d.place {
            Some(p) => (
                Some(self.named(p.file)),
                vec![LabeledSpan::new_with_span(
                    Some(printable(&d.label)),
                    p.span.clone(),
                )],
            ),
            None => (None, vec![]),
        };
        let related = d
            .also
            .iter()
            .map(|(p, label)| Report {
                message: format!("{label} ({})", self.location(p)),
                src: Some(self.named(p.file)),
                labels: vec![LabeledSpan::new_with_span(
                    Some(label.clone()),
                    p.span.clone(),
                )],
                help: None,
                related: vec![],
            })
            .collect();
        Report {
            message: String::new(),
            src,
            labels,
            help: d.help.as_deref().map(printable),
            related,
        }
    }

    fn named(&self, file: usize) -> miette::NamedSource<String> {
        let f = &self.files[file];
        miette::NamedSource::new(printable(&f.path.display().to_string()), printable(&f.text))
    }
}

/// serde's type names in words a reader of the files knows.
pub fn in_words(message: &str) -> String {
    let mut m = message.to_string();
    for (from, to) in [
        ("expected i64", "expected a whole number"),
        ("expected u64", "expected a whole number of 0 or more"),
        ("expected i32", "expected a whole number"),
        ("expected u32", "expected a whole number of 0 or more"),
        ("expected u16", "expected a whole number from 0 to 65535"),
        ("expected u8", "expected a whole number from 0 to 255"),
        ("expected f64", "expected a number"),
        ("expected a boolean", "expected true or false"),
        (
            "expected a sequence",
            "expected a list, like [\"a\", \"b\"]",
        ),
        ("expected a map", "expected a table"),
        ("invalid type: sequence", "invalid type: a list"),
        ("invalid type: map", "invalid type: a table"),
    ] {
        m = m.replace(from, to);
    }
    m
}

/// The text with every control character but newline, tab and carriage return shown as `?`
/// (one per byte, so that spans into the text still point at the same places): a file's bytes
/// never reach the terminal as escape sequences.
pub fn printable(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            let hide = c.is_control() && !matches!(c, '\n' | '\t' | '\r');
            let n = if hide { c.len_utf8() } else { 1 };
            std::iter::repeat_n(if hide { '?' } else { c }, n)
        })
        .collect()
}

#[derive(Debug)]
struct Report {
    message: String,
    src: Option<miette::NamedSource<String>>,
    labels: Vec<LabeledSpan>,
    help: Option<String>,
    related: Vec<Report>,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Report {}

impl MietteDiagnostic for Report {
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.src.as_ref().map(|s| s as &dyn miette::SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.labels.is_empty() {
            None
        } else {
            Some(Box::new(self.labels.iter().cloned()))
        }
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn MietteDiagnostic> + 'a>> {
        if self.related.is_empty() {
            None
        } else {
            Some(Box::new(
                self.related.iter().map(|r| r as &dyn MietteDiagnostic),
            ))
        }
    }
}
