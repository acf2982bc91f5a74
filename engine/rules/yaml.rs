//! Load: YAML text -> a tree of [`Node`]s, each with its byte span, so every later stage can
//! point at the exact place in the rules file.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;

use serde_saphyr::granit_parser::{Event, Parser, ScalarStyle, Span};

use crate::diag::{Code, Diagnostic, SourceFile};

/// A YAML node with its place in the file.
#[derive(Debug, Clone)]
pub struct Node {
    /// Byte range in the file.
    pub span: Range<usize>,
    /// What the node holds.
    pub kind: NodeKind,
}

/// The three kinds of YAML node.
#[derive(Debug, Clone)]
pub enum NodeKind {
    /// A scalar, with its decoded text and how it was written.
    Scalar(Scalar),
    /// A sequence.
    Sequence(Vec<Node>),
    /// A mapping, in file order; keys are scalars.
    Mapping(Vec<(Node, Node)>),
}

/// A decoded scalar and its style (plain, quoted, literal or folded block).
#[derive(Debug, Clone)]
pub struct Scalar {
    /// The decoded text.
    pub text: String,
    /// How it was written.
    pub style: ScalarStyle,
}

impl Node {
    /// The scalar text, if this node is a scalar.
    pub fn as_scalar(&self) -> Option<&Scalar> {
        match &self.kind {
            NodeKind::Scalar(scalar) => Some(scalar),
            _ => None,
        }
    }

    /// Whether this is YAML null: an empty or `null`/`~` plain scalar.
    pub fn is_null(&self) -> bool {
        matches!(&self.kind, NodeKind::Scalar(Scalar { text, style: ScalarStyle::Plain })
            if matches!(text.as_str(), "" | "~" | "null" | "Null" | "NULL"))
    }

    /// A word for the node's kind, for messages.
    pub fn kind_name(&self) -> &'static str {
        match &self.kind {
            NodeKind::Scalar(_) if self.is_null() => "null",
            NodeKind::Scalar(_) => "a scalar",
            NodeKind::Sequence(_) => "a list",
            NodeKind::Mapping(_) => "a mapping",
        }
    }
}

/// Parses the first document of `file` into a node tree.
pub fn parse(file: &Arc<SourceFile>) -> Result<Node, Diagnostic> {
    let mut builder = Builder { stack: Vec::new(), anchors: HashMap::new(), root: None };
    for event in Parser::new_from_str(&file.text) {
        let (event, span) = event.map_err(|error| {
            let offset = error.marker().byte_offset().unwrap_or(0);
            Diagnostic::error(Code::YamlSyntax, format!("invalid YAML: {}", error.info())).at(
                file,
                offset..offset,
                "here",
            )
        })?;
        let range = byte_range(&span);
        match event {
            Event::Scalar(text, style, anchor, _) => {
                let node = Node { span: range, kind: NodeKind::Scalar(Scalar { text: text.into_owned(), style }) };
                builder.push(node, anchor);
            }
            Event::SequenceStart(_, anchor, _) => builder.open(range, anchor, false),
            Event::MappingStart(_, anchor, _) => builder.open(range, anchor, true),
            Event::SequenceEnd | Event::MappingEnd => builder.close(range.end),
            Event::Alias(anchor) => {
                let node = builder.anchors.get(&anchor).cloned().ok_or_else(|| {
                    Diagnostic::error(Code::YamlSyntax, "alias to an unknown anchor").at(
                        file,
                        range.clone(),
                        "this alias",
                    )
                })?;
                builder.push(Node { span: range, ..node }, 0);
            }
            Event::DocumentEnd if builder.root.is_some() => break,
            _ => {}
        }
    }
    Ok(builder.root.unwrap_or(Node { span: 0..0, kind: NodeKind::Mapping(Vec::new()) }))
}

fn byte_range(span: &Span) -> Range<usize> {
    span.byte_range().unwrap_or(0..0)
}

struct Open {
    start: usize,
    anchor: usize,
    mapping: bool,
    items: Vec<Node>,
}

struct Builder {
    stack: Vec<Open>,
    anchors: HashMap<usize, Node>,
    root: Option<Node>,
}

impl Builder {
    fn open(&mut self, span: Range<usize>, anchor: usize, mapping: bool) {
        self.stack.push(Open { start: span.start, anchor, mapping, items: Vec::new() });
    }

    fn close(&mut self, end: usize) {
        let Some(open) = self.stack.pop() else { return };
        let end = open.items.last().map_or(end, |last| last.span.end.max(end));
        let kind = if open.mapping {
            let mut items = open.items.into_iter();
            let mut pairs = Vec::new();
            while let (Some(key), Some(value)) = (items.next(), items.next()) {
                pairs.push((key, value));
            }
            NodeKind::Mapping(pairs)
        } else {
            NodeKind::Sequence(open.items)
        };
        let node = Node { span: open.start..end.max(open.start), kind };
        self.push(node, open.anchor);
    }

    fn push(&mut self, node: Node, anchor: usize) {
        if anchor != 0 {
            self.anchors.insert(anchor, node.clone());
        }
        match self.stack.last_mut() {
            Some(open) => open.items.push(node),
            None => self.root = Some(node),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scalar_at<'a>(node: &'a Node, key: &str) -> &'a Node {
        let NodeKind::Mapping(pairs) = &node.kind else { panic!("not a mapping") };
        &pairs.iter().find(|(k, _)| k.as_scalar().unwrap().text == key).unwrap().1
    }

    #[test]
    fn spans_cover_the_written_value() {
        let text = "a: plain\nb: 'quoted'\nc: |\n  line\n";
        let file = SourceFile::new("t.yaml", text);
        let root = parse(&file).unwrap();
        let a = scalar_at(&root, "a");
        assert_eq!(&text[a.span.clone()], "plain");
        let b = scalar_at(&root, "b");
        assert_eq!(&text[b.span.clone()], "'quoted'");
        let c = scalar_at(&root, "c");
        assert_eq!(&text[c.span.clone()], "line\n");
        assert_eq!(c.as_scalar().unwrap().text, "line\n");
    }

    #[test]
    fn syntax_errors_point_into_the_file() {
        let file = SourceFile::new("t.yaml", "a: [1, 2\nb: 3\n");
        let error = parse(&file).unwrap_err();
        assert_eq!(error.code, Code::YamlSyntax);
        assert!(error.location().is_some());
    }
}
