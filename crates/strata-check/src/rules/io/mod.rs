//! Rules about reading files at all.

pub mod file_outside_repository;
pub mod unreadable_file;
