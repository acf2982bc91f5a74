//! Eval: the values visible to expressions for one record. A slot holds a reference into the
//! record (what a selector found) until something needs it as a Rhai value: a plain field
//! reference copies the text straight from the record, and a script's scope holds only the slots
//! it names, each turned into a Rhai value once per record. Records are never converted whole.

use rhai::{Dynamic, Engine, EvalAltResult, Scope};
use serde_json::Value;

use super::convert;
use crate::compile::{Expression, ExpressionPlan};

/// What a slot holds.
pub enum Slot<'a> {
    /// Nothing (`()`).
    Unit,
    /// One value of the record.
    Found(&'a Value),
    /// Every value a `many` selector found.
    Many(Vec<&'a Value>),
    /// A computed value.
    Computed(Dynamic),
}

impl Slot<'_> {
    /// The slot as a Rhai value.
    pub fn to_dynamic(&self) -> Dynamic {
        match self {
            Slot::Unit => Dynamic::UNIT,
            Slot::Found(value) => convert::to_dynamic(value),
            Slot::Many(values) => Dynamic::from_array(values.iter().map(|value| convert::to_dynamic(value)).collect()),
            Slot::Computed(value) => value.clone(),
        }
    }

    /// The slot as attribute text (see [`convert::to_text`]), without a detour through Rhai for
    /// values taken from the record.
    pub fn to_text(&self) -> Result<Option<String>, &'static str> {
        match self {
            Slot::Unit => Ok(None),
            Slot::Found(Value::String(text)) => Ok((!text.trim().is_empty()).then(|| text.clone())),
            other => convert::to_text(other.to_dynamic()),
        }
    }
}

/// Slots in scope order, with their names.
pub struct State<'a> {
    names: Vec<&'a str>,
    slots: Vec<Slot<'a>>,
    /// Each slot as a Rhai value, made the first time a script reads it.
    values: Vec<Option<Dynamic>>,
    /// Holds, while a script runs, only the slots it reads.
    scope: Scope<'static>,
}

impl<'a> State<'a> {
    /// An empty state with room for `capacity` slots.
    pub fn with_capacity(capacity: usize) -> State<'a> {
        State {
            names: Vec::with_capacity(capacity),
            slots: Vec::with_capacity(capacity),
            values: Vec::with_capacity(capacity),
            scope: Scope::new(),
        }
    }

    /// Adds the next slot.
    pub fn push(&mut self, name: &'a str, slot: Slot<'a>) {
        self.names.push(name);
        self.slots.push(slot);
        self.values.push(None);
    }

    /// Number of slots.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Drops the slots from `mark` on.
    pub fn rewind(&mut self, mark: usize) {
        self.names.truncate(mark);
        self.slots.truncate(mark);
        self.values.truncate(mark);
    }

    /// The slot at `index`.
    pub fn slot(&self, index: usize) -> &Slot<'a> {
        self.slots.get(index).unwrap_or(&Slot::Unit)
    }

    /// Evaluates `expression` over the current slots.
    pub fn evaluate(&mut self, engine: &Engine, expression: &Expression) -> Result<Dynamic, Box<EvalAltResult>> {
        match &expression.plan {
            ExpressionPlan::Variable(slot) => Ok(self.slot(*slot).to_dynamic()),
            ExpressionPlan::Script(script) => {
                self.scope.clear();
                for &index in &script.reads {
                    let value = self.value(index);
                    self.scope.push_constant_dynamic(self.names[index], value);
                }
                let result = engine.eval_ast_with_scope::<Dynamic>(&mut self.scope, &script.ast);
                self.scope.clear();
                result
            }
        }
    }

    /// The slot at `index` as a Rhai value (a copy of text is shared, not copied again).
    fn value(&mut self, index: usize) -> Dynamic {
        let Some(cached) = self.values.get_mut(index) else {
            return Dynamic::UNIT;
        };
        cached.get_or_insert_with(|| self.slots[index].to_dynamic()).clone()
    }
}
