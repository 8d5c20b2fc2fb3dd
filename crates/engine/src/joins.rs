//! The entities a query reaches through many-to-one relations: the root (node 0) and one join
//! per relation path, each with MikroORM's alias (`a1`, `p2`: the table's first letter and the
//! join's position).

use crate::error::{Error, Result};
use crate::meta::{EntityMeta, Metadata, PropMeta};

/// How a node is reached from its parent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Via {
    /// The parent's many-to-one property (index into its props).
    Reference(usize),
    /// The parent's one-to-many collection (index into its collections).
    Collection(usize),
}

pub struct Node<'m> {
    pub alias: Option<String>,
    pub entity: &'m EntityMeta,
    pub entity_index: usize,
    /// The node this one was joined from, and through what.
    pub parent: Option<(usize, Via)>,
    /// Populated: its columns are selected and its rows hydrated.
    pub populate: bool,
    /// Joined to read the key of an inverse one-to-one (`p1`.`id` as `p1__id`).
    pub key_only: bool,
    /// The property path from the root (`author.country`).
    pub path: String,
}

/// A column of one of the query's entities.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Col {
    pub node: usize,
    pub prop: usize,
}

pub struct Joins<'m> {
    meta: &'m Metadata,
    pub nodes: Vec<Node<'m>>,
}

impl<'m> Joins<'m> {
    pub fn new(meta: &'m Metadata, entity_index: usize, alias: Option<&str>) -> Result<Self> {
        Ok(Joins {
            meta,
            nodes: vec![Node {
                alias: alias.map(str::to_string),
                entity: meta.entity(entity_index)?,
                entity_index,
                parent: None,
                populate: false,
                key_only: false,
                path: String::new(),
            }],
        })
    }

    pub fn entity(&self, node: usize) -> &'m EntityMeta {
        self.nodes[node].entity
    }

    pub fn alias(&self, node: usize) -> Option<&str> {
        self.nodes[node].alias.as_deref()
    }

    pub fn prop(&self, col: Col) -> &'m PropMeta {
        &self.nodes[col.node].entity.props[col.prop]
    }

    /// The entity `node`'s many-to-one `prop` points at.
    pub fn target(&self, node: usize, prop: usize) -> Result<&'m EntityMeta> {
        let from = self.nodes[node].entity;
        let p = &from.props[prop];
        match &p.reference {
            Some(r) => self.meta.entity(r.entity),
            None => Err(Error::validation(format!(
                "{}.{} is not a relation",
                from.name, p.name
            ))),
        }
    }

    /// The node joined from `parent` through its many-to-one `prop`, added if new.
    pub fn join(&mut self, parent: usize, prop: usize) -> Result<usize> {
        let from = self.nodes[parent].entity;
        let p = &from.props[prop];
        let Some(r) = &p.reference else {
            return Err(Error::validation(format!(
                "{}.{} is not a relation",
                from.name, p.name
            )));
        };
        self.add(parent, Via::Reference(prop), r.entity, &p.name)
    }

    /// The node joined from `parent` through its collection `index`, added if new.
    pub fn join_collection(&mut self, parent: usize, index: usize) -> Result<usize> {
        let c = &self.nodes[parent].entity.collections[index];
        if c.many_to_many {
            return Err(Error::not_implemented(format!(
                "joining the many-to-many collection {}.{} (populate it with the select-in strategy)",
                self.nodes[parent].entity.name, c.name
            )));
        }
        let (entity, name) = (c.entity, c.name.clone());
        self.add(parent, Via::Collection(index), entity, &name)
    }

    fn add(&mut self, parent: usize, via: Via, entity_index: usize, name: &str) -> Result<usize> {
        if let Some(i) = self
            .nodes
            .iter()
            .position(|n| n.parent == Some((parent, via)))
        {
            return Ok(i);
        }
        let entity = self.meta.entity(entity_index)?;
        let path = match self.nodes[parent].path.as_str() {
            "" => name.to_string(),
            base => format!("{base}.{name}"),
        };
        self.nodes.push(Node {
            alias: Some(entity.alias(self.nodes.len())),
            entity,
            entity_index,
            parent: Some((parent, via)),
            populate: false,
            key_only: false,
            path,
        });
        Ok(self.nodes.len() - 1)
    }

    /// Joins every relation on `path` (`author.country`, `books`) and marks them populated.
    pub fn populate(&mut self, path: &str) -> Result<()> {
        let mut node = 0;
        for name in path.split('.') {
            let entity = self.entity(node);
            node = match entity.collection(name) {
                Some(c) => self.join_collection(node, c)?,
                None => {
                    let prop = entity.prop_index(name)?;
                    if entity.props[prop].reference.is_none() {
                        return Err(Error::validation(format!(
                            "Entity '{}' does not have relation '{name}' (populate '{path}')",
                            entity.name
                        )));
                    }
                    self.join(node, prop)?
                }
            };
            self.nodes[node].populate = true;
        }
        Ok(())
    }

    /// Whether a one-to-many join multiplies the root rows.
    pub fn has_collection_joins(&self) -> bool {
        self.nodes
            .iter()
            .any(|n| matches!(n.parent, Some((_, Via::Collection(_)))))
    }

    pub fn has_joins(&self) -> bool {
        self.nodes.len() > 1
    }
}
