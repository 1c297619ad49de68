mod apply;
mod cli;
mod databases;
mod support;
