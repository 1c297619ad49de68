mod apply;
mod cli;
mod databases;
mod drift;
mod postgres;
mod review;
mod support;
