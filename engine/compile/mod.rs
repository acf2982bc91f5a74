//! Compile: [`RuleSet`] -> [`Program`]. Every selector is parsed, every expression compiled and
//! every name resolved here, once; the program is immutable and shared by all workers.

pub mod attributes;
mod expression;
pub mod functions;
pub mod native;
mod query;
pub mod sandbox;
mod selector;

use std::collections::HashSet;
use std::sync::Arc;

pub use expression::{Expression, ExpressionPlan, Script, Visible, runtime_message};
pub use query::QueryPlan;
pub use selector::{Selector, Single};

use crate::diag::{Code, Diagnostic, SourceFile};
use crate::rules::{Embedded, FieldRule, RuleSet, Spanned};

/// How many values a selector field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cardinality {
    /// Exactly one.
    One,
    /// One or none.
    Optional,
    /// Any number, as an array.
    Many,
}

/// How a field gets its value.
#[derive(Debug)]
pub enum FieldSource {
    /// From the record.
    Select(Selector, Cardinality),
    /// From earlier fields.
    Compute(Expression),
}

/// A compiled field.
#[derive(Debug)]
pub struct Field {
    /// Its name, as used in expressions.
    pub name: String,
    /// Where its value comes from.
    pub source: FieldSource,
    /// Where it was defined.
    pub span: std::ops::Range<usize>,
}

/// A compiled filter rule.
#[derive(Debug)]
pub struct Filter {
    /// True skips the device.
    pub exclude: Expression,
    /// The reason counted.
    pub reason: Arc<str>,
}

/// A compiled identity key.
#[derive(Debug)]
pub struct IdentityKey {
    /// The kind, e.g. `serial`.
    pub kind: String,
    /// The value expression.
    pub value: Expression,
    /// The optional extra check, with `value` as the last scope slot.
    pub valid: Option<Expression>,
}

/// Compiled software-inventory rules.
#[derive(Debug)]
pub struct Software {
    /// Selects the applications in the record.
    pub each: Selector,
    /// Per-application fields (selectors relative to the application).
    pub fields: Vec<Field>,
    /// Name, version and identifier expressions (scope: device fields, then application fields).
    pub name: Expression,
    /// Version.
    pub version: Option<Expression>,
    /// Identifier.
    pub identifier: Option<Expression>,
    /// When every application field is a selector and name, version and identifier each just
    /// name one: which ones, so that evaluation reads them without a scope.
    pub direct: Option<DirectTargets>,
}

/// The application fields (indexes into [`Software::fields`]) that the targets name.
#[derive(Debug, Clone, Copy)]
pub struct DirectTargets {
    /// The field the name is.
    pub name: usize,
    /// The field the version is, if a version is mapped.
    pub version: Option<usize>,
    /// The field the identifier is, if an identifier is mapped.
    pub identifier: Option<usize>,
}

impl DirectTargets {
    /// The targets as application fields, when each is a plain reference to one; `first` is the
    /// scope slot of the first application field.
    fn of(
        name: &Expression,
        version: Option<&Expression>,
        identifier: Option<&Expression>,
        first: usize,
    ) -> Option<Self> {
        let field = |expression: &Expression| match expression.plan {
            ExpressionPlan::Variable(slot) => slot.checked_sub(first),
            ExpressionPlan::Script(_) => None,
        };
        let optional = |expression: Option<&Expression>| match expression {
            None => Some(None),
            Some(expression) => field(expression).map(Some),
        };
        Some(DirectTargets { name: field(name)?, version: optional(version)?, identifier: optional(identifier)? })
    }
}

/// Which operations are produced, each with its optional condition.
#[derive(Debug, Default)]
pub struct Operations {
    /// `import_inventory`, if enabled.
    pub import_inventory: Option<Option<Expression>>,
    /// `set_attributes`, if enabled.
    pub set_attributes: Option<Option<Expression>>,
    /// `activate`, if enabled.
    pub activate: Option<Option<Expression>>,
    /// `retire`, if enabled.
    pub retire: Option<Option<Expression>>,
}

/// A compiled rules file: immutable, `Send + Sync`, shared by every worker.
pub struct Program {
    /// The rules file, for diagnostics.
    pub file: Arc<SourceFile>,
    /// The sandboxed Rhai engine.
    pub engine: rhai::Engine,
    /// Device fields in order (the scope slots of device-level expressions).
    pub fields: Vec<Field>,
    /// Filter rules in order.
    pub filter: Vec<Filter>,
    /// Identity keys in order of preference.
    pub identity: Vec<IdentityKey>,
    /// When true, the device is retired.
    pub retired: Option<Expression>,
    /// Hardware attributes.
    pub hardware: Vec<(String, Expression)>,
    /// Software inventory.
    pub software: Option<Software>,
    /// Asset attributes.
    pub attributes: Vec<(String, Expression)>,
    /// Operations and their conditions.
    pub operations: Operations,
    /// What to ask Miradore for.
    pub query: QueryPlan,
    /// Problems worth a look that do not stop the rules (e.g. an undocumented attribute).
    pub warnings: Vec<Diagnostic>,
}

impl std::fmt::Debug for Program {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Program")
            .field("file", &self.file.name)
            .field("fields", &self.fields.len())
            .finish_non_exhaustive()
    }
}

/// Loads and compiles the rules file at `path`, reporting every problem of both stages at once,
/// in file order.
pub fn compile_file(path: &str) -> Result<Program, Vec<Diagnostic>> {
    finish(crate::rules::load_file(path))
}

/// Loads and compiles rules from `text`, naming them `name` in diagnostics.
pub fn compile_text(name: &str, text: impl Into<String>) -> Result<Program, Vec<Diagnostic>> {
    finish(crate::rules::load_text(name, text))
}

fn finish((rule_set, mut diagnostics): (Option<RuleSet>, Vec<Diagnostic>)) -> Result<Program, Vec<Diagnostic>> {
    if let Some(rule_set) = rule_set {
        match compile(&rule_set) {
            Ok(program) if diagnostics.is_empty() => return Ok(program),
            Ok(_) => {}
            Err(more) => diagnostics.extend(more),
        }
    }
    diagnostics.sort_by_key(|diagnostic| diagnostic.labels.first().map_or(0, |label| label.span.start));
    Err(diagnostics)
}

/// Compiles `rule_set`, or returns every problem found (without cascades: a field that failed
/// to compile is still a known name for the expressions after it).
pub fn compile(rule_set: &RuleSet) -> Result<Program, Vec<Diagnostic>> {
    let mut compiler = Compiler { file: rule_set.file.clone(), engine: sandbox::engine(), diagnostics: Vec::new() };
    let all_names: Vec<String> = rule_set.fields.iter().map(|(name, _)| name.value.clone()).collect();
    let fields = compiler.fields(&rule_set.fields, &[], &all_names);
    let names: Vec<String> = fields.iter().map(|field| field.name.clone()).collect();
    let device = Visible { names: &names, later: &[] };
    let filter = rule_set
        .filter
        .iter()
        .filter_map(|rule| {
            Some(Filter {
                exclude: compiler.expression(&rule.exclude, &device)?,
                reason: Arc::from(rule.reason.value.as_str()),
            })
        })
        .collect();
    let mut with_value = names.clone();
    with_value.push("value".to_string());
    let identity = rule_set
        .identity
        .iter()
        .filter_map(|key| {
            let value = compiler.expression(&key.value, &device);
            let valid =
                key.valid.as_ref().map(|valid| compiler.expression(valid, &Visible { names: &with_value, later: &[] }));
            Some(IdentityKey {
                kind: key.kind.value.clone(),
                value: value?,
                valid: match valid {
                    Some(compiled) => Some(compiled?),
                    None => None,
                },
            })
        })
        .collect();
    let retired = rule_set.retired.as_ref().and_then(|expression| compiler.expression(expression, &device));
    let hardware = compiler.targets(&rule_set.hardware, &device);
    let attributes = compiler.targets(&rule_set.attributes, &device);
    let software = rule_set.software.as_ref().and_then(|rule| {
        let each = compiler.selector(&rule.each);
        let app_names: Vec<String> = rule.fields.iter().map(|(name, _)| name.value.clone()).collect();
        let app_fields = compiler.fields(&rule.fields, &names, &app_names);
        let mut scope_names = names.clone();
        scope_names.extend(app_fields.iter().map(|field| field.name.clone()));
        let visible = Visible { names: &scope_names, later: &[] };
        let name = compiler.expression(&rule.name, &visible);
        let version = rule.version.as_ref().map(|expression| compiler.expression(expression, &visible));
        let identifier = rule.identifier.as_ref().map(|expression| compiler.expression(expression, &visible));
        let name = name?;
        let version = version.map(|compiled| compiled.ok_or(())).transpose().ok()?;
        let identifier = identifier.map(|compiled| compiled.ok_or(())).transpose().ok()?;
        // A computed application field reads the scope, so only selected fields can go direct.
        let selected = app_fields.iter().all(|field| matches!(field.source, FieldSource::Select(..)));
        let direct =
            selected.then(|| DirectTargets::of(&name, version.as_ref(), identifier.as_ref(), names.len())).flatten();
        Some(Software { each: each?, fields: app_fields, name, version, identifier, direct })
    });
    let mut condition = |rule: &Option<crate::rules::OperationRule>| {
        rule.as_ref().map(|rule| rule.when.as_ref().and_then(|when| compiler.expression(when, &device)))
    };
    let operations = Operations {
        import_inventory: condition(&rule_set.operations.import_inventory),
        set_attributes: condition(&rule_set.operations.set_attributes),
        activate: condition(&rule_set.operations.activate),
        retire: condition(&rule_set.operations.retire),
    };
    let query = QueryPlan::derive(rule_set, &fields, software.as_ref());
    if !compiler.diagnostics.is_empty() {
        return Err(compiler.diagnostics);
    }
    let warnings = attributes::warnings(&compiler.file, &fields, software.as_ref(), query::attribute_of);
    Ok(Program {
        warnings,
        file: compiler.file,
        engine: compiler.engine,
        fields,
        filter,
        identity,
        retired,
        hardware,
        software,
        attributes,
        operations,
        query,
    })
}

struct Compiler {
    file: Arc<SourceFile>,
    engine: rhai::Engine,
    diagnostics: Vec<Diagnostic>,
}

impl Compiler {
    fn expression(&mut self, embedded: &Embedded, visible: &Visible<'_>) -> Option<Expression> {
        Expression::compile(&self.engine, &self.file, embedded, visible)
            .map_err(|diagnostic| self.diagnostics.push(diagnostic))
            .ok()
    }

    fn selector(&mut self, embedded: &Embedded) -> Option<Selector> {
        Selector::compile(&self.file, embedded).map_err(|diagnostic| self.diagnostics.push(diagnostic)).ok()
    }

    /// Compiles fields in order; `outer` names are visible before them (device fields, for
    /// application fields). A field that fails still counts as a name, so no cascade follows.
    fn fields(&mut self, rules: &[(Spanned<String>, FieldRule)], outer: &[String], all: &[String]) -> Vec<Field> {
        let mut names: Vec<String> = outer.to_vec();
        let mut seen = HashSet::new();
        let mut fields = Vec::new();
        for (index, (name, rule)) in rules.iter().enumerate() {
            if !is_identifier(&name.value) {
                self.diagnostics.push(
                    Diagnostic::error(Code::InvalidValue, format!("`{}` is not a valid field name", name.value)).at(
                        &self.file,
                        name.span.clone(),
                        "letters, digits and `_`, not starting with a digit",
                    ),
                );
            } else if !seen.insert(name.value.clone()) || outer.contains(&name.value) {
                self.diagnostics.push(
                    Diagnostic::error(Code::DuplicateField, format!("the field `{}` is defined twice", name.value)).at(
                        &self.file,
                        name.span.clone(),
                        "second definition",
                    ),
                );
            }
            let later = &all[(index + 1).min(all.len())..];
            let source = match rule {
                FieldRule::One(selector) => {
                    self.selector(selector).map(|compiled| FieldSource::Select(compiled, Cardinality::One))
                }
                FieldRule::Optional(selector) => {
                    self.selector(selector).map(|compiled| FieldSource::Select(compiled, Cardinality::Optional))
                }
                FieldRule::Many(selector) => {
                    self.selector(selector).map(|compiled| FieldSource::Select(compiled, Cardinality::Many))
                }
                FieldRule::Expr(expression) => {
                    self.expression(expression, &Visible { names: &names, later }).map(FieldSource::Compute)
                }
            };
            names.push(name.value.clone());
            if let Some(source) = source {
                fields.push(Field { name: name.value.clone(), source, span: name.span.clone() });
            } else {
                // Keep the slot so later expressions still resolve; it evaluates to ().
                fields.push(Field {
                    name: name.value.clone(),
                    source: FieldSource::Compute(Expression {
                        plan: ExpressionPlan::Script(Script::new(rhai::AST::empty(), &[])),
                        source: match rule {
                            FieldRule::One(e) | FieldRule::Optional(e) | FieldRule::Many(e) | FieldRule::Expr(e) => {
                                e.clone()
                            }
                        },
                    }),
                    span: name.span.clone(),
                });
            }
        }
        fields
    }

    fn targets(&mut self, targets: &[(Spanned<String>, Embedded)], visible: &Visible<'_>) -> Vec<(String, Expression)> {
        targets
            .iter()
            .filter_map(|(name, embedded)| Some((name.value.clone(), self.expression(embedded, visible)?)))
            .collect()
    }
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_') && chars.all(|c| c.is_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn program_is_shared_by_threads() {
        assert_send_sync::<super::Program>();
    }

    /// A function the expression defines itself is not an unknown function.
    #[test]
    fn expressions_may_define_their_own_functions() {
        let text = "version: 1\nfields:\n  s: { optional: $.S }\n  t: { expr: 'fn clean(x) { trim(x) } clean(s)' }\n\
                    identity:\n  - kind: serial\n    value: t\noperations:\n  import_inventory:\n";
        let (rule_set, diagnostics) = crate::rules::load_text("t.yaml", text);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        let compiled = super::compile(&rule_set.expect("a rule set"));
        assert!(compiled.is_ok(), "{:?}", compiled.err());
    }

    /// The default rules' filters and `retired` run natively, and applications are read
    /// straight from their fields (the evaluation bench depends on both).
    #[test]
    fn default_rules_take_the_fast_paths() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/default.yaml");
        let program = crate::cli::load_program(&path).expect("the default rules compile");
        let native = |expression: &super::Expression| match &expression.plan {
            super::ExpressionPlan::Script(script) => script.native.is_some(),
            super::ExpressionPlan::Variable(_) => true,
        };
        assert!(program.filter.iter().all(|rule| native(&rule.exclude)));
        assert!(program.retired.as_ref().is_some_and(native));
        assert!(program.software.as_ref().is_some_and(|software| software.direct.is_some()));
    }
}
