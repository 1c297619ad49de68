mod apply;
mod cli;
mod databases;
mod postgres;
mod support;
