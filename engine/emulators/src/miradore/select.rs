//! The `select` query parameter: a comma-separated list of `Item.Attribute` paths, parsed into a
//! [`Selection`] that says which elements each rendered Device gets.

use super::schema::Item;

/// What the API returns when a query has no `select`: a small predefined set.
pub const DEFAULT_SELECT: &str = "ID,Platform,Status,InvDevice.DeviceName";

/// Which attributes to render, grouped by item in the order each item was first selected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    pub(crate) parts: Vec<Part>,
}

/// One group of the selection: Device attributes are rendered one by one, in select order; the
/// attributes of a child item are rendered together inside the child's element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Part {
    /// A Device attribute (index into `schema::DEVICE`).
    Scalar(usize),
    /// A child item and its selected attributes (indices into the item's table).
    Child { item: Item, attributes: Vec<usize> },
}

/// A `select` the API refuses. Its message is the live API's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Entity '{entity}' does not have property '{property}'.")]
pub struct SelectError {
    /// The item that was asked for the property, e.g. `InvApplication`.
    pub entity: String,
    /// The property as the caller wrote it, e.g. `Vendor`.
    pub property: String,
}

impl Selection {
    /// Parses a `select` value. Paths are case-insensitive; `*` selects every Device attribute and
    /// `Item.*` every attribute of that child item. Empty entries are skipped, repeats ignored.
    pub fn parse(select: &str) -> Result<Self, SelectError> {
        let mut selection = Selection { parts: Vec::new() };
        for path in select.split(',').map(str::trim).filter(|path| !path.is_empty()) {
            match path.split_once('.') {
                None => selection.add(Item::Device, path)?,
                Some((item_name, attribute)) => {
                    let item = if item_name.eq_ignore_ascii_case("Device") {
                        Item::Device
                    } else {
                        // Unknown child items (Security, Client, ...) are not modelled: the API
                        // names the Device as the entity lacking them.
                        Item::child(item_name).ok_or_else(|| SelectError {
                            entity: Item::Device.name().to_string(),
                            property: item_name.to_string(),
                        })?
                    };
                    selection.add(item, attribute)?;
                }
            }
        }
        Ok(selection)
    }

    /// The selection used when a query has none ([`DEFAULT_SELECT`]).
    pub fn default_set() -> Self {
        Self::parse(DEFAULT_SELECT).expect("the default select is valid")
    }

    /// The selection of a request's `select`: parsed, or the default set when absent or blank.
    pub fn parse_or_default(select: Option<&str>) -> Result<Self, SelectError> {
        match select.filter(|select| !select.trim().is_empty()) {
            Some(select) => Self::parse(select),
            None => Ok(Self::default_set()),
        }
    }

    /// Whether the selection reaches into application inventory (a "software query").
    pub fn includes_applications(&self) -> bool {
        self.parts.iter().any(|part| matches!(part, Part::Child { item: Item::InvApplication, .. }))
    }

    fn add(&mut self, item: Item, attribute: &str) -> Result<(), SelectError> {
        let indices: Vec<usize> = if attribute == "*" {
            (0..item.attributes().len()).collect()
        } else {
            vec![
                item.attribute(attribute)
                    .ok_or_else(|| SelectError { entity: item.name().to_string(), property: attribute.to_string() })?,
            ]
        };
        if item == Item::Device {
            for index in indices {
                if !self.parts.contains(&Part::Scalar(index)) {
                    self.parts.push(Part::Scalar(index));
                }
            }
            return Ok(());
        }
        let position = match self
            .parts
            .iter()
            .position(|part| matches!(part, Part::Child { item: existing, .. } if *existing == item))
        {
            Some(position) => position,
            None => {
                self.parts.push(Part::Child { item, attributes: Vec::new() });
                self.parts.len() - 1
            }
        };
        if let Part::Child { attributes, .. } = &mut self.parts[position] {
            for index in indices {
                if !attributes.contains(&index) {
                    attributes.push(index);
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_child_attributes_in_first_selected_order() {
        let selection = Selection::parse("InvDevice.Model, id ,invdevice.imei,Tag.Name,ID").unwrap();
        assert_eq!(
            selection.parts,
            vec![
                Part::Child { item: Item::InvDevice, attributes: vec![2, 6] },
                Part::Scalar(0),
                Part::Child { item: Item::Tag, attributes: vec![0] },
            ]
        );
        assert!(!selection.includes_applications());
        assert!(Selection::parse("InvApplication.Name").unwrap().includes_applications());
    }

    #[test]
    fn wildcards_expand_to_every_attribute_of_their_item() {
        let selection = Selection::parse("*,InvOS.*").unwrap();
        let scalars = selection.parts.iter().filter(|p| matches!(p, Part::Scalar(_))).count();
        assert_eq!(scalars, Item::Device.attributes().len());
        assert!(selection.parts.contains(&Part::Child { item: Item::InvOs, attributes: vec![0, 1, 2, 3] }));
    }

    #[test]
    fn unknown_attributes_and_items_are_refused_with_the_api_message() {
        let error = Selection::parse("ID,InvApplication.Vendor").unwrap_err();
        assert_eq!(error.to_string(), "Entity 'InvApplication' does not have property 'Vendor'.");
        // Documented attributes the emulator has no data for are accepted, and render nothing.
        assert!(Selection::parse("InvStorage.Volume,InvApplication.InventoryTime,AndroidID").is_ok());
        assert!(Selection::parse("Security.*,Enrollment.*,BIOS.SerialNumber,Category.Name,ReportedLocation.*").is_ok());
        let error = Selection::parse("Colour").unwrap_err();
        assert_eq!(error.to_string(), "Entity 'Device' does not have property 'Colour'.");
        let error = Selection::parse("Gadget.Name").unwrap_err();
        assert_eq!(error.to_string(), "Entity 'Device' does not have property 'Gadget'.");
    }
}
