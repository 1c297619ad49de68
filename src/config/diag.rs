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
        for d in &self.items {
            let message = printable(&d.message);
            match &d.place {
                Some(p) => out.push_str(&format!("error: {}: {message}\n", self.location(p))),
                None => out.push_str(&format!("error: {message}\n")),
            }
            let report = self.to_report(d);
            let mut s = String::new();
            if handler.render_report(&mut s, &report).is_ok() {
                out.push_str(&s);
            }
            out.push('\n');
        }
        let n = self.items.len();
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
            message: printable(&d.message),
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
