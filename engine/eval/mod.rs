//! Eval: [`Program`] + [`Record`] -> [`Outcome`]. Pure: no network, no files, no clock. One bad
//! record gives a `Failed` outcome naming the device and the rule; the others go on.
//!
//! Records are never converted whole into Rhai values: each field's selector reads only what it
//! names, and expressions see only the fields.

mod convert;
mod identity;
mod state;

use std::collections::BTreeMap;
use std::sync::Arc;

use rhai::Dynamic;

use crate::compile::{Cardinality, Expression, Field, FieldSource, Program};
use crate::diag::{Code, Diagnostic};
use crate::ops::{Action, Application, Identity, Operation};
use crate::source::Record;
use state::State;

pub use identity::invalid_reason;

/// What became of one device.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// Excluded by a filter rule (or not importable), with the reason.
    Skipped {
        /// The Miradore device ID.
        device_id: String,
        /// Why, as counted in the summary.
        reason: Arc<str>,
    },
    /// Mapped to operations (none, when every operation's condition was false).
    Mapped {
        /// The Miradore device ID.
        device_id: String,
        /// The operations to send.
        operations: Vec<Operation>,
        /// Identity keys passed over before the one used, with their reasons.
        passed_over: Vec<PassedOver>,
    },
    /// The mapping failed for this device.
    Failed(Box<RecordError>),
}

impl Outcome {
    /// The Miradore device ID.
    pub fn device_id(&self) -> &str {
        match self {
            Outcome::Skipped { device_id, .. } | Outcome::Mapped { device_id, .. } => device_id,
            Outcome::Failed(error) => &error.device_id,
        }
    }
}

/// An identity key whose value could not identify the device.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PassedOver {
    /// The key's kind.
    pub kind: String,
    /// Why.
    pub reason: String,
}

/// A failed mapping: the device and a diagnostic pointing at the rule that failed.
#[derive(Debug, Clone)]
pub struct RecordError {
    /// The Miradore device ID.
    pub device_id: String,
    /// What failed, pointing at the rule.
    pub diagnostic: Diagnostic,
}

/// Maps one record.
pub fn evaluate(program: &Program, record: &Record) -> Outcome {
    if record.id.is_empty() {
        return Outcome::Failed(Box::new(RecordError {
            device_id: "(none)".to_string(),
            diagnostic: Diagnostic::error(
                Code::MissingDeviceId,
                "a device record has no ID; it cannot be mapped or reported",
            ),
        }));
    }
    let mut evaluator = Evaluator { program, record, state: State::default() };
    evaluator.run().unwrap_or_else(|diagnostic| {
        Outcome::Failed(Box::new(RecordError { device_id: record.id.clone(), diagnostic: *diagnostic }))
    })
}

struct Evaluator<'a> {
    program: &'a Program,
    record: &'a Record,
    state: State,
}

type Step<T> = Result<T, Box<Diagnostic>>;

impl Evaluator<'_> {
    fn run(&mut self) -> Step<Outcome> {
        let program = self.program;
        for field in &program.fields {
            let value = self.field(field, &self.record.data)?;
            self.state.push(&field.name, value);
        }
        for (index, rule) in program.filter.iter().enumerate() {
            if self.condition(&rule.exclude, &format!("filter rule {}", index + 1))? {
                return Ok(Outcome::Skipped { device_id: self.record.id.clone(), reason: rule.reason.clone() });
            }
        }
        let (identity, passed_over) = self.identity()?;
        let Some(identity) = identity else {
            let reasons: Vec<String> =
                passed_over.iter().map(|passed| format!("{}: {}", passed.kind, passed.reason)).collect();
            let first = &program.identity[0].value;
            return Err(self.error(
                Code::NoIdentity,
                first,
                None,
                format!("no identity key gave a valid value ({})", reasons.join("; ")),
                "first identity key",
            ));
        };
        let retired = match &program.retired {
            Some(expression) => self.condition(expression, "`retired`")?,
            None => false,
        };
        let mut operations = Vec::new();
        let emit = |action: Action| Operation { device_id: self.record.id.clone(), identity: identity.clone(), action };
        if retired {
            if self.enabled(&program.operations.retire, "retire")? {
                operations.push(emit(Action::Retire));
            }
        } else {
            if self.enabled(&program.operations.import_inventory, "import_inventory")? {
                let hardware = self.targets(&program.hardware, "hardware")?;
                let software = self.software()?;
                operations.push(emit(Action::ImportInventory { hardware, software }));
            }
            if self.enabled(&program.operations.set_attributes, "set_attributes")? {
                let attributes = self.targets(&program.attributes, "attributes")?;
                if !attributes.is_empty() {
                    operations.push(emit(Action::SetAttributes { attributes }));
                }
            }
            if self.enabled(&program.operations.activate, "activate")? {
                operations.push(emit(Action::Activate));
            }
        }
        Ok(Outcome::Mapped { device_id: self.record.id.clone(), operations, passed_over })
    }

    fn field(&mut self, field: &Field, data: &serde_json::Value) -> Step<Dynamic> {
        match &field.source {
            FieldSource::Compute(expression) => self.evaluate(expression, &format!("field `{}`", field.name)),
            FieldSource::Select(selector, cardinality) => {
                let found = selector.select(data);
                match (cardinality, found.len()) {
                    (Cardinality::Many, _) => {
                        Ok(Dynamic::from_array(found.into_iter().map(convert::to_dynamic).collect()))
                    }
                    (Cardinality::Optional, 0) => Ok(Dynamic::UNIT),
                    (_, 1) => Ok(convert::to_dynamic(found[0])),
                    (_, count) => {
                        let expected =
                            if *cardinality == Cardinality::One { "exactly one value" } else { "at most one value" };
                        let message =
                            format!("field `{}` expects {expected} but `{}` found {count}", field.name, selector.text);
                        Err(Box::new(
                            Diagnostic::error(Code::Cardinality, format!("device {}: {message}", self.record.id))
                                .at(&self.program.file, field.span.clone(), "declared here")
                                .help(if count == 0 {
                                    "declare the field `optional` if devices may lack it"
                                } else {
                                    "declare the field `many` to collect every value"
                                }),
                        ))
                    }
                }
            }
        }
    }

    fn identity(&mut self) -> Step<(Option<Identity>, Vec<PassedOver>)> {
        let mut passed_over = Vec::new();
        for key in &self.program.identity {
            let context = format!("identity key `{}`", key.kind);
            let value = self.evaluate(&key.value, &context)?;
            let text = convert::to_text(value.clone())
                .map_err(|type_name| self.type_error(&key.value, &context, "text", type_name))?;
            let reason = match &text {
                None => Some("no value".to_string()),
                Some(text) => invalid_reason(text),
            };
            if let Some(reason) = reason {
                passed_over.push(PassedOver { kind: key.kind.clone(), reason });
                continue;
            }
            let text = text.unwrap_or_default();
            if let Some(valid) = &key.valid {
                let mark = self.state.len();
                self.state.push("value", value);
                let ok = self.condition(valid, &format!("`valid` of identity key `{}`", key.kind));
                self.state.rewind(mark);
                if !ok? {
                    passed_over.push(PassedOver {
                        kind: key.kind.clone(),
                        reason: format!("`{text}` failed the key's `valid` check"),
                    });
                    continue;
                }
            }
            let identity = Identity { kind: key.kind.clone(), value: text.trim().to_string() };
            return Ok((Some(identity), passed_over));
        }
        Ok((None, passed_over))
    }

    fn targets(&mut self, targets: &[(String, Expression)], group: &str) -> Step<BTreeMap<String, String>> {
        let mut values = BTreeMap::new();
        for (name, expression) in targets {
            let context = format!("{group} `{name}`");
            if let Some(text) = self.text(expression, &context)? {
                values.insert(name.clone(), text);
            }
        }
        Ok(values)
    }

    fn software(&mut self) -> Step<Vec<Application>> {
        let Some(software) = &self.program.software else {
            return Ok(Vec::new());
        };
        let applications = software.each.select(&self.record.data);
        let mut list = Vec::with_capacity(applications.len());
        let mark = self.state.len();
        for application in applications {
            for field in &software.fields {
                let value = self.field(field, application)?;
                self.state.push(&field.name, value);
            }
            let name = self.text(&software.name, "software `name`")?;
            let version = match &software.version {
                Some(expression) => self.text(expression, "software `version`")?,
                None => None,
            };
            let identifier = match &software.identifier {
                Some(expression) => self.text(expression, "software `identifier`")?,
                None => None,
            };
            self.state.rewind(mark);
            if let Some(name) = name {
                list.push(Application { name, version, identifier });
            }
        }
        Ok(list)
    }

    fn enabled(&mut self, rule: &Option<Option<Expression>>, name: &str) -> Step<bool> {
        match rule {
            None => Ok(false),
            Some(None) => Ok(true),
            Some(Some(when)) => self.condition(when, &format!("`when` of operation `{name}`")),
        }
    }

    fn text(&mut self, expression: &Expression, context: &str) -> Step<Option<String>> {
        let value = self.evaluate(expression, context)?;
        convert::to_text(value).map_err(|type_name| self.type_error(expression, context, "text", type_name))
    }

    fn condition(&mut self, expression: &Expression, context: &str) -> Step<bool> {
        let value = self.evaluate(expression, context)?;
        value.as_bool().map_err(|type_name| self.type_error(expression, context, "true or false", type_name))
    }

    fn evaluate(&mut self, expression: &Expression, context: &str) -> Step<Dynamic> {
        self.state.evaluate(&self.program.engine, expression).map_err(|error| {
            let message = crate::compile::runtime_message(&error);
            self.error(
                Code::ExpressionRuntime,
                expression,
                Some(error.position()),
                format!("{context} failed: {message}"),
                "failed here",
            )
        })
    }

    fn type_error(&self, expression: &Expression, context: &str, expected: &str, found: &str) -> Box<Diagnostic> {
        self.error(
            Code::ResultType,
            expression,
            None,
            format!("{context} gave {found}, expected {expected}"),
            "this expression",
        )
    }

    fn error(
        &self,
        code: Code,
        expression: &Expression,
        position: Option<rhai::Position>,
        message: String,
        label: &str,
    ) -> Box<Diagnostic> {
        let file = &self.program.file;
        let span = match position {
            Some(position) if !position.is_none() => expression.span_at(file, position),
            _ => expression.source.span.clone(),
        };
        Box::new(Diagnostic::error(code, format!("device {}: {message}", self.record.id)).at(file, span, label))
    }
}
