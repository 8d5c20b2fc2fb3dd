//! The entities a query reaches through many-to-one relations: the root (node 0) and one join
//! per relation path, each with MikroORM's alias (`a1`, `p2`: the table's first letter and the
//! join's position).

use crate::error::{Error, Result};
use crate::filter::Cond;
use crate::meta::{alias_of, EntityMeta, Metadata, PropMeta};

/// How a node is reached from its parent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Via {
    /// The parent's many-to-one property (index into its props).
    Reference(usize),
    /// The parent's one-to-many collection (index into its collections).
    Collection(usize),
    /// The pivot row of the parent's many-to-many collection (index into its collections); the
    /// items are joined from it through the pivot's item reference.
    Pivot(usize),
    /// A derived table (a subquery or raw SQL) joined under its alias, on the user's condition.
    Derived,
}

/// What a QueryBuilder join reads instead of a table: `(subquery)` or `(raw SQL)`.
#[derive(Debug, Clone)]
pub struct Source {
    pub sql: String,
    pub params: Vec<crate::Value>,
    /// `join lateral (…)`: the subquery sees the tables joined before it.
    pub lateral: bool,
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
    /// A left (`true`) or inner join regardless of the relation's nullability.
    pub left: Option<bool>,
    /// More conditions of the join (`… on b0.author_id = a1.id and a1.active = true`): the
    /// target's filters.
    pub on: Option<Cond>,
    /// Joined by the QueryBuilder under the user's alias (it takes no number).
    pub explicit: bool,
    /// Populated with only these properties (`leftJoinAndSelect(…, fields)`).
    pub fields: Option<Vec<usize>>,
    /// Read from a subquery or raw SQL instead of the entity's table.
    pub source: Option<Source>,
}

impl<'m> Node<'m> {
    fn new(
        alias: Option<String>,
        entity: &'m EntityMeta,
        entity_index: usize,
        parent: Option<(usize, Via)>,
        path: String,
        left: Option<bool>,
    ) -> Self {
        Node {
            alias,
            entity,
            entity_index,
            parent,
            populate: false,
            key_only: false,
            path,
            left,
            on: None,
            explicit: false,
            fields: None,
            source: None,
        }
    }
}

/// A node of a subquery's joins, without borrowed metadata (kept in a condition).
#[derive(Clone, Debug, PartialEq)]
pub struct SubNode {
    pub alias: Option<String>,
    pub entity_index: usize,
    pub parent: Option<(usize, Via)>,
    pub left: Option<bool>,
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
    /// A collection-operator subquery: every join is inner, and many-to-many items take their
    /// own table's letter.
    pub subquery: bool,
    /// Conditions join relations anew instead of reusing populated joins (MikroORM keeps the
    /// rows a condition selects apart from the items it loads: `left join book as b2`).
    pub separate_conditions: bool,
}

impl<'m> Joins<'m> {
    pub fn new(meta: &'m Metadata, entity_index: usize, alias: Option<&str>) -> Result<Self> {
        Ok(Joins {
            meta,
            nodes: vec![Node::new(
                alias.map(str::to_string),
                meta.entity(entity_index)?,
                entity_index,
                None,
                String::new(),
                None,
            )],
            subquery: false,
            separate_conditions: false,
        })
    }

    /// The joins of a subquery over `node`'s entity. As MikroORM, it takes the root's alias
    /// and numbers its joins from 1 again (`a1`.`id` in (select `b0`.`id` from `author` as `b0` …)).
    pub fn subquery(&self, node: usize) -> Joins<'m> {
        let n = &self.nodes[node];
        Joins {
            meta: self.meta,
            // Without an alias (update, delete) the subquery still needs one.
            nodes: vec![Node::new(
                Some(
                    self.nodes[0]
                        .alias
                        .clone()
                        .unwrap_or_else(|| n.entity.alias(0)),
                ),
                n.entity,
                n.entity_index,
                None,
                String::new(),
                None,
            )],
            subquery: true,
            separate_conditions: false,
        }
    }

    pub fn detach(&self) -> Vec<SubNode> {
        self.nodes
            .iter()
            .map(|n| SubNode {
                alias: n.alias.clone(),
                entity_index: n.entity_index,
                parent: n.parent,
                left: n.left,
            })
            .collect()
    }

    /// Joins rebuilt from `detach()`ed nodes of this query's metadata.
    pub fn attach(&self, nodes: &[SubNode]) -> Joins<'m> {
        let meta = self.meta;
        Joins {
            meta,
            nodes: nodes
                .iter()
                .map(|n| {
                    let entity = &meta.entities[n.entity_index];
                    Node::new(
                        n.alias.clone(),
                        entity,
                        n.entity_index,
                        n.parent,
                        String::new(),
                        n.left,
                    )
                })
                .collect(),
            subquery: true,
            separate_conditions: false,
        }
    }

    pub fn meta(&self) -> &'m Metadata {
        self.meta
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

    /// The number the next generated alias takes (`b1`): the nodes named so far, the root
    /// included; QueryBuilder aliases take none.
    fn next_number(&self) -> usize {
        self.nodes.iter().filter(|n| !n.explicit).count()
    }

    /// The node with this QueryBuilder alias.
    pub fn by_alias(&self, alias: &str) -> Option<usize> {
        self.nodes
            .iter()
            .position(|n| n.explicit && n.alias.as_deref() == Some(alias))
    }

    /// A QueryBuilder join: `parent`'s relation `name` under `alias`, inner or `left`. A
    /// many-to-many's pivot gets a generated alias (`b1`).
    pub fn join_as(&mut self, parent: usize, name: &str, alias: &str, left: bool) -> Result<usize> {
        let entity = self.nodes[parent].entity;
        let (pivot, node) = match entity.collection(name) {
            Some(c) if entity.collections[c].many_to_many => {
                let (pivot, items) = self.join_pivot(parent, c, true, true)?;
                (Some(pivot), items)
            }
            Some(c) => (None, self.join_collection(parent, c)?),
            None => {
                let prop = entity.prop_index(name)?;
                if entity.props[prop].reference.is_none() {
                    return Err(Error::validation(format!(
                        "{}.{name} is not a relation, it cannot be joined",
                        entity.name
                    )));
                }
                (None, self.join(parent, prop)?)
            }
        };
        let n = &mut self.nodes[node];
        n.alias = Some(alias.to_string());
        n.explicit = true;
        n.left = Some(left);
        if let Some(p) = pivot {
            let number = self.nodes[..p].iter().filter(|n| !n.explicit).count();
            let pn = &mut self.nodes[p];
            pn.alias = Some(pn.entity.alias(number));
            pn.left = Some(left);
        }
        Ok(node)
    }

    /// A derived table joined under `alias` (its columns are named through raw references).
    pub fn join_derived(&mut self, alias: &str, left: bool, source: Source) -> usize {
        let root = &self.nodes[0];
        let mut node = Node::new(
            Some(alias.to_string()),
            root.entity,
            root.entity_index,
            Some((0, Via::Derived)),
            alias.to_string(),
            Some(left),
        );
        node.explicit = true;
        node.source = Some(source);
        self.nodes.push(node);
        self.nodes.len() - 1
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

    /// The node joined from `parent` through its collection `index` (for a many-to-many, the
    /// items joined through the pivot), added if new.
    pub fn join_collection(&mut self, parent: usize, index: usize) -> Result<usize> {
        let c = &self.nodes[parent].entity.collections[index];
        if c.many_to_many {
            // A collection operator's subquery names its collection's items by their own letter.
            let own_letter = self.subquery && parent == 0;
            return self
                .join_pivot(parent, index, true, own_letter)
                .map(|(_, items)| items);
        }
        let (entity, name) = (c.entity, c.name.clone());
        self.add(parent, Via::Collection(index), entity, &name)
    }

    /// The pivot rows of `parent`'s many-to-many collection `index`, and with `items` the items
    /// joined from them, added if new. MikroORM numbers the items before the pivot, and in a
    /// plain query names both after the pivot table: `left join book_tags as b2 … left join tag
    /// as b1` (the items take their own letter when populated and in subqueries: `own_letter`).
    /// Returns the pivot's node and the items' (the pivot's when `items` is false).
    pub fn join_pivot(
        &mut self,
        parent: usize,
        index: usize,
        items: bool,
        own_letter: bool,
    ) -> Result<(usize, usize)> {
        let from = self.nodes[parent].entity;
        let c = &from.collections[index];
        let Some(pivot) = &c.pivot else {
            return Err(Error::validation(format!(
                "{}.{} has no pivot table",
                from.name, c.name
            )));
        };
        let pivot_meta = self.meta.entity(pivot.entity)?;
        let item = pivot_meta.prop_index(&pivot.item)?;
        let left = Some(!(self.subquery && parent == 0));
        let (name, target) = (c.name.clone(), c.entity);
        let existing = self.find(parent, Via::Pivot(index));
        let pivot_node = match existing {
            Some(p) => p,
            None => {
                // The items' number comes first when both are new.
                let number = self.next_number() + usize::from(items);
                let path = format!("{}[pivot]", self.path_of(parent, &name));
                self.nodes.push(Node::new(
                    Some(pivot_meta.alias(number)),
                    pivot_meta,
                    pivot.entity,
                    Some((parent, Via::Pivot(index))),
                    path,
                    left,
                ));
                self.nodes.len() - 1
            }
        };
        if !items {
            return Ok((pivot_node, pivot_node));
        }
        if let Some(t) = self.find(pivot_node, Via::Reference(item)) {
            return Ok((pivot_node, t));
        }
        let number = if existing.is_some() {
            self.next_number()
        } else {
            self.next_number() - 1
        };
        let entity = self.meta.entity(target)?;
        let alias = if own_letter && !self.subquery {
            // Populated items are named after the collection property.
            alias_of(&name, number)
        } else if own_letter {
            entity.alias(number)
        } else {
            pivot_meta.alias(number)
        };
        let path = self.path_of(parent, &name);
        self.nodes.push(Node::new(
            Some(alias),
            entity,
            target,
            Some((pivot_node, Via::Reference(item))),
            path,
            left,
        ));
        Ok((pivot_node, self.nodes.len() - 1))
    }

    fn find(&self, parent: usize, via: Via) -> Option<usize> {
        let to_many = matches!(via, Via::Collection(_) | Via::Pivot(_));
        (0..self.nodes.len()).find(|&i| {
            self.nodes[i].parent == Some((parent, via))
                && !(self.separate_conditions && to_many && self.loads(i))
        })
    }

    /// Whether `node` is populated or leads to a populated node (a many-to-many's pivot).
    pub fn loads(&self, node: usize) -> bool {
        self.nodes[node].populate
            || self
                .nodes
                .iter()
                .enumerate()
                .any(|(i, n)| n.parent.is_some_and(|(p, _)| p == node) && self.loads(i))
    }

    fn path_of(&self, parent: usize, name: &str) -> String {
        match self.nodes[parent].path.as_str() {
            "" => name.to_string(),
            base => format!("{base}.{name}"),
        }
    }

    fn add(&mut self, parent: usize, via: Via, entity_index: usize, name: &str) -> Result<usize> {
        if let Some(i) = self.find(parent, via) {
            return Ok(i);
        }
        let entity = self.meta.entity(entity_index)?;
        let path = self.path_of(parent, name);
        self.nodes.push(Node::new(
            Some(entity.alias(self.next_number())),
            entity,
            entity_index,
            Some((parent, via)),
            path,
            // A subquery joins its collection inner; what is below it joins as usual.
            (self.subquery && parent == 0).then_some(false),
        ));
        Ok(self.nodes.len() - 1)
    }

    /// Joins every relation on `path` (`author.country`, `books`) and marks them populated.
    pub fn populate(&mut self, path: &str) -> Result<()> {
        self.join_path(path, true).map(|_| ())
    }

    /// Joins every relation on `path`, marking them populated with `populate`; returns the last.
    pub fn join_path(&mut self, path: &str, populate: bool) -> Result<usize> {
        let mut node = 0;
        for name in path.split('.') {
            let entity = self.entity(node);
            let count = self.nodes.len();
            node = match entity.collection(name) {
                Some(c) if entity.collections[c].many_to_many => {
                    self.join_pivot(node, c, true, populate)?.1
                }
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
            if populate && node == count && !self.subquery {
                // A populated relation is named after its property (`writer` → `w1`).
                let number = self.next_number() - 1;
                self.nodes[node].alias = Some(alias_of(name, number));
            }
            self.nodes[node].populate |= populate;
        }
        Ok(node)
    }

    /// Whether a one-to-many join multiplies the root rows.
    pub fn has_collection_joins(&self) -> bool {
        self.nodes
            .iter()
            .any(|n| matches!(n.parent, Some((_, Via::Collection(_) | Via::Pivot(_)))))
    }

    pub fn has_joins(&self) -> bool {
        self.nodes.len() > 1
    }
}
