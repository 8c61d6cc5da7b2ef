//! Source text, byte spans and their conversion to 1-based lines and columns.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;

/// A half-open byte range `start..end` into one file's text.
///
/// **Invariant:** spans are byte offsets on `char` boundaries of the text they
/// were taken from; parsers that count characters (saphyr) convert before
/// building a `Span` (see [`SourceFile::char_to_byte`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Span {
    /// A span from `start` to `end` (swapped if given backwards).
    pub fn new(start: usize, end: usize) -> Self {
        if end < start {
            Span {
                start: end,
                end: start,
            }
        } else {
            Span { start, end }
        }
    }

    /// An empty span at `offset`.
    pub fn at(offset: usize) -> Self {
        Span {
            start: offset,
            end: offset,
        }
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.end - self.start
    }

    /// Whether the span covers no byte.
    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }
}

/// A span in a named repository file.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Location {
    /// Repository-relative, `/`-separated path.
    pub file: String,
    /// The bytes within that file.
    pub span: Span,
}

impl Location {
    /// A location in `file` covering `span`.
    pub fn new(file: impl Into<String>, span: Span) -> Self {
        Location {
            file: file.into(),
            span,
        }
    }
}

/// A 1-based line and column; columns count Unicode scalar values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct LineCol {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
}

/// One file of the repository with its text.
#[derive(Debug)]
pub struct SourceFile {
    /// Shared with the database's key.
    path: Arc<str>,
    text: String,
    /// Byte offset of every line's start. Offsets are `u32` (half the
    /// memory of a table kept as long as the text): a repository file is at
    /// most `MAX_FILE_BYTES`, and past 4 GiB offsets saturate.
    line_starts: Vec<u32>,
    /// Byte offset of every char, present only when the text is not ASCII.
    char_offsets: Option<Vec<u32>>,
}

/// A byte offset as the tables keep it.
fn offset32(offset: usize) -> u32 {
    u32::try_from(offset).unwrap_or(u32::MAX)
}

impl SourceFile {
    /// Wraps `text` as the content of repository file `path`.
    pub fn new(path: impl Into<String>, text: impl Into<String>) -> Self {
        let text = text.into();
        // Sized exactly: the table is kept as long as the text.
        let mut line_starts = Vec::with_capacity(text.matches('\n').count() + 1);
        line_starts.push(0);
        line_starts.extend(text.match_indices('\n').map(|(i, _)| offset32(i + 1)));
        let char_offsets =
            (!text.is_ascii()).then(|| text.char_indices().map(|(i, _)| offset32(i)).collect());
        SourceFile {
            path: Arc::from(path.into()),
            text,
            line_starts,
            char_offsets,
        }
    }

    /// Repository-relative, `/`-separated path.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The whole text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Converts a character index (as YAML parsers report) to a byte offset,
    /// clamped to the end of the text.
    pub fn char_to_byte(&self, char_index: usize) -> usize {
        match &self.char_offsets {
            None => char_index.min(self.text.len()),
            Some(offsets) => offsets
                .get(char_index)
                .map_or(self.text.len(), |&o| o as usize),
        }
    }

    /// The 1-based line and column of a byte offset (clamped to the text).
    pub fn line_col(&self, offset: usize) -> LineCol {
        let offset = self.floor_char_boundary(offset.min(self.text.len()));
        let line_index = match self.line_starts.binary_search(&offset32(offset)) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let line_start = (self.line_starts[line_index] as usize).min(offset);
        let column = self.text[line_start..offset].chars().count() + 1;
        LineCol {
            line: line_index + 1,
            column,
        }
    }

    /// The byte offset where 1-based `line` starts, if the file has it.
    pub fn line_start(&self, line: usize) -> Option<usize> {
        line.checked_sub(1)
            .and_then(|i| self.line_starts.get(i))
            .map(|&start| start as usize)
    }

    /// The byte offset of a 1-based line and character column (as tools such as
    /// `nix` report them), clamped to that line.
    pub fn offset_of(&self, line: usize, column: usize) -> Option<usize> {
        let start = self.line_start(line)?;
        let end = self
            .line_starts
            .get(line)
            .map_or(self.text.len(), |&end| end as usize)
            .min(self.text.len());
        let start = start.min(end);
        let line_text = &self.text[start..end];
        let within = line_text
            .char_indices()
            .nth(column.saturating_sub(1))
            .map(|(i, _)| i)
            .unwrap_or(line_text.len());
        Some(start + within)
    }

    fn floor_char_boundary(&self, mut offset: usize) -> usize {
        while offset > 0 && !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        offset
    }
}

/// Every file read during one analysis, by repository-relative path.
#[derive(Debug, Default, Clone)]
pub struct SourceDb {
    /// Keyed by the file's own path (shared, not copied).
    files: BTreeMap<Arc<str>, Arc<SourceFile>>,
}

impl SourceDb {
    /// An empty database.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) a file and returns it.
    pub fn insert(&mut self, file: SourceFile) -> Arc<SourceFile> {
        let file = Arc::new(file);
        self.files.insert(file.path.clone(), Arc::clone(&file));
        file
    }

    /// Adds a file already shared elsewhere (a parse holding it).
    pub fn insert_shared(&mut self, file: Arc<SourceFile>) {
        self.files.insert(file.path.clone(), file);
    }

    /// A database of `files` (later ones replace earlier ones of the same
    /// path), built at once: sorted, then the map built in one pass, which
    /// is much faster than one insert per file.
    pub fn from_files(files: impl IntoIterator<Item = Arc<SourceFile>>) -> Self {
        SourceDb {
            files: files.into_iter().map(|f| (f.path.clone(), f)).collect(),
        }
    }

    /// Adds every file of `other`.
    pub fn extend(&mut self, other: SourceDb) {
        self.files.extend(other.files);
    }

    /// The file at a repository-relative path, if it was read.
    pub fn get(&self, path: &str) -> Option<&Arc<SourceFile>> {
        self.files.get(path)
    }

    /// All files, sorted by path.
    pub fn iter(&self) -> impl Iterator<Item = &Arc<SourceFile>> {
        self.files.values()
    }

    /// Line and column of the start of a location, if its file is known.
    pub fn start_of(&self, location: &Location) -> Option<LineCol> {
        self.get(&location.file)
            .map(|f| f.line_col(location.span.start))
    }

    /// Line and column of the end of a location, if its file is known.
    pub fn end_of(&self, location: &Location) -> Option<LineCol> {
        self.get(&location.file)
            .map(|f| f.line_col(location.span.end))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_built_at_once_is_one_built_file_by_file() {
        let files = [("b.yaml", "1"), ("a.yaml", "2"), ("b.yaml", "3")]
            .map(|(path, text)| Arc::new(SourceFile::new(path, text)));
        let at_once = SourceDb::from_files(files.clone());
        let mut one_by_one = SourceDb::new();
        for file in files {
            one_by_one.insert_shared(file);
        }
        let listed = |db: &SourceDb| {
            db.iter()
                .map(|f| format!("{}={}", f.path(), f.text()))
                .collect::<Vec<_>>()
        };
        // Sorted by path; a later file replaces an earlier one.
        assert_eq!(listed(&at_once), ["a.yaml=2", "b.yaml=3"]);
        assert_eq!(listed(&at_once), listed(&one_by_one));
    }

    #[test]
    fn line_col_counts_characters_from_one() {
        let f = SourceFile::new("a.yaml", "ab\nçé: x\n");
        assert_eq!(f.line_col(0), LineCol { line: 1, column: 1 });
        assert_eq!(f.line_col(3), LineCol { line: 2, column: 1 });
        // 'x' sits after "çé: " = 4 chars but 6 bytes.
        let x = f.text().find('x').unwrap();
        assert_eq!(f.line_col(x), LineCol { line: 2, column: 5 });
        assert_eq!(f.char_to_byte(7), x);
        assert_eq!(f.offset_of(2, 5), Some(x));
    }

    #[test]
    fn offsets_past_the_end_clamp() {
        let f = SourceFile::new("a", "one\ntwo");
        assert_eq!(f.line_col(999), LineCol { line: 2, column: 4 });
        assert_eq!(f.offset_of(9, 1), None);
        assert_eq!(f.char_to_byte(999), 7);
    }

    proptest::proptest! {
        #[test]
        fn line_col_never_panics(text in "\\PC{0,64}", offset in 0usize..200) {
            let f = SourceFile::new("p", text);
            let lc = f.line_col(offset);
            proptest::prop_assert!(lc.line >= 1 && lc.column >= 1);
        }
    }
}
