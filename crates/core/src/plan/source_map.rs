//! Finding line numbers in a TOML plan file for error messages.
//!
//! The toml crate reports positions for syntax errors only; for errors found while
//! deserializing a step (or validating it afterwards) this maps a step index and a field
//! name back to a line, assuming the usual `[[steps]]` layout and falling back to the
//! line of the enclosing key.

use std::cell::OnceCell;
use std::collections::HashMap;
use std::ops::Range;

/// Line lookup over one plan file.
pub(crate) struct SourceMap<'a> {
    lines: Vec<&'a str>,
    src: &'a str,
    /// 0-based lines of every `[[name]]` header, by name; found in one pass on first use so
    /// that locating the n-th step of a long file stays linear overall.
    headers: OnceCell<HashMap<String, Vec<usize>>>,
}

impl<'a> SourceMap<'a> {
    /// Indexes `src`.
    pub(crate) fn new(src: &'a str) -> Self {
        SourceMap {
            lines: src.lines().collect(),
            src,
            headers: OnceCell::new(),
        }
    }

    /// The 0-based lines of the `[[name]]` headers, in file order.
    fn header_lines(&self, name: &str) -> &[usize] {
        let headers = self.headers.get_or_init(|| {
            let mut map: HashMap<String, Vec<usize>> = HashMap::new();
            for (i, line) in self.lines.iter().enumerate() {
                let t = line.trim();
                if !(t.starts_with("[[") && t.ends_with("]]")) {
                    continue;
                }
                let inner: String = t[2..t.len() - 2].chars().filter(|c| *c != ' ').collect();
                map.entry(inner).or_default().push(i);
            }
            map
        });
        headers.get(name).map(Vec::as_slice).unwrap_or(&[])
    }

    /// 0-based line of a `[name]` table header, if the file has one.
    pub(crate) fn header_line(&self, name: &str) -> Option<usize> {
        let want = format!("[{name}]");
        self.lines
            .iter()
            .position(|l| l.trim().replace(' ', "") == want)
    }

    /// 1-based line of a byte offset.
    pub(crate) fn line_of_offset(&self, offset: usize) -> usize {
        let end = offset.min(self.src.len());
        self.src[..end].matches('\n').count() + 1
    }

    fn is_header(line: &str) -> bool {
        line.trim_start().starts_with('[')
    }

    /// 0-based line range of the `index`-th `[[name]]` block (header included), or of the
    /// line holding `name = [` when the array is written inline.
    pub(crate) fn block(&self, name: &str, index: usize) -> Option<Range<usize>> {
        let sub = format!("[{name}.");
        let subarr = format!("[[{name}.");
        let starts = self.header_lines(name);
        if let Some(&start) = starts.get(index) {
            let mut end = start + 1;
            while end < self.lines.len() {
                let t = self.lines[end].trim_start().replace(' ', "");
                if Self::is_header(&t) && !t.starts_with(&sub) && !t.starts_with(&subarr) {
                    break;
                }
                end += 1;
            }
            return Some(start..end);
        }
        if starts.is_empty() {
            return self
                .key_line(0..self.top_level_end(), name)
                .map(|l| l - 1..l);
        }
        None
    }

    /// 0-based end (exclusive) of the top-level keys: the first table header.
    pub(crate) fn top_level_end(&self) -> usize {
        self.lines
            .iter()
            .position(|l| Self::is_header(l))
            .unwrap_or(self.lines.len())
    }

    /// 1-based line where `key` is assigned within `range` (0-based lines).
    pub(crate) fn key_line(&self, range: Range<usize>, key: &str) -> Option<usize> {
        let last = key.rsplit('.').next().unwrap_or(key);
        let first = key.split('.').next().unwrap_or(key);
        let end = range.end.min(self.lines.len());
        let start = range.start.min(end);
        // An exact dotted key first (`set.attachments =`), then the last segment, then the first;
        // each as a key of its own line before one inside an inline table (`{ unique = true }`).
        for candidate in [key, last, first] {
            for own_line in [true, false] {
                for (i, line) in self.lines[start..end].iter().enumerate() {
                    let t = line.trim_start().trim_start_matches('"');
                    if (!own_line || t.starts_with(candidate)) && assigns(line, candidate) {
                        return Some(start + i + 1);
                    }
                }
            }
        }
        None
    }

    /// 1-based line of `key` inside the `index`-th `[[array]]` block, else the block's first line.
    ///
    /// `key` may name one entry of an array of tables in the block: `columns[2].identity` is
    /// `identity` in the third entry of `columns = [ {..}, .. ]` (or of `[[steps.columns]]`),
    /// falling back to that entry's line.
    pub(crate) fn field_line(&self, array: &str, index: usize, key: Option<&str>) -> Option<usize> {
        let block = self.block(array, index)?;
        let start = block.start + 1;
        let Some(key) = key else {
            return Some(start);
        };
        if let Some((name, entry, rest)) = split_indexed(key) {
            if let Some(lines) = self.entry(block.clone(), array, name, entry) {
                let inner = rest.and_then(|r| self.key_line(lines.clone(), r));
                return Some(inner.unwrap_or(lines.start + 1));
            }
            return self.key_line(block, name).or(Some(start));
        }
        self.key_line(block, key).or(Some(start))
    }

    /// 1-based line that a deserialization error `message` about the `index`-th `[[array]]`
    /// item points at: the key it names, else the value it quotes, else the item's header.
    pub(crate) fn message_line(&self, array: &str, index: usize, message: &str) -> Option<usize> {
        let block = self.block(array, index)?;
        let start = block.start + 1;
        Some(self.locate(block, message).unwrap_or(start))
    }

    /// The line within `range` that `message` is about, if one can be told: the key it names
    /// in backticks, else a line holding the value it quotes. A missing field has no line.
    pub(crate) fn locate(&self, range: Range<usize>, message: &str) -> Option<usize> {
        if message.starts_with("missing field") {
            return None;
        }
        if let Some(word) = named_field(message) {
            let line = self.key_line(range.clone(), word);
            if let Some(line) = line.or_else(|| self.value_line(range.clone(), word)) {
                return Some(line);
            }
        }
        quoted_string(message).and_then(|v| self.value_line(range, v))
    }

    /// 1-based line within `range` holding `value` as a value (after `=` or in quotes); a
    /// multi-line value is found by its first line.
    fn value_line(&self, range: Range<usize>, value: &str) -> Option<usize> {
        let first = value.lines().map(str::trim).find(|l| !l.is_empty())?;
        let end = range.end.min(self.lines.len());
        let start = range.start.min(end);
        for (i, line) in self.lines[start..end].iter().enumerate() {
            let mut from = 0;
            while let Some(pos) = line[from..].find(first) {
                let at = from + pos;
                let before = line[..at].trim_end().chars().last();
                let after = line[at + first.len()..].chars().next();
                let ok = match before {
                    Some('"' | '\'') => true,
                    Some('=' | '[' | ',') => {
                        !after.is_some_and(|c| c.is_alphanumeric() || c == '_')
                    }
                    _ => false,
                };
                if ok {
                    return Some(start + i + 1);
                }
                from = at + first.len();
            }
        }
        None
    }

    /// 0-based line range of entry `entry` of the array of tables `name` inside `block`:
    /// written inline (`name = [ { .. }, { .. } ]`) or as `[[array.name]]` sub-tables.
    fn entry(
        &self,
        block: Range<usize>,
        array: &str,
        name: &str,
        entry: usize,
    ) -> Option<Range<usize>> {
        let header = format!("[[{array}.{name}]]");
        let subtables: Vec<usize> = (block.clone())
            .filter(|&i| self.lines[i].trim().replace(' ', "") == header)
            .collect();
        if let Some(&start) = subtables.get(entry) {
            let end = (start + 1..block.end)
                .find(|&i| Self::is_header(self.lines[i]))
                .unwrap_or(block.end);
            return Some(start..end);
        }
        let first = self.key_line(block.clone(), name)? - 1;
        let mut depth = 0usize;
        let mut quote: Option<char> = None;
        let mut found = 0usize;
        let mut current: Option<usize> = None;
        for i in first..block.end.min(self.lines.len()) {
            let line = self.lines[i];
            let code = if i == first {
                line.split_once('=').map_or("", |(_, v)| v)
            } else {
                line
            };
            let mut escaped = false;
            for ch in code.chars() {
                if let Some(q) = quote {
                    if escaped {
                        escaped = false;
                    } else if ch == '\\' && q == '"' {
                        escaped = true;
                    } else if ch == q {
                        quote = None;
                    }
                    continue;
                }
                match ch {
                    '"' | '\'' => quote = Some(ch),
                    '#' => break,
                    '[' | '{' => {
                        if depth == 1 {
                            current = Some(i);
                        }
                        depth += 1;
                    }
                    ']' | '}' => {
                        depth = depth.saturating_sub(1);
                        if depth == 1
                            && let Some(start) = current.take()
                        {
                            if found == entry {
                                return Some(start..i + 1);
                            }
                            found += 1;
                        }
                        if depth == 0 {
                            return None;
                        }
                    }
                    _ => {}
                }
            }
        }
        None
    }
}

/// Splits `columns[2].identity` into (`columns`, 2, Some(`identity`)).
fn split_indexed(key: &str) -> Option<(&str, usize, Option<&str>)> {
    let (name, rest) = key.split_once('[')?;
    let (index, rest) = rest.split_once(']')?;
    let index = index.parse().ok()?;
    Some((
        name,
        index,
        rest.strip_prefix('.').filter(|r| !r.is_empty()),
    ))
}

/// How a field path is shown in messages: `columns[2].identity` as `identity`,
/// `foreign_keys[0]` as `foreign_keys`.
pub(crate) fn field_label(key: &str) -> &str {
    match split_indexed(key) {
        Some((_, _, Some(rest))) => rest,
        Some((name, _, None)) => name,
        None => key,
    }
}

/// The text of the first `string "..."` in a serde message (`invalid type: string "x", ..`).
fn quoted_string(message: &str) -> Option<&str> {
    let start = message.find("string \"")? + "string \"".len();
    let len = message[start..].find('"')?;
    Some(&message[start..start + len])
}

/// Whether `line` assigns `key` (`key = `, `key.x = `, `"key" =`, or `key =` inside `{ }`).
fn assigns(line: &str, key: &str) -> bool {
    if key.is_empty() {
        return false;
    }
    let code = line.split('#').next().unwrap_or(line);
    let bytes = code.as_bytes();
    let mut from = 0;
    while let Some(pos) = code[from..].find(key) {
        let at = from + pos;
        let before_ok = at == 0
            || matches!(
                bytes[at - 1],
                b' ' | b'\t' | b'{' | b',' | b'"' | b'.' | b'['
            );
        let rest = code[at + key.len()..].trim_start_matches('"').trim_start();
        if before_ok && (rest.starts_with('=') || rest.starts_with('.') || rest.starts_with(']')) {
            return true;
        }
        from = at + key.len();
    }
    false
}

/// The first `backticked` word of a message, the field that toml/serde errors name.
pub(crate) fn named_field(message: &str) -> Option<&str> {
    let start = message.find('`')? + 1;
    let len = message[start..].find('`')?;
    // An empty name (`expression ``: ...`) names nothing.
    Some(&message[start..start + len]).filter(|f| !f.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SRC: &str = "description = \"x\"\nrequires = [\"1\"]\n\n[[steps]]\nop = \"create_table\"\ntable = \"a\"\n[steps.x]\ny = 1\n\n[[steps]]\nop = \"backfill\"\nset.attachments = \"1\"\npending = \"x\"\n\n[[checks]]\nname = \"c\"\n";

    #[test]
    fn finds_blocks_and_keys() {
        let map = SourceMap::new(SRC);
        assert_eq!(map.block("steps", 0), Some(3..9));
        assert_eq!(map.field_line("steps", 1, Some("pending")), Some(13));
        assert_eq!(
            map.field_line("steps", 1, Some("set.attachments")),
            Some(12)
        );
        assert_eq!(map.field_line("steps", 0, Some("y")), Some(8));
        assert_eq!(map.field_line("checks", 0, Some("name")), Some(16));
        assert_eq!(map.key_line(0..map.top_level_end(), "requires"), Some(2));
        assert_eq!(map.line_of_offset(SRC.find("[[checks]]").unwrap_or(0)), 15);
    }

    #[test]
    fn inline_arrays_fall_back_to_the_key() {
        let map = SourceMap::new("description = \"x\"\nsteps = [\n { op = \"sql\" },\n]\n");
        assert_eq!(map.field_line("steps", 0, None), Some(2));
    }

    #[test]
    fn names_the_field_of_a_message() {
        assert_eq!(
            named_field("unknown field `nmae`, expected `name`"),
            Some("nmae")
        );
        assert_eq!(named_field("no backticks"), None);
        assert_eq!(named_field("expression ``: the expression is empty"), None);
    }

    #[test]
    fn finds_entries_of_arrays_of_tables_and_quoted_values() {
        let src = "description = \"x\"\n[[steps]]\nop = \"create_tabel\"\ncolumns = [\n  { name = \"a\", unique = true },\n  { name = \"b\", identity = true },\n]\nunique = [{ columns = [\"a\"] }]\n";
        let map = SourceMap::new(src);
        assert_eq!(
            map.field_line("steps", 0, Some("columns[1].identity")),
            Some(6)
        );
        assert_eq!(map.field_line("steps", 0, Some("columns[0]")), Some(5));
        assert_eq!(map.field_line("steps", 0, Some("unique[0]")), Some(8));
        assert_eq!(map.field_line("steps", 0, Some("unique")), Some(8));
        assert_eq!(
            map.message_line("steps", 0, "unknown variant `create_tabel`"),
            Some(3)
        );
        assert_eq!(
            map.message_line("steps", 0, "missing field `table`"),
            Some(2)
        );
        let sub = SourceMap::new(
            "[[steps]]\nop = \"x\"\n[[steps.columns]]\nname = \"a\"\n[[steps.columns]]\nname = \"b\"\nidentity = true\n",
        );
        assert_eq!(
            sub.field_line("steps", 0, Some("columns[1].identity")),
            Some(7)
        );
        assert_eq!(
            sub.field_line("steps", 0, Some("columns[0].identity")),
            Some(3)
        );
        assert_eq!(field_label("columns[1].identity"), "identity");
        assert_eq!(field_label("foreign_keys[0]"), "foreign_keys");
    }
}
