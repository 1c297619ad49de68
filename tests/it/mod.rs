mod apply;
mod cli;
mod databases;
mod postgres;
mod review;
mod support;
