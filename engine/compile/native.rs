//! Compile: the simplest scripts (comparisons of fields with text, `&&`, `||`, `if` / `else`
//! choosing between fields and text) also as a native plan, evaluated without starting Rhai.
//!
//! Most filter, `retired` and `when` rules have this shape, and a Rhai run costs about as much
//! as mapping a dozen applications. The native plan answers only where its answer is certain:
//! text compared with text, `()` compared with text (never equal, as in Rhai), true or false
//! where Rhai wants a boolean. For anything else (a number, an array, `()` where a boolean is
//! wanted) it gives up and the script runs in Rhai, so results and errors stay Rhai's own.

use rhai::{AST, Dynamic, Expr, ImmutableString, Stmt};

/// A script as a tree the evaluator can walk directly.
#[derive(Debug)]
pub enum Native {
    /// A scope slot (a field, or the `value` of an identity check).
    Slot(usize),
    /// A text literal, ready to hand out as a Rhai value.
    Text(ImmutableString),
    /// `true` or `false`.
    Bool(bool),
    /// `==` (or `!=` when `negated`).
    Equals { left: Box<Native>, right: Box<Native>, negated: bool },
    /// `a && b && ...`.
    All(Vec<Native>),
    /// `a || b || ...`.
    Any(Vec<Native>),
    /// `if condition { then } else { otherwise }`.
    If { condition: Box<Native>, then: Box<Native>, otherwise: Box<Native> },
}

impl Native {
    /// The native plan of `ast`, when the whole script has one; `slot_of` resolves a name.
    pub fn of(ast: &AST, slot_of: &dyn Fn(&str) -> Option<usize>) -> Option<Native> {
        if ast.has_functions() {
            return None;
        }
        match ast.statements() {
            [statement] => statement_plan(statement, slot_of),
            _ => None,
        }
    }
}

fn statement_plan(statement: &Stmt, slot_of: &dyn Fn(&str) -> Option<usize>) -> Option<Native> {
    match statement {
        Stmt::Expr(expression) => expression_plan(expression, slot_of),
        Stmt::FnCall(call, _) => call_plan(call, slot_of),
        Stmt::If(flow, _) => {
            let branch = |block: &rhai::StmtBlock| match block.statements() {
                [statement] => statement_plan(statement, slot_of),
                _ => None,
            };
            Some(Native::If {
                condition: Box::new(expression_plan(&flow.expr, slot_of)?),
                then: Box::new(branch(&flow.body)?),
                otherwise: Box::new(branch(&flow.branch)?),
            })
        }
        _ => None,
    }
}

fn expression_plan(expression: &Expr, slot_of: &dyn Fn(&str) -> Option<usize>) -> Option<Native> {
    match expression {
        Expr::Variable(variable, ..) => slot_of(variable.1.as_str()).map(Native::Slot),
        Expr::StringConstant(text, _) => Some(Native::Text(text.clone())),
        Expr::BoolConstant(flag, _) => Some(Native::Bool(*flag)),
        Expr::And(operands, _) => {
            operands.iter().map(|operand| expression_plan(operand, slot_of)).collect::<Option<_>>().map(Native::All)
        }
        Expr::Or(operands, _) => {
            operands.iter().map(|operand| expression_plan(operand, slot_of)).collect::<Option<_>>().map(Native::Any)
        }
        Expr::FnCall(call, _) => call_plan(call, slot_of),
        _ => None,
    }
}

fn call_plan(call: &rhai::FnCallExpr, slot_of: &dyn Fn(&str) -> Option<usize>) -> Option<Native> {
    let negated = match call.name.as_str() {
        "==" => false,
        "!=" => true,
        _ => return None,
    };
    match (call.op_token.is_some(), call.args.as_slice()) {
        (true, [left, right]) => Some(Native::Equals {
            left: Box::new(expression_plan(left, slot_of)?),
            right: Box::new(expression_plan(right, slot_of)?),
            negated,
        }),
        _ => None,
    }
}

/// What a native plan reads from the scope.
pub trait Slots {
    /// The slot's value when it is text, `()` or a boolean; `None` for anything else.
    fn term(&self, index: usize) -> Option<Term<'_>>;
    /// The slot as a Rhai value.
    fn dynamic(&mut self, index: usize) -> Dynamic;
}

/// A value the native plan can reason about.
#[derive(Debug, Clone, PartialEq)]
pub enum Term<'a> {
    /// `()`.
    Unit,
    /// Text of the record or the rules.
    Text(&'a str),
    /// Text a script computed.
    Computed(ImmutableString),
    /// A boolean.
    Bool(bool),
}

impl Term<'_> {
    fn text(&self) -> Option<&str> {
        match self {
            Term::Text(text) => Some(text),
            Term::Computed(text) => Some(text.as_str()),
            Term::Unit | Term::Bool(_) => None,
        }
    }
}

/// Where a native result comes from: decided without a Rhai value, or a slot or literal to hand
/// over as it is.
enum Answer<'p> {
    Bool(bool),
    Slot(usize),
    Literal(&'p Native),
}

impl Native {
    /// The script's result, or `None` when only Rhai can say.
    pub fn evaluate(&self, slots: &mut dyn Slots) -> Option<Dynamic> {
        match self.answer(slots)? {
            Answer::Bool(flag) => Some(Dynamic::from(flag)),
            Answer::Slot(index) => Some(slots.dynamic(index)),
            Answer::Literal(Native::Text(text)) => Some(Dynamic::from(text.clone())),
            Answer::Literal(Native::Bool(flag)) => Some(Dynamic::from(*flag)),
            Answer::Literal(_) => None,
        }
    }

    fn answer<'p>(&'p self, slots: &dyn Slots) -> Option<Answer<'p>> {
        match self {
            Native::Slot(index) => Some(Answer::Slot(*index)),
            Native::Text(_) | Native::Bool(_) => Some(Answer::Literal(self)),
            Native::Equals { left, right, negated } => {
                let (left, right) = (left.term(slots)?, right.term(slots)?);
                let equal = match (left.text(), right.text()) {
                    (Some(left), Some(right)) => left == right,
                    (None, Some(_)) if left == Term::Unit => false,
                    (Some(_), None) if right == Term::Unit => false,
                    _ => return None,
                };
                Some(Answer::Bool(equal != *negated))
            }
            // In order, stopping at the first operand that decides, as Rhai does.
            Native::All(operands) => {
                for operand in operands {
                    if !operand.boolean(slots)? {
                        return Some(Answer::Bool(false));
                    }
                }
                Some(Answer::Bool(true))
            }
            Native::Any(operands) => {
                for operand in operands {
                    if operand.boolean(slots)? {
                        return Some(Answer::Bool(true));
                    }
                }
                Some(Answer::Bool(false))
            }
            Native::If { condition, then, otherwise } => {
                if condition.boolean(slots)? {
                    then.answer(slots)
                } else {
                    otherwise.answer(slots)
                }
            }
        }
    }

    /// The node as a term, for comparison.
    fn term<'s>(&'s self, slots: &'s dyn Slots) -> Option<Term<'s>> {
        match self {
            Native::Slot(index) => slots.term(*index),
            Native::Text(text) => Some(Term::Text(text.as_str())),
            Native::Bool(flag) => Some(Term::Bool(*flag)),
            Native::Equals { .. } | Native::All(_) | Native::Any(_) => match self.answer(slots)? {
                Answer::Bool(flag) => Some(Term::Bool(flag)),
                _ => None,
            },
            Native::If { .. } => None,
        }
    }

    /// The node as a condition: only a boolean will do (Rhai fails on anything else).
    fn boolean(&self, slots: &dyn Slots) -> Option<bool> {
        match self.term(slots)? {
            Term::Bool(flag) => Some(flag),
            Term::Unit | Term::Text(_) | Term::Computed(_) => None,
        }
    }
}
