//! Eval: the values visible to expressions for one record, and the Rhai scope mirroring them,
//! filled only when a script (not a plain field reference) needs it.

use rhai::{Dynamic, Engine, EvalAltResult, Scope};

use crate::compile::{Expression, ExpressionPlan};

/// Field values in scope-slot order.
#[derive(Default)]
pub struct State {
    names: Vec<String>,
    values: Vec<Dynamic>,
    scope: Scope<'static>,
}

impl State {
    /// Adds the next slot.
    pub fn push(&mut self, name: &str, value: Dynamic) {
        self.names.push(name.to_string());
        self.values.push(value);
    }

    /// Number of slots.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Drops the slots from `mark` on.
    pub fn rewind(&mut self, mark: usize) {
        self.names.truncate(mark);
        self.values.truncate(mark);
        if self.scope.len() > mark {
            self.scope.rewind(mark);
        }
    }

    /// Evaluates `expression` over the current slots.
    pub fn evaluate(&mut self, engine: &Engine, expression: &Expression) -> Result<Dynamic, Box<EvalAltResult>> {
        match &expression.plan {
            ExpressionPlan::Variable(slot) => Ok(self.values.get(*slot).cloned().unwrap_or(Dynamic::UNIT)),
            ExpressionPlan::Script(ast) => {
                let filled = self.scope.len();
                for index in filled..self.values.len() {
                    self.scope.push_constant_dynamic(self.names[index].clone(), self.values[index].clone());
                }
                let mark = self.scope.len();
                let result = engine.eval_ast_with_scope::<Dynamic>(&mut self.scope, ast);
                self.scope.rewind(mark);
                result
            }
        }
    }
}
