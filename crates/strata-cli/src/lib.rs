//! The strata command-line tool
