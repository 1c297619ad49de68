//! Views of a [`Plan`](crate::plan::Plan): human text and the versioned JSON document.

pub mod json;
pub mod markdown;
pub mod text;

/// Whether to colour output: only on a terminal, and never when `NO_COLOR` is set.
pub fn use_color(is_terminal: bool) -> bool {
    is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

#[cfg(test)]
mod tests;
