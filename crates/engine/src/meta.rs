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
    /// A string array (MikroORM's ArrayType).
    Array,
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
    /// PostgreSQL: the enum type of an enum property (`create type … as enum`).
    #[serde(default)]
    pub native_enum_name: Option<String>,
    #[serde(default)]
    pub unsigned: bool,
    /// Set on the foreign key column of a many-to-one relation.
    #[serde(default)]
    pub reference: Option<Reference>,
    /// An integer version (optimistic locking): incremented by every update, checked in its `where`.
    #[serde(default)]
    pub version: bool,
    /// A formula: SQL selected instead of a column (never written). `\u{0}` stands for the
    /// alias, `\u{1}` for the alias where MikroORM quotes it (the root's `*` select).
    #[serde(default)]
    pub formula: Option<String>,
    /// Left out of selects unless populated (or named in `fields`).
    #[serde(default)]
    pub lazy: bool,
    /// A JSON array of objects (an array of embeddables): the type of each key of its items.
    /// Conditions on the property test its items.
    #[serde(default)]
    pub json_item_types: Option<HashMap<String, PropType>>,
}

impl PropMeta {
    /// An enum of numbers (a numeric TypeScript enum): an integer column.
    pub fn is_numeric_enum(&self) -> bool {
        self.items
            .as_ref()
            .is_some_and(|i| !i.is_empty() && i.iter().all(|v| v.parse::<f64>().is_ok()))
    }

    /// Whether the property is a table column (not a formula).
    pub fn is_column(&self) -> bool {
        self.formula.is_none()
    }
}

/// A one-to-many relation: the target's rows whose `mapped_by` foreign key points back.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CollectionMeta {
    pub name: String,
    /// The target entity's index.
    pub entity: usize,
    /// The target's owning many-to-one property (one-to-many only).
    #[serde(default)]
    pub mapped_by: String,
    /// A many-to-many collection (joined through its pivot table).
    #[serde(default)]
    pub many_to_many: bool,
    /// The owning side of a bidirectional many-to-many: its items are written before it.
    #[serde(default)]
    pub owner: bool,
    /// The inverse side of a one-to-one: a single entity, joined on every select to read its key.
    #[serde(default)]
    pub one_to_one: bool,
    /// Many-to-many: the pivot entity and its two many-to-one properties.
    #[serde(default)]
    pub pivot: Option<PivotMeta>,
}

/// The pivot entity of a many-to-many collection, seen from one side.
#[derive(Clone, Debug, Deserialize)]
pub struct PivotMeta {
    /// The pivot entity's index.
    pub entity: usize,
    /// Its many-to-one property pointing at the collection's owner.
    pub owner: String,
    /// Its many-to-one property pointing at the collection's items.
    pub item: String,
}

/// What a foreign key column points at.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Reference {
    /// The target entity's index.
    pub entity: usize,
    /// The target's referenced column.
    pub field_name: String,
    /// The constraint's name (`book_author_id_foreign`).
    pub constraint: String,
    #[serde(default)]
    pub update_rule: Option<String>,
    #[serde(default)]
    pub delete_rule: Option<String>,
    /// A composite foreign key: the properties holding its other columns, in key order...
    #[serde(default)]
    pub parts: Vec<String>,
    /// ...and the target's columns they reference.
    #[serde(default)]
    pub part_fields: Vec<String>,
}

/// Single-table inheritance: the entity lives in its root's table, its rows told apart by a
/// discriminator column.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Discriminator {
    /// The root entity's index (the owner of the table).
    pub root: usize,
    /// The discriminator property.
    pub prop: String,
    /// The values of this entity's rows and its subclasses' rows, its own first.
    pub values: Vec<String>,
    /// On the root: the `values` of the entity each discriminator value stands for.
    #[serde(default)]
    pub classes: HashMap<String, Vec<String>>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct IndexMeta {
    pub properties: Vec<String>,
    pub name: String,
    #[serde(default)]
    pub unique: bool,
    /// The index of a foreign key's columns (some dialects create none).
    #[serde(default)]
    pub foreign: bool,
    /// MikroORM's index `type` (`fulltext`, or an access method; see `Dialect::typed_index`).
    #[serde(default, rename = "type")]
    pub ty: Option<String>,
    /// A whole `create index` statement given by the user, written as is.
    #[serde(default)]
    pub expression: Option<String>,
}

impl IndexMeta {
    /// A fulltext index (a unique one too: MikroORM writes it as a plain fulltext index). The
    /// type is matched as written, as MikroORM does (`FULLTEXT` is a plain index).
    pub fn is_fulltext(&self) -> bool {
        self.ty.as_deref() == Some("fulltext")
    }
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
    /// One-to-many collections (not columns).
    #[serde(default)]
    pub collections: Vec<CollectionMeta>,
    /// The column order of inserts when it differs from the property order (pivot tables).
    #[serde(default)]
    pub insert_order: Option<Vec<String>>,
    /// A many-to-many pivot table: its rows are written after the entities' inserts and updates,
    /// deletes first.
    #[serde(default)]
    pub pivot: bool,
    /// Single-table inheritance (every entity of the hierarchy has the root's properties).
    #[serde(default)]
    pub discriminator: Option<Discriminator>,
    /// The entity that owns (creates) this entity's table: a pivot's `pivotEntity`.
    #[serde(default)]
    pub table_of: Option<usize>,
    /// The schema generator leaves the table alone (`schemaGenerator.skipTables`/`ignoreSchema`):
    /// not created, dropped, cleared nor diffed.
    #[serde(default)]
    pub schema_skip: bool,
    /// Indices into `props` of the primary key, in order.
    #[serde(skip)]
    pub pk: Vec<usize>,
    /// This entity's index in `Metadata::entities`.
    #[serde(skip)]
    pub index: usize,
    #[serde(skip)]
    pub by_name: HashMap<String, usize>,
    #[serde(skip)]
    pub by_field: HashMap<String, usize>,
}

/// MikroORM's alias: the first letter of `name`, lower case, and a number (`a0`, `b1`).
pub fn alias_of(name: &str, n: usize) -> String {
    let letter = name
        .chars()
        .find(char::is_ascii_alphabetic)
        .map_or('e', |c| c.to_ascii_lowercase());
    format!("{letter}{n}")
}

/// A table (or type) name as the metadata gives it, `schema.name` where a schema applies:
/// its schema, if any, and its own name.
pub fn split_schema(name: &str) -> (Option<&str>, &str) {
    match name.rsplit_once('.') {
        Some((schema, own)) => (Some(schema), own),
        None => (None, name),
    }
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

    pub fn collection(&self, name: &str) -> Option<usize> {
        self.collections.iter().position(|c| c.name == name)
    }

    /// MikroORM's alias for the `n`-th table of a query: the entity's first letter and `n` (`a0`).
    pub fn alias(&self, n: usize) -> String {
        // MikroORM names aliases after the entity (a pivot table's entity after its table).
        alias_of(
            if self.pivot {
                &self.table_name
            } else {
                &self.name
            },
            n,
        )
    }

    /// The primary key's column (the first one of a composite key).
    pub fn pk_column(&self) -> &str {
        self.pk
            .first()
            .map_or("id", |&i| self.props[i].field_name.as_str())
    }

    /// The properties a removed row is named by: a pivot's two foreign keys (its primary key,
    /// unless it has an order column), else the primary key.
    pub fn removal_key(&self) -> Vec<usize> {
        if self.pivot {
            (0..self.props.len())
                .filter(|&i| self.props[i].reference.is_some())
                .collect()
        } else {
            self.pk.clone()
        }
    }

    /// A foreign key's columns: (property, referenced column) for each, its own first.
    pub fn fk_columns(&self, prop: usize) -> Vec<(usize, &str)> {
        let Some(r) = &self.props[prop].reference else {
            return vec![(prop, "id")];
        };
        let mut out = vec![(prop, r.field_name.as_str())];
        for (name, field) in r.parts.iter().zip(&r.part_fields) {
            if let Some(&i) = self.by_name.get(name) {
                out.push((i, field.as_str()));
            }
        }
        out
    }

    /// The version property, if the entity has one.
    pub fn version_prop(&self) -> Option<usize> {
        self.props.iter().position(|p| p.version)
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
    /// A secret JS puts in the raw SQL fragments it sends (`raw()`, `sql`): a fragment without
    /// it is data, so a filter object from user input cannot carry SQL.
    #[serde(default, rename = "rawNonce")]
    pub raw_nonce: String,
}

impl Metadata {
    pub fn from_json(json: &str) -> Result<Metadata> {
        let mut meta: Metadata = serde_json::from_str(json)
            .map_err(|e| Error::validation(format!("Invalid metadata: {e}")))?;
        for (index, e) in meta.entities.iter_mut().enumerate() {
            e.index = index;
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
        let count = meta.entities.len();
        for e in &meta.entities {
            for p in &e.props {
                if let Some(r) = p.reference.as_ref().filter(|r| r.entity >= count) {
                    return Err(Error::metadata(format!(
                        "{}.{} references unknown entity index {}",
                        e.name, p.name, r.entity
                    )));
                }
            }
        }
        Ok(meta)
    }

    /// The entity owning `idx`'s table: the root of a single-table hierarchy, else `idx`.
    pub fn table_owner(&self, idx: usize) -> usize {
        let Some(e) = self.entities.get(idx) else {
            return idx;
        };
        e.discriminator
            .as_ref()
            .map(|d| d.root)
            .or(e.table_of)
            .unwrap_or(idx)
    }

    /// Entities a row of `idx` references (its many-to-one targets), in property order.
    pub fn references(&self, idx: usize) -> impl Iterator<Item = usize> + '_ {
        self.entities
            .get(idx)
            .into_iter()
            .flat_map(|e| e.props.iter().filter_map(|p| p.reference.as_ref()))
            .map(|r| self.table_owner(r.entity))
    }

    pub fn entity(&self, idx: usize) -> Result<&EntityMeta> {
        self.entities
            .get(idx)
            .ok_or_else(|| Error::validation(format!("Unknown entity index {idx}")))
    }
}
