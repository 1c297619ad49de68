mod apply;
mod cli;
mod databases;
mod drift;
mod import;
mod postgres;
mod review;
mod support;
