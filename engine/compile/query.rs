//! Compile: deriving the Miradore queries (`select` lists and page sizes) from what the rules
//! reference, plus what `source` declares.

use super::{Field, FieldSource, Software};
use crate::rules::RuleSet;

/// Devices per page of the device query when the rules do not say.
pub const DEFAULT_PAGE_SIZE: u32 = 200;
/// Devices per page of the software query when the rules do not say.
pub const DEFAULT_SOFTWARE_PAGE_SIZE: u32 = 25;

/// Child items of a Miradore device: a selector that ends at one of them selects all its attributes.
const CHILD_ITEMS: &[&str] = &[
    "InvDevice",
    "InvOS",
    "InvSim",
    "InvSIM",
    "User",
    "Location",
    "Organization",
    "Category",
    "Client",
    "BIOS",
    "Security",
    "Enrollment",
    "ReportedLocation",
    "InvApplication",
    "InvStorage",
    "Tag",
];

/// What to ask Miradore for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryPlan {
    /// `select` of the device query, as `Item.Attribute`.
    pub select: Vec<String>,
    /// Devices per page.
    pub page_size: u32,
    /// The separate software query, when the rules declare one.
    pub software: Option<SoftwareQueryPlan>,
    /// For each requested attribute, the rule that asked for it (`field `x` at FILE:LINE:COL`).
    pub origins: Vec<(String, String)>,
}

/// The software-inventory query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SoftwareQueryPlan {
    /// `select`: `ID` plus application attributes.
    pub select: Vec<String>,
    /// Devices per page.
    pub page_size: u32,
}

impl QueryPlan {
    /// Derives the queries from the compiled fields and the rules' `source` settings.
    pub fn derive(rule_set: &RuleSet, fields: &[Field], software: Option<&Software>) -> QueryPlan {
        let file = &rule_set.file;
        let at = |span: &std::ops::Range<usize>| {
            let (line, column) = file.line_column(span.start);
            format!("{}:{line}:{column}", file.name)
        };
        let mut origins = Vec::new();
        let mut attributes = vec!["ID".to_string()];
        for field in fields {
            if let FieldSource::Select(selector, _) = &field.source
                && let Some(chain) = selector.chain()
                && let Some(attribute) = attribute_of(chain)
            {
                origins.push((attribute.clone(), format!("field `{}` at {}", field.name, at(&field.span))));
                attributes.push(attribute);
            }
        }
        if let Some(software) = software
            && let Some(each) = software.each.chain()
            && let Some(item) = attribute_of(each)
        {
            let item = item.trim_end_matches(".*").to_string();
            let mut any = false;
            for field in &software.fields {
                if let FieldSource::Select(selector, _) = &field.source
                    && let Some(chain) = selector.chain()
                    && let Some(attribute) = attribute_of(chain)
                {
                    let attribute = format!("{item}.{}", attribute.trim_end_matches(".*"));
                    origins
                        .push((attribute.clone(), format!("software field `{}` at {}", field.name, at(&field.span))));
                    attributes.push(attribute);
                    any = true;
                }
            }
            if !any {
                attributes.push(format!("{item}.*"));
            }
        }
        for name in &rule_set.source.select {
            origins.push((name.value.clone(), format!("`source.select` at {}", at(&name.span))));
            attributes.push(name.value.clone());
        }
        let declared = rule_set.source.software.as_ref();
        let (software_attributes, device_attributes): (Vec<String>, Vec<String>) = match declared {
            Some(query) => {
                let (mut apps, device): (Vec<String>, Vec<String>) =
                    attributes.into_iter().partition(|name| name.to_ascii_lowercase().starts_with("invapplication."));
                for name in &query.select {
                    origins.push((name.value.clone(), format!("`source.software.select` at {}", at(&name.span))));
                    apps.push(name.value.clone());
                }
                (apps, device)
            }
            None => (Vec::new(), attributes),
        };
        QueryPlan {
            select: dedupe(device_attributes),
            page_size: rule_set.source.page_size.unwrap_or(DEFAULT_PAGE_SIZE),
            software: declared.map(|query| SoftwareQueryPlan {
                select: dedupe(std::iter::once("ID".to_string()).chain(software_attributes).collect()),
                page_size: query.page_size.unwrap_or(DEFAULT_SOFTWARE_PAGE_SIZE),
            }),
            origins,
        }
    }

    /// The rule that asked for the attribute an API error names, e.g. from
    /// `Entity 'InvApplication' does not have property 'Vendor'.`
    pub fn origin_of(&self, description: &str) -> Option<&str> {
        let quoted: Vec<&str> = description.split('\'').skip(1).step_by(2).collect();
        let [entity, property] = quoted.as_slice() else { return None };
        let attribute = format!("{entity}.{property}").to_ascii_lowercase();
        let lone = property.to_ascii_lowercase();
        self.origins
            .iter()
            .find(|(name, _)| {
                let name = name.to_ascii_lowercase();
                name == attribute || name.ends_with(&format!(".{attribute}")) || (*entity == "Device" && name == lone)
            })
            .map(|(_, origin)| origin.as_str())
    }
}

/// `[InvDevice, SerialNumber]` -> `InvDevice.SerialNumber`; `[Tags, *, Name]` -> `Tag.Name`;
/// `[InvDevice]` -> `InvDevice.*`.
pub(super) fn attribute_of(chain: &[Option<String>]) -> Option<String> {
    let mut parts: Vec<String> = Vec::new();
    for (index, step) in chain.iter().enumerate() {
        match step {
            Some(name) => {
                let wrapper = matches!(chain.get(index + 1), Some(None)) && name.ends_with('s');
                parts.push(if wrapper { name[..name.len() - 1].to_string() } else { name.clone() });
            }
            None if parts.is_empty() => return None,
            None => {}
        }
    }
    let last = parts.last()?;
    if CHILD_ITEMS.contains(&last.as_str()) {
        parts.push("*".to_string());
    }
    Some(parts.join("."))
}

fn dedupe(names: Vec<String>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    names.into_iter().filter(|name| seen.insert(name.to_ascii_lowercase())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(parts: &[&str]) -> Vec<Option<String>> {
        parts.iter().map(|part| (*part != "*").then(|| part.to_string())).collect()
    }

    #[test]
    fn attributes_follow_the_select_syntax() {
        assert_eq!(attribute_of(&chain(&["InvDevice", "SerialNumber"])).unwrap(), "InvDevice.SerialNumber");
        assert_eq!(attribute_of(&chain(&["Tags", "*", "Name"])).unwrap(), "Tag.Name");
        assert_eq!(attribute_of(&chain(&["InvStorages", "*", "TotalSpace"])).unwrap(), "InvStorage.TotalSpace");
        assert_eq!(attribute_of(&chain(&["InvApplications", "*"])).unwrap(), "InvApplication.*");
        assert_eq!(attribute_of(&chain(&["User"])).unwrap(), "User.*");
        assert_eq!(attribute_of(&chain(&["ID"])).unwrap(), "ID");
    }
}
