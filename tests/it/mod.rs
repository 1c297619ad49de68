mod apply;
mod cli;
mod support;
