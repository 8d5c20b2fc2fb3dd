//! The metadata model. JS discovers entities (decorators, EntitySchema, defineEntity) and sends
//! this model once at init; every compiler step reads it from here.

use serde::Deserialize;
use std::collections::HashMap;

use crate::error::{Error, Result};

/// Logical property types, as normalized by the JS metadata discovery.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum PropType {
    String,
    Text,
    Integer,
    Smallint,
    Tinyint,
    Bigint,
    Float,
    Double,
    Decimal,
    Boolean,
    Datetime,
    Date,
    Time,
    Json,
    Enum,
    Uuid,
    Blob,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PropMeta {
    pub name: String,
    pub field_name: String,
    #[serde(rename = "type")]
    pub ty: PropType,
    /// An explicit column type set by the user; wins over the dialect's mapping.
    #[serde(default)]
    pub column_type: Option<String>,
    #[serde(default)]
    pub primary: bool,
    #[serde(default)]
    pub autoincrement: bool,
    #[serde(default)]
    pub nullable: bool,
    /// A literal default, already rendered as SQL by JS (`'abc'`, `1`, `false`).
    #[serde(default)]
    pub default: Option<String>,
    #[serde(default)]
    pub length: Option<u32>,
    #[serde(default)]
    pub precision: Option<u32>,
    #[serde(default)]
    pub scale: Option<u32>,
    #[serde(default)]
    pub items: Option<Vec<String>>,
    #[serde(default)]
    pub unsigned: bool,
}

#[derive(Clone, Debug, Deserialize)]
pub struct IndexMeta {
    pub properties: Vec<String>,
    pub name: String,
    #[serde(default)]
    pub unique: bool,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EntityMeta {
    pub name: String,
    pub table_name: String,
    pub props: Vec<PropMeta>,
    /// Indexes and unique indexes, in the order their DDL is written.
    #[serde(default)]
    pub indexes: Vec<IndexMeta>,
    /// Indices into `props` of the primary key, in order.
    #[serde(skip)]
    pub pk: Vec<usize>,
    #[serde(skip)]
    pub by_name: HashMap<String, usize>,
    #[serde(skip)]
    pub by_field: HashMap<String, usize>,
}

impl EntityMeta {
    pub fn prop(&self, name: &str) -> Option<&PropMeta> {
        self.by_name.get(name).map(|&i| &self.props[i])
    }

    pub fn prop_index(&self, name: &str) -> Result<usize> {
        self.by_name.get(name).copied().ok_or_else(|| {
            Error::plain(format!(
                "Trying to query by not existing property {}.{}",
                self.name, name
            ))
        })
    }

    /// The single autoincrement primary key, if the entity has one.
    pub fn autoincrement_pk(&self) -> Option<usize> {
        match self.pk.as_slice() {
            [i] if self.props[*i].autoincrement => Some(*i),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, Deserialize)]
pub struct Metadata {
    pub entities: Vec<EntityMeta>,
}

impl Metadata {
    pub fn from_json(json: &str) -> Result<Metadata> {
        let mut meta: Metadata = serde_json::from_str(json)
            .map_err(|e| Error::validation(format!("Invalid metadata: {e}")))?;
        for e in &mut meta.entities {
            for (i, p) in e.props.iter().enumerate() {
                e.by_name.insert(p.name.clone(), i);
                e.by_field.insert(p.field_name.clone(), i);
                if p.primary {
                    e.pk.push(i);
                }
            }
            if e.pk.is_empty() {
                return Err(Error::metadata(format!(
                    "{} entity is missing @PrimaryKey()",
                    e.name
                )));
            }
        }
        Ok(meta)
    }

    pub fn entity(&self, idx: usize) -> Result<&EntityMeta> {
        self.entities
            .get(idx)
            .ok_or_else(|| Error::validation(format!("Unknown entity index {idx}")))
    }
}
