//! Eval: the values visible to expressions for one record. A slot holds a reference into the
//! record (what a selector found) until something needs it as a Rhai value: a plain field
//! reference copies the text straight from the record, and a script's scope holds only the slots
//! it names, each turned into a Rhai value once per record. Records are never converted whole.

use rhai::{Dynamic, Engine, EvalAltResult, Scope};
use serde_json::Value;

use super::convert;
use crate::compile::native::{Slots, Term};
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
                if let Some(value) = script.native.as_ref().and_then(|native| native.evaluate(self)) {
                    return Ok(value);
                }
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

impl Slots for State<'_> {
    fn term(&self, index: usize) -> Option<Term<'_>> {
        match self.slot(index) {
            Slot::Unit | Slot::Found(Value::Null) => Some(Term::Unit),
            Slot::Found(Value::String(text)) => Some(Term::Text(text)),
            Slot::Found(Value::Bool(flag)) => Some(Term::Bool(*flag)),
            Slot::Found(_) | Slot::Many(_) => None,
            Slot::Computed(value) if value.is_unit() => Some(Term::Unit),
            Slot::Computed(value) => match value.as_bool() {
                Ok(flag) => Some(Term::Bool(flag)),
                Err(_) => value.clone().into_immutable_string().ok().map(Term::Computed),
            },
        }
    }

    fn dynamic(&mut self, index: usize) -> Dynamic {
        self.value(index)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use serde_json::json;

    use super::*;
    use crate::compile::{Expression, Visible, sandbox};
    use crate::diag::SourceFile;
    use crate::rules::Embedded;

    const NAMES: [&str; 3] = ["a", "b", "c"];

    fn compile(engine: &Engine, text: &str) -> Expression {
        let file = Arc::new(SourceFile::new("t.yaml", text));
        let embedded = Embedded {
            text: text.to_string(),
            span: 0..text.len(),
            style: serde_saphyr::granit_parser::ScalarStyle::Plain,
        };
        let names: Vec<String> = NAMES.map(String::from).to_vec();
        Expression::compile(engine, &file, &embedded, &Visible { names: &names, later: &[] })
            .unwrap_or_else(|error| panic!("{text}: {error:?}"))
    }

    fn rhai_only(expression: &Expression, state: &mut State<'_>, engine: &Engine) -> Result<Dynamic, String> {
        let ExpressionPlan::Script(script) = &expression.plan else { unreachable!("scripts only") };
        let mut scope = Scope::new();
        for &index in &script.reads {
            scope.push_constant_dynamic(NAMES[index], state.value(index));
        }
        engine.eval_ast_with_scope::<Dynamic>(&mut scope, &script.ast).map_err(|error| error.to_string())
    }

    /// The native plan answers only where Rhai answers the same, for every mix of values.
    #[test]
    fn native_plans_agree_with_rhai() {
        let engine = sandbox::engine();
        let (x, y, null, yes, number) = (json!("x"), json!("y"), json!(null), json!(true), json!(7));
        let values = || {
            vec![
                Slot::Unit,
                Slot::Found(&x),
                Slot::Found(&y),
                Slot::Found(&null),
                Slot::Found(&yes),
                Slot::Found(&number),
                Slot::Many(vec![&x]),
                Slot::Computed(Dynamic::from(false)),
                Slot::Computed(Dynamic::from(true)),
                Slot::Computed(Dynamic::from("x")),
                Slot::Computed(Dynamic::from(1_i64)),
            ]
        };
        let scripts = [
            r#"a == "x""#,
            r#"a != "x""#,
            r#""x" == a"#,
            "a == b",
            "a != b",
            r#"a == "x" && b != "y""#,
            r#"a == "x" || b == "y" || c == "x""#,
            r#"if a { "p" } else { b }"#,
            r#"if a == "x" { b } else { "q" }"#,
            "a && b",
            "a || b || c",
            "true && a",
            "a == true",
            r#"(a == "x") == (b == "y")"#,
        ];
        let mut answered = 0;
        for text in scripts {
            let expression = compile(&engine, text);
            let ExpressionPlan::Script(script) = &expression.plan else { panic!("{text} is a script") };
            let native = script.native.as_ref().unwrap_or_else(|| panic!("{text} has a native plan"));
            for a in values() {
                for b in values() {
                    for c in values() {
                        let mut state = State::with_capacity(3);
                        for (name, slot) in NAMES.into_iter().zip([a.clone_slot(), b.clone_slot(), c.clone_slot()]) {
                            state.push(name, slot);
                        }
                        let Some(native) = native.evaluate(&mut state) else { continue };
                        answered += 1;
                        let rhai = rhai_only(&expression, &mut state, &engine).unwrap_or_else(|error| {
                            panic!("{text}: native answered {native:?} where Rhai fails: {error}")
                        });
                        assert_eq!(
                            (native.type_name(), native.to_string()),
                            (rhai.type_name(), rhai.to_string()),
                            "{text}"
                        );
                    }
                }
            }
        }
        assert!(answered > 1000, "the native plans answered only {answered} times");
    }

    #[test]
    fn scripts_beyond_the_native_subset_run_in_rhai_only() {
        let engine = sandbox::engine();
        for text in [r#"contains_ci(a, "iPad")"#, r#"a + "x""#, "let t = a; t", r#"a == "x"; b"#] {
            let ExpressionPlan::Script(script) = compile(&engine, text).plan else { panic!("{text} is a script") };
            assert!(script.native.is_none(), "{text}");
        }
    }

    impl Slot<'_> {
        fn clone_slot(&self) -> Self {
            match self {
                Slot::Unit => Slot::Unit,
                Slot::Found(value) => Slot::Found(value),
                Slot::Many(values) => Slot::Many(values.clone()),
                Slot::Computed(value) => Slot::Computed(value.clone()),
            }
        }
    }
}
