//! Compile: Rhai expressions, compiled once against the names they may use, with every error
//! mapped back to the exact character in the rules file.

use std::sync::Arc;

use rhai::{AST, Engine, EvalAltResult, ParseError, ParseErrorType, Position, Scope};

use super::native::Native;
use crate::diag::{Code, Diagnostic, SourceFile};
use crate::rules::Embedded;
use crate::rules::position::offset_of_char;

/// A compiled expression.
#[derive(Debug)]
pub struct Expression {
    /// What the expression does.
    pub plan: ExpressionPlan,
    /// Where it was written, for runtime errors.
    pub source: Embedded,
}

/// How an expression is evaluated.
#[derive(Debug)]
pub enum ExpressionPlan {
    /// The expression is just the name of a visible variable: read it, no Rhai needed.
    Variable(usize),
    /// A compiled Rhai script.
    Script(Script),
}

/// A compiled Rhai script and the slots it reads.
#[derive(Debug)]
pub struct Script {
    /// The compiled script.
    pub ast: AST,
    /// The scope slots the script names, ascending (a name given to two slots reads the later
    /// one, as in the scope). Only these are turned into Rhai values when it runs.
    pub reads: Vec<usize>,
    /// The same script as a native plan, when it is simple enough to have one.
    pub native: Option<Native>,
}

impl Script {
    /// `ast`, reading the slots of `names` it refers to. A script that defines functions or
    /// closures, or asks `is_def_var`, reads every slot: what those see is not in the syntax tree.
    pub fn new(ast: AST, names: &[String]) -> Script {
        let mut everything = ast.has_functions();
        let mut reads = std::collections::BTreeSet::new();
        ast.walk(&mut |path| {
            match path.last() {
                Some(rhai::ASTNode::Expr(rhai::Expr::Variable(variable, ..))) => {
                    if let Some(slot) = names.iter().rposition(|name| name == variable.1.as_str()) {
                        reads.insert(slot);
                    }
                }
                Some(rhai::ASTNode::Expr(rhai::Expr::FnCall(call, _)))
                | Some(rhai::ASTNode::Stmt(rhai::Stmt::FnCall(call, _)))
                    if call.name == "is_def_var" =>
                {
                    everything = true;
                }
                _ => {}
            }
            true
        });
        let reads = if everything { (0..names.len()).collect() } else { reads.into_iter().collect() };
        let native = Native::of(&ast, &|name| names.iter().rposition(|known| known == name));
        Script { ast, reads, native }
    }
}

/// The names an expression may use, in scope order.
pub struct Visible<'a> {
    /// Names in order; the index is the scope slot.
    pub names: &'a [String],
    /// Names defined after this point (for a better error).
    pub later: &'a [String],
}

impl Expression {
    /// Compiles `embedded` with `visible` names in scope.
    pub fn compile(
        engine: &Engine,
        file: &Arc<SourceFile>,
        embedded: &Embedded,
        visible: &Visible<'_>,
    ) -> Result<Expression, Diagnostic> {
        let text = embedded.text.trim();
        if let Some(slot) = visible.names.iter().rposition(|name| name == text) {
            return Ok(Expression { plan: ExpressionPlan::Variable(slot), source: embedded.clone() });
        }
        let mut scope = Scope::new();
        for name in visible.names {
            scope.push_dynamic(name.as_str(), rhai::Dynamic::UNIT);
        }
        let ast = engine
            .compile_with_scope(&scope, &embedded.text)
            .map_err(|error| parse_error(file, embedded, &error, visible))?;
        check_functions(engine, file, embedded, &ast)?;
        Ok(Expression { plan: ExpressionPlan::Script(Script::new(ast, visible.names)), source: embedded.clone() })
    }

    /// The byte range in the rules file of a position inside this expression.
    pub fn span_at(&self, file: &SourceFile, position: Position) -> std::ops::Range<usize> {
        span_at(file, &self.source, position)
    }
}

fn span_at(file: &SourceFile, embedded: &Embedded, position: Position) -> std::ops::Range<usize> {
    let (Some(line), Some(column)) = (position.line(), position.position()) else {
        return embedded.span.clone();
    };
    let char_index: usize =
        embedded.text.split_inclusive('\n').take(line - 1).map(|text| text.chars().count()).sum::<usize>()
            + column.saturating_sub(1);
    let offset = offset_of_char(&file.text, &embedded.span, embedded.style, &embedded.text, char_index);
    let width = file.text[offset..].chars().next().map_or(0, char::len_utf8);
    offset..offset + width
}

fn parse_error(file: &Arc<SourceFile>, embedded: &Embedded, error: &ParseError, visible: &Visible<'_>) -> Diagnostic {
    let ParseError(kind, position) = error;
    let span = span_at(file, embedded, *position);
    match kind.as_ref() {
        ParseErrorType::VariableUndefined(name) => {
            let diagnostic = Diagnostic::error(Code::UnknownVariable, format!("`{name}` is not a field"));
            let diagnostic = if visible.later.iter().any(|later| later == name) {
                diagnostic
                    .at(file, span.start..span.start + name.len(), "defined further down")
                    .help(format!("move the field `{name}` above this one: expressions see only earlier fields"))
            } else {
                diagnostic
                    .at(file, span.start..span.start + name.len(), "unknown name")
                    .did_you_mean(name, visible.names.iter().map(String::as_str))
            };
            diagnostic.note("expressions see the fields defined before them; see docs/rules.md")
        }
        other => Diagnostic::error(Code::ExpressionSyntax, format!("invalid expression: {other}")).at(
            file,
            span,
            other.to_string(),
        ),
    }
}

/// Fails on calls to functions the engine does not have, with "did you mean".
fn check_functions(engine: &Engine, file: &Arc<SourceFile>, embedded: &Embedded, ast: &AST) -> Result<(), Diagnostic> {
    let known = known_functions(engine);
    // Functions the script defines itself (`fn twice(x) { x * 2 } twice(size)`) are known too.
    let own: Vec<String> = ast.iter_functions().map(|function| function.name.to_string()).collect();
    let mut unknown = None;
    ast.walk(&mut |path| {
        let call = match path.last() {
            Some(rhai::ASTNode::Expr(rhai::Expr::FnCall(call, position))) if call.op_token.is_none() => {
                Some((call.name.as_str(), *position))
            }
            Some(rhai::ASTNode::Stmt(rhai::Stmt::FnCall(call, position))) if call.op_token.is_none() => {
                Some((call.name.as_str(), *position))
            }
            Some(rhai::ASTNode::Expr(rhai::Expr::MethodCall(call, position))) => Some((call.name.as_str(), *position)),
            _ => None,
        };
        match call {
            Some((name, position)) if !known.iter().chain(&own).any(|known| known == name) => {
                unknown = Some((name.to_string(), position));
                false
            }
            _ => true,
        }
    });
    match unknown {
        None => Ok(()),
        Some((name, position)) => {
            let span = span_at(file, embedded, position);
            Err(Diagnostic::error(Code::UnknownFunction, format!("no function named `{name}`"))
                .at(file, span.start..span.start + name.len().max(1), "unknown function")
                .did_you_mean(&name, known.iter().map(String::as_str))
                .note("the helper functions are listed in docs/functions.md"))
        }
    }
}

/// Names of every function the engine can call, built-in or registered.
pub fn known_functions(engine: &Engine) -> Arc<Vec<String>> {
    static CACHE: std::sync::OnceLock<Arc<Vec<String>>> = std::sync::OnceLock::new();
    CACHE
        .get_or_init(|| {
            let mut names: Vec<String> = engine
                .gen_fn_signatures(true)
                .iter()
                .filter_map(|signature| {
                    let signature =
                        signature.strip_prefix("get$").or(signature.strip_prefix("set$")).unwrap_or(signature);
                    signature.split('(').next().map(|name| name.trim().to_string())
                })
                .collect();
            names.extend(
                ["type_of", "is_def_var", "is_def_fn", "Fn", "call", "curry", "print", "debug"].map(String::from),
            );
            names.sort();
            names.dedup();
            Arc::new(names)
        })
        .clone()
}

/// Describes a runtime error of an expression without its position suffix.
pub fn runtime_message(error: &EvalAltResult) -> String {
    let text = error.to_string();
    match text.rfind(" (line ") {
        Some(index) => text[..index].to_string(),
        None => text,
    }
}
