//! Load: mapping a character position inside a decoded scalar back to its byte offset in the
//! rules file, for plain, quoted, literal (`|`) and folded (`>`) scalars, so that errors found
//! inside an expression or selector point at the exact character.

use std::ops::Range;

use serde_saphyr::granit_parser::ScalarStyle;

/// The byte offset in `source` of character `char_index` of the decoded scalar `value`, which
/// was written at `span` in `style`. Falls back to the scalar's start when the text cannot be
/// aligned (it always can for the styles above; the fallback only guards odd inputs).
pub fn offset_of_char(source: &str, span: &Range<usize>, style: ScalarStyle, value: &str, char_index: usize) -> usize {
    let Some(raw) = source.get(span.clone()) else {
        return span.start;
    };
    let line_start = source[..span.start].rfind('\n').map_or(0, |index| index + 1);
    let block_indent = source[line_start..span.start].chars().count();
    let units = raw_units(raw, style, block_indent);
    let mut cursor = 0;
    let mut found = span.start;
    // Just after the last visible character so far: where "one past the end" points, so that an
    // error at the end of an expression lands on its last line, before any closing quote or the
    // newlines that end a block scalar.
    let mut after_visible = span.start;
    for (index, wanted) in value.chars().enumerate() {
        let Some(position) = units[cursor..]
            .iter()
            .position(|&(unit, _)| unit == wanted || (unit == '\n' && matches!(wanted, ' ' | '\n')))
        else {
            return found;
        };
        let offset = units[cursor + position].1;
        found = span.start + offset;
        cursor += position + 1;
        if index == char_index {
            return found;
        }
        if !wanted.is_whitespace() {
            after_visible = found + raw.get(offset..).and_then(|rest| rest.chars().next()).map_or(1, char::len_utf8);
        }
    }
    if char_index >= value.chars().count() {
        return after_visible;
    }
    found
}

/// The characters of the raw scalar as the decoder sees them, each with its byte offset in `raw`:
/// quotes and indentation are dropped, escapes are decoded to one unit. A block scalar's span
/// starts at its first content character, whose column is the block's indentation.
fn raw_units(raw: &str, style: ScalarStyle, block_indent: usize) -> Vec<(char, usize)> {
    let mut units = Vec::with_capacity(raw.len());
    let (body_start, indent) = match style {
        ScalarStyle::Literal | ScalarStyle::Folded => (0, block_indent),
        ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => (1, usize::MAX),
        _ => (0, usize::MAX),
    };
    let mut chars = raw[body_start..].char_indices().peekable();
    let mut at_line_start = false;
    let mut skipped = 0;
    while let Some((index, c)) = chars.next() {
        let offset = body_start + index;
        if at_line_start && (c == ' ' || c == '\t') && skipped < indent {
            skipped += 1;
            continue;
        }
        at_line_start = false;
        if c == '\n' {
            units.push((c, offset));
            at_line_start = true;
            skipped = 0;
            continue;
        }
        if style == ScalarStyle::DoubleQuoted && c == '\\' {
            if let Some((_, escaped)) = chars.next() {
                units.push((decode_escape(escaped, &mut chars), offset));
            }
            continue;
        }
        if style == ScalarStyle::SingleQuoted && c == '\'' {
            if chars.peek().is_some_and(|&(_, next)| next == '\'') {
                chars.next();
                units.push(('\'', offset));
            }
            continue;
        }
        units.push((c, offset));
    }
    units
}

fn decode_escape(escaped: char, rest: &mut impl Iterator<Item = (usize, char)>) -> char {
    let mut hex = |digits: usize| {
        let text: String = rest.take(digits).map(|(_, c)| c).collect();
        u32::from_str_radix(&text, 16).ok().and_then(char::from_u32).unwrap_or('\u{fffd}')
    };
    match escaped {
        'n' => '\n',
        't' | '\t' => '\t',
        'r' => '\r',
        '0' => '\0',
        'x' => hex(2),
        'u' => hex(4),
        'U' => hex(8),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::SourceFile;
    use crate::rules::yaml::{NodeKind, parse};

    /// Finds `needle` in the decoded value of key `key` and checks that its mapped offset in the
    /// file lands on the same text.
    fn check(text: &str, key: &str, needle: &str) {
        let file = SourceFile::new("t.yaml", text);
        let root = parse(&file).unwrap();
        let NodeKind::Mapping(pairs) = root.kind else { panic!() };
        let (_, node) = pairs.iter().find(|(k, _)| k.as_scalar().unwrap().text == key).unwrap();
        let scalar = node.as_scalar().unwrap();
        let char_index = scalar.text[..scalar.text.find(needle).unwrap()].chars().count();
        let offset = offset_of_char(text, &node.span, scalar.style, &scalar.text, char_index);
        assert_eq!(&text[offset..offset + needle.len()], needle, "style {:?}", scalar.style);
    }

    #[test]
    fn plain_scalars() {
        check("a: x == ünïcode && y\n", "a", "y");
    }

    #[test]
    fn quoted_scalars() {
        check("a: '''it'' + zz'\n", "a", "zz");
        check("a: \"\\\"q\\\" + é + zz\"\n", "a", "zz");
    }

    #[test]
    fn literal_blocks() {
        check("a: |\n  let x = 1;\n  x + yy\nb: 2\n", "a", "yy");
    }

    #[test]
    fn folded_blocks() {
        check("a: >\n  first line\n  second yy\n", "a", "yy");
    }

    /// "One past the end" (where a parser reports an incomplete script) lands just after the
    /// last visible character: on the closing quote, or at the end of the block's last line,
    /// never on the next key.
    #[test]
    fn one_past_the_end() {
        for (text, expected) in [
            ("a: '1 +'\nb: 2\n", "'\nb"),
            ("a: \"1 +\"\nb: 2\n", "\"\nb"),
            ("a: 1 +\nb: 2\n", "\nb"),
            ("a: |\n  let x = 1;\n  x +\n\nb: 2\n", "\n\nb"),
            ("a: >-\n  x +\nb: 2\n", "\nb"),
        ] {
            let file = SourceFile::new("t.yaml", text);
            let root = parse(&file).unwrap();
            let NodeKind::Mapping(pairs) = root.kind else { panic!() };
            let (_, node) = pairs.iter().find(|(k, _)| k.as_scalar().unwrap().text == "a").unwrap();
            let scalar = node.as_scalar().unwrap();
            let end = scalar.text.chars().count();
            let offset = offset_of_char(text, &node.span, scalar.style, &scalar.text, end);
            assert!(text[offset..].starts_with(expected), "{text:?}: {:?}", &text[offset..]);
        }
    }

    #[test]
    fn multi_line_plain_and_quoted() {
        check("a: first\n  second yy\n", "a", "yy");
        check("a: 'first\n  second yy'\n", "a", "yy");
    }
}
