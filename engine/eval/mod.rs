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

use crate::compile::{Cardinality, Expression, Field, FieldSource, Program, Single};
use crate::diag::{Code, Diagnostic};
use crate::ops::{Action, Application, Identity, Operation};
use crate::source::Record;
use state::{Slot, State};

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
    /// The key's value expression as written (two keys may share a kind).
    pub key: String,
    /// Why.
    pub reason: String,
}

impl std::fmt::Display for PassedOver {
    fn fmt(&self, out: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(out, "{} `{}`: {}", self.kind, self.key, self.reason)
    }
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
    if record.missing_software && program.software.is_some() {
        return Outcome::Failed(Box::new(RecordError {
            device_id: record.id.clone(),
            diagnostic: Diagnostic::error(
                Code::MissingFromSoftwareQuery,
                format!(
                    "device {}: not in the software query, so its applications are unknown; it is not mapped",
                    record.id
                ),
            )
            .help("the site changed between the device and the software query; the next run maps it"),
        }));
    }
    let slots = program.fields.len() + program.software.as_ref().map_or(0, |software| software.fields.len()) + 1;
    let mut evaluator = Evaluator { program, record, state: State::with_capacity(slots) };
    evaluator.run().unwrap_or_else(|diagnostic| {
        Outcome::Failed(Box::new(RecordError { device_id: record.id.clone(), diagnostic: *diagnostic }))
    })
}

/// The rule an expression belongs to, worded only when something fails.
#[derive(Clone, Copy)]
enum Rule<'p> {
    Field(&'p str),
    Filter(usize),
    Identity(&'p str),
    IdentityCheck(&'p str),
    Retired,
    Target(&'static str, &'p str),
    When(&'static str),
}

impl std::fmt::Display for Rule<'_> {
    fn fmt(&self, out: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Rule::Field(name) => write!(out, "field `{name}`"),
            Rule::Filter(index) => write!(out, "filter rule {}", index + 1),
            Rule::Identity(kind) => write!(out, "identity key `{kind}`"),
            Rule::IdentityCheck(kind) => write!(out, "`valid` of identity key `{kind}`"),
            Rule::Retired => write!(out, "`retired`"),
            Rule::Target(group, name) => write!(out, "{group} `{name}`"),
            Rule::When(operation) => write!(out, "`when` of operation `{operation}`"),
        }
    }
}

struct Evaluator<'a> {
    program: &'a Program,
    record: &'a Record,
    state: State<'a>,
}

type Step<T> = Result<T, Box<Diagnostic>>;

impl<'a> Evaluator<'a> {
    fn run(&mut self) -> Step<Outcome> {
        let program = self.program;
        for field in &program.fields {
            let slot = self.field(field, &self.record.data)?;
            self.state.push(&field.name, slot);
        }
        for (index, rule) in program.filter.iter().enumerate() {
            if self.condition(&rule.exclude, Rule::Filter(index))? {
                return Ok(Outcome::Skipped { device_id: self.record.id.clone(), reason: rule.reason.clone() });
            }
        }
        let (identity, passed_over) = self.identity()?;
        let Some(identity) = identity else {
            let reasons: Vec<String> = passed_over.iter().map(PassedOver::to_string).collect();
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
            Some(expression) => self.condition(expression, Rule::Retired)?,
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

    fn field(&mut self, field: &'a Field, data: &'a serde_json::Value) -> Step<Slot<'a>> {
        let (selector, cardinality) = match &field.source {
            FieldSource::Compute(expression) => {
                return self.evaluate(expression, Rule::Field(&field.name)).map(Slot::Computed);
            }
            FieldSource::Select(selector, cardinality) => (selector, *cardinality),
        };
        let count = match cardinality {
            Cardinality::Many => return Ok(Slot::Many(selector.select(data))),
            _ => match selector.select_single(data) {
                Single::One(value) => return Ok(Slot::Found(value)),
                Single::None if cardinality == Cardinality::Optional => return Ok(Slot::Unit),
                Single::None => 0,
                Single::Several(count) => count,
            },
        };
        let expected = if cardinality == Cardinality::One { "exactly one value" } else { "at most one value" };
        let message = format!("field `{}` expects {expected} but `{}` found {count}", field.name, selector.text);
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

    fn identity(&mut self) -> Step<(Option<Identity>, Vec<PassedOver>)> {
        let mut passed_over = Vec::new();
        for key in &self.program.identity {
            let text = self.text(&key.value, Rule::Identity(&key.kind))?;
            let reason = match &text {
                None => Some("no value".to_string()),
                Some(text) => invalid_reason(text),
            };
            if let Some(reason) = reason {
                passed_over.push(PassedOver {
                    kind: key.kind.clone(),
                    key: key.value.source.text.trim().into(),
                    reason,
                });
                continue;
            }
            let text = text.unwrap_or_default();
            if let Some(valid) = &key.valid {
                let mark = self.state.len();
                self.state.push("value", Slot::Computed(rhai::Dynamic::from(text.clone())));
                let ok = self.condition(valid, Rule::IdentityCheck(&key.kind));
                self.state.rewind(mark);
                if !ok? {
                    passed_over.push(PassedOver {
                        kind: key.kind.clone(),
                        key: key.value.source.text.trim().into(),
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

    fn targets(&mut self, targets: &'a [(String, Expression)], group: &'static str) -> Step<BTreeMap<String, String>> {
        let mut values = BTreeMap::new();
        for (name, expression) in targets {
            if let Some(text) = self.text(expression, Rule::Target(group, name))? {
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
        if let Some(direct) = &software.direct {
            // Every target just names an application field: read the fields, no scope needed.
            let mut slots = Vec::with_capacity(software.fields.len());
            for application in applications {
                slots.clear();
                for field in &software.fields {
                    slots.push(self.field(field, application)?);
                }
                let text = |index: Option<usize>, target: Option<&Expression>, rule| match (index, target) {
                    (Some(index), Some(target)) => {
                        slots[index].to_text().map_err(|found| self.type_error(target, rule, "text", found))
                    }
                    _ => Ok(None),
                };
                let name = text(Some(direct.name), Some(&software.name), Rule::Target("software", "name"))?;
                let version = text(direct.version, software.version.as_ref(), Rule::Target("software", "version"))?;
                let identifier =
                    text(direct.identifier, software.identifier.as_ref(), Rule::Target("software", "identifier"))?;
                if let Some(name) = name {
                    list.push(Application { name, version, identifier });
                }
            }
            return Ok(list);
        }
        for application in applications {
            for field in &software.fields {
                let slot = self.field(field, application)?;
                self.state.push(&field.name, slot);
            }
            let name = self.text(&software.name, Rule::Target("software", "name"))?;
            let version = match &software.version {
                Some(expression) => self.text(expression, Rule::Target("software", "version"))?,
                None => None,
            };
            let identifier = match &software.identifier {
                Some(expression) => self.text(expression, Rule::Target("software", "identifier"))?,
                None => None,
            };
            self.state.rewind(mark);
            if let Some(name) = name {
                list.push(Application { name, version, identifier });
            }
        }
        Ok(list)
    }

    fn enabled(&mut self, rule: &'a Option<Option<Expression>>, name: &'static str) -> Step<bool> {
        match rule {
            None => Ok(false),
            Some(None) => Ok(true),
            Some(Some(when)) => self.condition(when, Rule::When(name)),
        }
    }

    fn text(&mut self, expression: &Expression, rule: Rule<'_>) -> Step<Option<String>> {
        let text = match &expression.plan {
            crate::compile::ExpressionPlan::Variable(slot) => self.state.slot(*slot).to_text(),
            crate::compile::ExpressionPlan::Script(_) => convert::to_text(self.evaluate(expression, rule)?),
        };
        text.map_err(|type_name| self.type_error(expression, rule, "text", type_name))
    }

    fn condition(&mut self, expression: &Expression, rule: Rule<'_>) -> Step<bool> {
        let value = self.evaluate(expression, rule)?;
        value.as_bool().map_err(|type_name| self.type_error(expression, rule, "true or false", type_name))
    }

    fn evaluate(&mut self, expression: &Expression, rule: Rule<'_>) -> Step<rhai::Dynamic> {
        self.state.evaluate(&self.program.engine, expression).map_err(|error| {
            let message = crate::compile::runtime_message(&error);
            self.error(
                Code::ExpressionRuntime,
                expression,
                Some(error.position()),
                format!("{rule} failed: {message}"),
                "failed here",
            )
        })
    }

    fn type_error(&self, expression: &Expression, rule: Rule<'_>, expected: &str, found: &str) -> Box<Diagnostic> {
        self.error(
            Code::ResultType,
            expression,
            None,
            format!("{rule} gave {found}, expected {expected}"),
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
