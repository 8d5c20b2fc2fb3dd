//! The unit of work: snapshots of managed entities, change sets, and the flush plan.
//!
//! JS sends one message per flush with the current state of every managed entity, the new ones and
//! the removed ones. Each row is `[mask…, v0 … vn, u0 … uk]`: one 30-bit mask per 30 properties
//! telling which values are defined (a `undefined` property is neither written nor compared),
//! the property values in metadata order, then the values of `onUpdate` properties, used only
//! when the row has changes. Snapshots change only in `apply`, after the database committed.

use rustc_hash::FxHashMap as HashMap;
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::convert::raw_to_db;
use crate::dialect::Dialect;
use crate::error::{Error, Result};
use crate::meta::{EntityMeta, Metadata, PropMeta, PropType};
use crate::order::dependency_order;
use crate::query::write_returning_pk;
use crate::sql::{Sql, Writer};
use crate::value::Value;

mod bulk;

const MASK_BITS: usize = 30;

/// Identity of a row inside one entity's snapshot table.
#[derive(Clone, Debug, Hash, PartialEq, Eq)]
pub enum Key {
    Int(i64),
    Text(String),
    Composite(Vec<Key>),
}

impl Key {
    pub fn of(v: &Value) -> Key {
        match v {
            Value::Int(i) => Key::Int(*i),
            // Bigint keys arrive from JS as text and come back from the database as integers.
            Value::Text(s) => match s.parse::<i64>() {
                Ok(i) if i.to_string() == *s => Key::Int(i),
                _ => Key::Text(s.clone()),
            },
            Value::Real(f) if f.fract() == 0.0 => Key::Int(*f as i64),
            other => Key::Text(format!("{other:?}")),
        }
    }

    pub fn from_row(entity: &EntityMeta, row: &[Option<Value>]) -> Option<Key> {
        match entity.pk.as_slice() {
            [i] => row[*i].as_ref().map(Key::of),
            pk => pk
                .iter()
                .map(|i| row[*i].as_ref().map(Key::of))
                .collect::<Option<Vec<_>>>()
                .map(Key::Composite),
        }
    }
}

pub type Snapshot = Vec<Option<Value>>;

/// Whether a property's new value equals its snapshot. Dates compare as instants: the database
/// may give back another text for the same one (`…:05` for `…:05.000`); JSON as JSON.
fn same_value(p: &PropMeta, v: &Value, snap: &Value) -> bool {
    let ms = |x: &Value| match x {
        Value::Int(i) => Some(*i),
        Value::Text(t) => crate::time::parse_iso_datetime(t),
        _ => None,
    };
    if p.ty == PropType::Datetime {
        if let (Some(a), Some(b)) = (ms(v), ms(snap)) {
            return a == b;
        }
    }
    // JSON compares as JSON: PostgreSQL gives jsonb back as its own text (`{"x": 1}`).
    if p.ty == PropType::Json {
        if let (Value::Text(a), Value::Text(b)) = (v, snap) {
            if a != b {
                let parse = |t: &str| serde_json::from_str::<serde_json::Value>(t).ok();
                return matches!((parse(a), parse(b)), (Some(x), Some(y)) if x == y);
            }
        }
    }
    v.same(snap)
}

#[derive(Default, Clone)]
pub struct UnitOfWork {
    snapshots: Vec<HashMap<Key, Snapshot>>,
}

#[derive(Debug, Deserialize)]
pub struct FlushInput<'a> {
    #[serde(borrow)]
    pub entities: Vec<EntityChanges<'a>>,
}

/// One row of the flush message; values stay unparsed until converted by property type.
pub type Row<'a> = Vec<&'a RawValue>;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EntityChanges<'a> {
    pub entity: usize,
    #[serde(default, borrow)]
    pub insert: Vec<Row<'a>>,
    #[serde(default, borrow)]
    pub managed: Vec<Row<'a>>,
    /// Property indices of `onUpdate` properties, matching the row tails.
    #[serde(default)]
    pub on_update: Vec<usize>,
    /// Primary key values of removed entities, as `[pk0, …]` each.
    #[serde(default, borrow)]
    pub remove: Vec<Row<'a>>,
    /// Where this entity type first appears among the new entities (persist order).
    #[serde(default)]
    pub insert_at: Option<u64>,
    /// Identity-map position of each `managed` row (order of loading / inserting).
    #[serde(default)]
    pub managed_seq: Vec<u64>,
    /// Where this entity type first appears among the removed entities.
    #[serde(default)]
    pub remove_at: Option<u64>,
    /// Pivot rows added to collections that were never loaded: they may exist already
    /// (`on conflict do nothing`).
    #[serde(default)]
    pub ignore_conflicts: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepKind {
    /// The next `count` of `group`'s inserts; `returning` gives back their keys, or with
    /// `increment` they are the `count` consecutive keys ending at the last insert id.
    Insert {
        group: usize,
        count: usize,
        returning: bool,
        increment: bool,
    },
    Update,
    /// One single-row `update` per change set, sharing the statement text: `params` holds
    /// `width` values per row. Rows are `group`'s updates from index `first` on.
    UpdateRows {
        group: usize,
        first: usize,
        width: usize,
    },
    Delete,
    /// The select that finds the versioned rows a batched update is about to change.
    VersionCheck,
    /// Without `returning` (MySQL): the select that reads back the keys and versions of rows
    /// just inserted or updated, as MikroORM runs it (the values are known; it is logged).
    Reload,
    /// `update … set fk = ? where pk = ?` for a reference of a row inserted by this flush
    /// to a row inserted after it (same type, or a cycle): `group`'s insert `row`, property `prop`.
    ExtraUpdate {
        group: usize,
        row: usize,
        prop: usize,
    },
}

/// How the flush writes its statements.
#[derive(Debug, Clone, Copy)]
pub struct PlanOptions<'a> {
    /// Rows per multi-row statement (`batchSize`).
    pub batch_size: usize,
    /// Run changed rows as single-row updates instead of batched `case when` updates.
    pub row_updates: bool,
    /// Entities whose generated keys may be taken by increment from the last insert id instead
    /// of `returning` them: nothing else (no trigger) inserts into their table meanwhile.
    pub increment_keys: &'a [usize],
    /// Bind whole columns as arrays where the dialect can (`Dialect::bulk_arrays`): for flushes
    /// no log shows, whose failure can be run again in MikroORM's statements.
    pub bulk: bool,
}

/// A foreign key value pointing at a row inserted by the same flush (`{"new":[entity,row]}` in
/// the message): the row's generated key, known once its insert ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct NewRef {
    /// The target entity's index.
    pub entity: usize,
    /// The target's position among that entity's inserts in this flush.
    pub row: usize,
}

fn new_ref(raw: &RawValue) -> Option<NewRef> {
    #[derive(Deserialize)]
    struct Marker {
        new: (usize, usize),
    }
    let text = raw.get();
    if !text.starts_with('{') {
        return None;
    }
    serde_json::from_str::<Marker>(text).ok().map(|m| NewRef {
        entity: m.new.0,
        row: m.new.1,
    })
}

/// A parameter filled in with a generated key just before its statement runs.
#[derive(Debug, Clone, Copy)]
struct Fixup {
    param: usize,
    target: NewRef,
    /// For updates: the change (group, update, change index) that takes the key too.
    change: Option<(usize, usize, usize)>,
    /// Bulk steps: the row whose element of array `param` takes the key.
    row: Option<usize>,
}

#[derive(Debug)]
pub struct Step {
    pub sql: Sql,
    pub kind: StepKind,
    /// Insert steps: the property of each column, in `values (…)` order.
    pub columns: Vec<usize>,
    /// Insert steps: the (row, column) places that hold the dialect's missing value (`default`)
    /// instead of a parameter.
    missing: Vec<(usize, usize)>,
    fixups: Vec<Fixup>,
    /// Increment inserts mixing given and generated keys: each row's given key, if any.
    given_keys: Vec<Option<i64>>,
    /// Bulk steps: each array parameter's values (row by row), bound once references to new
    /// rows are filled in.
    arrays: Vec<Vec<Value>>,
    /// Versioned rows: the number of rows the statement must affect (or find), and the entity
    /// named by the `OptimisticLockError` otherwise.
    pub expect: Option<(u64, String)>,
}

impl Step {
    /// A statement with no insert columns, key fixups or row count to check.
    fn statement(w: Writer, kind: StepKind) -> Step {
        Step {
            sql: w.finish(),
            kind,
            columns: Vec::new(),
            missing: Vec::new(),
            fixups: Vec::new(),
            given_keys: Vec::new(),
            arrays: Vec::new(),
            expect: None,
        }
    }

    /// An `increment` insert's keys from its first generated id: consecutive for rows without
    /// a key, skipping past any given key above the counter (as InnoDB's counter does); `Null`
    /// for rows that had their key.
    pub fn keys_from_first_id(&self, first: i64, count: usize) -> Vec<Value> {
        if self.given_keys.is_empty() {
            return (first..first + count as i64).map(Value::Int).collect();
        }
        let mut next = first;
        let mut keys = Vec::with_capacity(self.given_keys.len());
        for given in &self.given_keys {
            match *given {
                Some(k) => {
                    next = next.max(k.saturating_add(1));
                    keys.push(Value::Null);
                }
                None => {
                    keys.push(Value::Int(next));
                    next += 1;
                }
            }
        }
        keys
    }

    /// An `increment` insert whose rows all generate their keys (so the last insert id counts
    /// back to the first).
    pub fn all_keys_generated(&self) -> bool {
        self.given_keys.is_empty()
    }
}

struct Update {
    /// Index into the group's `managed` rows.
    row: usize,
    key: Key,
    /// Primary key values, in `entity.pk` order.
    pk: Vec<Value>,
    /// Changed properties in property order, then `onUpdate` properties not changed by the user.
    changes: Vec<(usize, Value)>,
    /// Changes that point at rows inserted by this flush: (index into `changes`, target).
    refs: Vec<(usize, NewRef)>,
    /// The loaded version of a versioned entity.
    version: Option<Value>,
    /// Single-table inheritance: the discriminator values its entity's rows have.
    class: Vec<String>,
}

/// Whether an unparsed JSON value equals a snapshot value, for the cases decidable without
/// converting (plain strings, integers, booleans, null); `false` means "convert and compare".
fn raw_equals(raw: &RawValue, snap: &Option<Value>) -> bool {
    let text = raw.get();
    match snap {
        Some(Value::Text(t)) => {
            text.len() == t.len() + 2
                && text.starts_with('"')
                && !text.contains('\\')
                && text[1..text.len() - 1] == **t
        }
        Some(Value::Int(i)) => match text {
            "true" => *i == 1,
            "false" => *i == 0,
            _ => text.parse::<i64>().is_ok_and(|v| v == *i),
        },
        Some(Value::Bool(b)) => text == if *b { "true" } else { "false" },
        Some(Value::Null) => text == "null",
        _ => false,
    }
}

struct GroupPlan {
    entity: usize,
    inserts: Vec<Snapshot>,
    /// Insert values that point at rows inserted by this flush: (row, property, target).
    insert_refs: Vec<(usize, usize, NewRef)>,
    updates: Vec<Update>,
    removes: Vec<Key>,
}

/// What a flush will do; keeps what `apply` needs once the database has committed.
pub struct FlushPlan {
    groups: Vec<GroupPlan>,
    /// Group indices in commit order (inserts and updates run in it, deletes in reverse).
    commit: Vec<usize>,
    pub steps: Vec<Step>,
    batch: usize,
}

impl FlushPlan {
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// Fills step `index`'s references to rows inserted earlier in this flush with their keys.
    /// `keys` holds the generated keys of the insert steps run so far, in step order.
    pub fn resolve(&mut self, index: usize, keys: &[Vec<Value>]) -> Result<()> {
        let fixups = std::mem::take(&mut self.steps[index].fixups);
        for f in &fixups {
            let v = self.generated_key(f.target, keys).ok_or_else(|| {
                Error::validation(
                    "A reference to an entity inserted by this flush has no key: its insert did not return one",
                )
            })?;
            if let Some((g, u, c)) = f.change {
                self.groups[g].updates[u].changes[c].1 = v.clone();
            }
            let step = &mut self.steps[index];
            match f.row {
                Some(r) => step.arrays[f.param][r] = v,
                None => step.sql.params[f.param] = v,
            }
        }
        let step = &mut self.steps[index];
        for (param, values) in step.sql.params.iter_mut().zip(&step.arrays) {
            *param = bulk::array_literal(values);
        }
        Ok(())
    }

    /// Whether some step binds whole columns as arrays (see `PlanOptions::bulk`).
    pub fn uses_bulk(&self) -> bool {
        self.steps.iter().any(|s| !s.arrays.is_empty())
    }

    /// The key generated for a row inserted by this flush, if its statement already ran.
    fn generated_key(&self, target: NewRef, keys: &[Vec<Value>]) -> Option<Value> {
        let mut seen = 0;
        let inserts = self.steps.iter().filter_map(|s| match s.kind {
            StepKind::Insert { group, count, .. } => Some((group, count)),
            _ => None,
        });
        for (ordinal, (group, count)) in inserts.enumerate() {
            if self.groups[group].entity != target.entity {
                continue;
            }
            if target.row < seen + count {
                return keys
                    .get(ordinal)?
                    .get(target.row - seen)
                    .filter(|v| **v != Value::Null)
                    .cloned();
            }
            seen += count;
        }
        None
    }

    /// Per flushed entity type: its index and the changed `managed` rows with their changed
    /// properties (what `beforeUpdate` hooks see).
    pub fn updates(&self) -> Vec<(usize, Vec<ChangedRow>)> {
        self.groups
            .iter()
            .map(|g| {
                let rows = g
                    .updates
                    .iter()
                    .map(|u| (u.row, u.changes.iter().map(|(p, _)| *p).collect()))
                    .collect();
                (g.entity, rows)
            })
            .collect()
    }

    /// The batched `case when` statement MikroORM would have run for `group`'s update `index`,
    /// so an error from a single-row update reports the same SQL.
    pub fn batched_update_sql(
        &self,
        d: &dyn Dialect,
        meta: &Metadata,
        group: usize,
        index: usize,
    ) -> Result<Sql> {
        let g = &self.groups[group];
        let entity = meta.entity(g.entity)?;
        let start = index / self.batch * self.batch;
        let end = (start + self.batch).min(g.updates.len());
        let as_batch = end - start > 1 || (g.updates.len() > 1 && d.batch_form_for_one_row());
        Ok(update_step(
            d,
            entity,
            &g.updates[start..end],
            (group, start),
            true,
            as_batch,
        )
        .sql)
    }
}

/// A changed `managed` row: its index in the flush message and its changed properties.
pub type ChangedRow = (usize, Vec<usize>);

/// Per flushed entity: its index, the generated keys of its inserts (in insert order) and the
/// indices of its `managed` rows that were updated.
pub type Applied = (usize, Vec<Value>, Vec<usize>);

/// Generated keys per insert step, in step order, as returned by the driver.
pub type GeneratedKeys = Vec<Vec<Value>>;

fn masks_len(props: usize) -> usize {
    props.div_ceil(MASK_BITS).max(1)
}

/// The row's masks of defined properties, parsed once per row.
fn masks(row: &[&RawValue], count: usize) -> Vec<u64> {
    row[..count.min(row.len())]
        .iter()
        .map(|m| m.get().parse().unwrap_or(0))
        .collect()
}

fn is_defined(masks: &[u64], prop: usize) -> bool {
    masks.get(prop / MASK_BITS).copied().unwrap_or(0) & (1 << (prop % MASK_BITS)) != 0
}

impl UnitOfWork {
    pub fn new() -> Self {
        Self::default()
    }

    fn table(&mut self, entity: usize) -> &mut HashMap<Key, Snapshot> {
        if self.snapshots.len() <= entity {
            self.snapshots.resize_with(entity + 1, HashMap::default);
        }
        &mut self.snapshots[entity]
    }

    pub fn clear(&mut self) {
        self.snapshots.clear();
    }

    /// A rough size of the snapshots in bytes, for the JS engine's memory accounting.
    pub fn approx_bytes(&self) -> usize {
        self.snapshots
            .iter()
            .map(|t| {
                t.values()
                    .next()
                    .map_or(0, |row| t.len() * (64 + row.len() * 48))
            })
            .sum()
    }

    /// Registers a loaded row as the entity's snapshot. For an entity loaded before (without
    /// `refresh`), the row's values join the snapshot, and the properties whose value changed
    /// in the database are returned with their previous value: the entity takes the new value
    /// where it still holds the previous one (not changed since), as MikroORM merges data.
    pub fn register_loaded(
        &mut self,
        entity: &EntityMeta,
        idx: usize,
        row: Snapshot,
        refresh: bool,
    ) -> Vec<(usize, Value)> {
        if entity.pivot {
            // Links keep no snapshots (see `apply`).
            return Vec::new();
        }
        let Some(key) = Key::from_row(entity, &row) else {
            return Vec::new();
        };
        // A single-table hierarchy keeps its snapshots (and flushes) under its root.
        let idx = entity.discriminator.as_ref().map_or(idx, |d| d.root);
        let table = self.table(idx);
        let mut changed = Vec::new();
        match table.get_mut(&key) {
            Some(snap) if !refresh => {
                for (i, (s, v)) in snap.iter_mut().zip(row).enumerate() {
                    match (s.as_mut(), v) {
                        (_, None) => {}
                        (Some(old), Some(new)) => {
                            if !same_value(&entity.props[i], old, &new) {
                                changed.push((i, std::mem::replace(old, new)));
                            }
                        }
                        (None, new) => *s = new,
                    }
                }
            }
            _ => {
                table.insert(key, row);
            }
        }
        changed
    }

    /// Registers an entity's current state (a flush message row) as its snapshot, as if it had
    /// just been loaded (`em.merge()`). References must be keys, not new entities.
    pub fn register_state(
        &mut self,
        d: &dyn Dialect,
        entity: &EntityMeta,
        idx: usize,
        row: &[&RawValue],
    ) -> Result<()> {
        let mut refs = Vec::new();
        let snap = Self::convert_row(d, entity, row, &mut refs)?;
        if !refs.is_empty() {
            return Err(Error::validation(format!(
                "A merged {} entity references a new entity; flush that one first",
                entity.name
            )));
        }
        if Key::from_row(entity, &snap).is_none() {
            return Err(Error::validation(format!(
                "You cannot merge entity '{}' without identifier!",
                entity.name
            )));
        }
        self.register_loaded(entity, idx, snap, true);
        Ok(())
    }

    /// Forgets one entity (e.g. `em.clear()` of one, or a detached entity).
    pub fn unregister(&mut self, entity: usize, key: &Key) {
        if let Some(t) = self.snapshots.get_mut(entity) {
            t.remove(key);
        }
    }

    fn convert_row(
        d: &dyn Dialect,
        entity: &EntityMeta,
        row: &[&RawValue],
        refs: &mut Vec<(usize, NewRef)>,
    ) -> Result<Snapshot> {
        let n = entity.props.len();
        let off = masks_len(n);
        if row.len() < off + n {
            return Err(Error::validation(format!(
                "Flush message row for {} has {} values, expected {}",
                entity.name,
                row.len(),
                off + n
            )));
        }
        let defined = masks(row, off);
        let mut out = Vec::with_capacity(n);
        for (i, p) in entity.props.iter().enumerate() {
            out.push(if !is_defined(&defined, i) || !p.is_column() {
                None
            } else if let Some(r) = p.reference.as_ref().and(new_ref(row[off + i])) {
                refs.push((i, r));
                Some(Value::Null)
            } else {
                Some(raw_to_db(d, entity, p, row[off + i])?)
            });
        }
        Ok(out)
    }

    /// Computes change sets and the statements to run. Nothing is changed until `apply`.
    pub fn plan(
        &self,
        d: &dyn Dialect,
        meta: &Metadata,
        input: &FlushInput<'_>,
        opts: PlanOptions<'_>,
    ) -> Result<FlushPlan> {
        let batch = opts.batch_size.max(1);
        let bulk = opts.bulk && d.bulk_arrays();
        let mut groups = Vec::with_capacity(input.entities.len());
        for ch in &input.entities {
            let entity = meta.entity(ch.entity)?;
            let mut g = GroupPlan {
                entity: ch.entity,
                inserts: Vec::with_capacity(ch.insert.len()),
                insert_refs: Vec::new(),
                updates: Vec::new(),
                removes: Vec::with_capacity(ch.remove.len()),
            };
            let mut refs = Vec::new();
            for (r, row) in ch.insert.iter().enumerate() {
                g.inserts
                    .push(Self::convert_row(d, entity, row, &mut refs)?);
                g.insert_refs
                    .extend(refs.drain(..).map(|(prop, target)| (r, prop, target)));
            }
            let empty = HashMap::default();
            let snaps = self.snapshots.get(ch.entity).unwrap_or(&empty);
            let tail = masks_len(entity.props.len()) + entity.props.len();
            let off = masks_len(entity.props.len());
            for (ri, row) in ch.managed.iter().enumerate() {
                if row.len() < tail {
                    return Err(Error::validation(format!(
                        "Flush message row for {} has {} values, expected {tail}",
                        entity.name,
                        row.len()
                    )));
                }
                let mut pk = Vec::with_capacity(entity.pk.len());
                for &i in &entity.pk {
                    pk.push(raw_to_db(d, entity, &entity.props[i], row[off + i])?);
                }
                let key = match pk.as_slice() {
                    [v] => Key::of(v),
                    vs => Key::Composite(vs.iter().map(Key::of).collect()),
                };
                let Some(snap) = snaps.get(&key) else {
                    continue;
                };
                let defined = masks(row, off);
                let mut changes: Vec<(usize, Value)> = Vec::new();
                let mut refs = Vec::new();
                for (i, p) in entity.props.iter().enumerate() {
                    if p.primary || p.version || !p.is_column() {
                        continue;
                    }
                    if !is_defined(&defined, i) {
                        // A loaded value set to `undefined` is cleared (written as null), as
                        // MikroORM does; a value never loaded (partial entity) stays untouched.
                        if snap[i].as_ref().is_some_and(|v| *v != Value::Null) {
                            changes.push((i, Value::Null));
                        }
                        continue;
                    }
                    if let Some(r) = p.reference.as_ref().and(new_ref(row[off + i])) {
                        refs.push((changes.len(), r));
                        changes.push((i, Value::Null));
                        continue;
                    }
                    if raw_equals(row[off + i], &snap[i]) {
                        continue;
                    }
                    let v = raw_to_db(d, entity, p, row[off + i])?;
                    if snap[i].as_ref().is_none_or(|s| !same_value(p, &v, s)) {
                        changes.push((i, v));
                    }
                }
                if changes.is_empty() {
                    continue;
                }
                // `onUpdate` values join the changes where they differ from the snapshot.
                for (k, &pi) in ch.on_update.iter().enumerate() {
                    let p = &entity.props[pi];
                    let v = match row.get(tail + k) {
                        Some(raw) => raw_to_db(d, entity, p, raw)?,
                        None => Value::Null,
                    };
                    let same = snap[pi].as_ref().is_some_and(|s| same_value(p, &v, s));
                    match changes.iter_mut().find(|(i, _)| *i == pi) {
                        Some(c) => c.1 = v,
                        None if !same => changes.push((pi, v)),
                        None => {}
                    }
                }
                let version = entity.version_prop().and_then(|v| snap[v].clone());
                g.updates.push(Update {
                    row: ri,
                    key,
                    pk,
                    changes,
                    refs,
                    version,
                    class: row_class(entity, snap),
                });
            }
            let removal_key = entity.removal_key();
            for pk in &ch.remove {
                let key = match (removal_key.as_slice(), pk.as_slice()) {
                    ([i], [v]) => Key::of(&raw_to_db(d, entity, &entity.props[*i], v)?),
                    _ => Key::Composite(
                        removal_key
                            .iter()
                            .zip(pk)
                            .map(|(&i, v)| {
                                raw_to_db(d, entity, &entity.props[i], v).map(|v| Key::of(&v))
                            })
                            .collect::<Result<Vec<_>>>()?,
                    ),
                };
                g.removes.push(key);
            }
            groups.push(g);
        }

        let commit = commit_order(meta, &groups, &input.entities);
        let mut steps = Vec::new();
        let pivots: Vec<bool> = groups
            .iter()
            .map(|g| meta.entity(g.entity).is_ok_and(|e| e.pivot))
            .collect();
        let extra = defer_forward_refs(&mut groups, &commit, &pivots);
        // The row's own key, when it is known before the insert (not generated).
        let own_keys: Vec<Option<Value>> = extra
            .iter()
            .map(|&(gi, row, _, _)| {
                let entity = meta.entity(groups[gi].entity).ok()?;
                let pk = *entity.pk.first()?;
                groups[gi].inserts.get(row)?[pk].clone()
            })
            .collect();
        let is_pivot = |gi: usize| pivots[gi];
        for &gi in commit.iter().filter(|&&gi| !is_pivot(gi)) {
            // The values move into the statements; `apply` takes the snapshots back from them.
            let rows = std::mem::take(&mut groups[gi].inserts);
            let entity = meta.entity(groups[gi].entity)?;
            let how = InsertHow {
                batch,
                increment_keys: opts.increment_keys.contains(&groups[gi].entity),
                ignore_conflicts: false,
                bulk,
            };
            let refs = &groups[gi].insert_refs;
            insert_steps(
                (d, meta),
                (groups[gi].entity, entity),
                gi,
                rows,
                refs,
                how,
                &mut steps,
            );
        }
        for &gi in &commit {
            let entity = meta.entity(groups[gi].entity)?;
            if entity.discriminator.is_some() {
                // Each entity of a single-table hierarchy is updated on its own.
                let mut classes: Vec<Vec<String>> = Vec::new();
                for u in &groups[gi].updates {
                    if !classes.contains(&u.class) {
                        classes.push(u.class.clone());
                    }
                }
                groups[gi]
                    .updates
                    .sort_by_key(|u| classes.iter().position(|c| *c == u.class));
            }
            let g = &groups[gi];
            let mut start = 0;
            while start < g.updates.len() {
                let end = start
                    + g.updates[start..]
                        .iter()
                        .take_while(|u| u.class == g.updates[start].class)
                        .count();
                let run = &g.updates[start..end];
                let bulk_steps = match bulk && run.len() > 1 {
                    true => bulk::update_steps(d, meta, entity, run),
                    false => None,
                };
                if let Some(bulk_steps) = bulk_steps {
                    steps.extend(bulk_steps);
                } else if opts.row_updates {
                    row_update_steps(d, entity, gi, start, run, &mut steps);
                } else {
                    for (n, chunk) in run.chunks(batch).enumerate() {
                        if chunk.len() > 1 && entity.version_prop().is_some() {
                            steps.push(version_check_step(d, entity, chunk));
                        }
                        let at = (gi, start + n * batch);
                        // A chunk of one row in a batched run: the batch form where the dialect says so.
                        let as_batch =
                            chunk.len() > 1 || (run.len() > 1 && d.batch_form_for_one_row());
                        steps.push(update_step(
                            d,
                            entity,
                            chunk,
                            at,
                            d.supports_returning(),
                            as_batch,
                        ));
                        if !d.supports_returning() {
                            let keys = chunk.iter().filter_map(|u| u.pk.first().cloned());
                            if let Some(step) = reload_step(d, entity, keys.map(Ok).collect()) {
                                steps.push(step);
                            }
                        }
                    }
                }
                start = end;
            }
        }
        for (&(gi, row, prop, target), own) in extra.iter().zip(own_keys) {
            let entity = meta.entity(groups[gi].entity)?;
            let own = own.ok_or(NewRef {
                entity: groups[gi].entity,
                row,
            });
            steps.push(extra_update_step(d, entity, gi, row, prop, target, own));
        }
        // Pivot rows (many-to-many links): removed links first, then the new ones.
        for &gi in commit.iter().filter(|&&gi| is_pivot(gi)) {
            let entity = meta.entity(groups[gi].entity)?;
            for chunk in groups[gi].removes.chunks(batch) {
                steps.push(pivot_delete_step(d, entity, chunk));
            }
            let rows = std::mem::take(&mut groups[gi].inserts);
            let refs = &groups[gi].insert_refs;
            let ignore = input.entities[gi].ignore_conflicts;
            let how = InsertHow {
                batch,
                increment_keys: false,
                ignore_conflicts: ignore,
                bulk,
            };
            insert_steps(
                (d, meta),
                (groups[gi].entity, entity),
                gi,
                rows,
                refs,
                how,
                &mut steps,
            );
        }
        for &gi in commit.iter().rev().filter(|&&gi| !is_pivot(gi)) {
            let g = &groups[gi];
            let entity = meta.entity(g.entity)?;
            if bulk && g.removes.len() > 1 {
                if let Some(step) = bulk::delete_step(d, meta, entity, &g.removes) {
                    steps.push(step);
                    continue;
                }
            }
            for chunk in g.removes.chunks(batch) {
                steps.push(delete_step(d, entity, chunk));
            }
        }
        Ok(FlushPlan {
            groups,
            commit,
            steps,
            batch,
        })
    }

    /// After commit: snapshots take the flushed state. Returns, per group, the generated primary
    /// keys of inserted rows (in insert order) and the `managed` indices that were updated.
    pub fn apply(
        &mut self,
        meta: &Metadata,
        plan: FlushPlan,
        keys: GeneratedKeys,
    ) -> Result<Vec<Applied>> {
        let mut keys_by_group: Vec<Vec<Value>> = vec![Vec::new(); plan.groups.len()];
        let mut it = keys.into_iter();
        for step in &plan.steps {
            if let StepKind::Insert {
                group,
                count,
                returning,
                increment,
            } = step.kind
            {
                let mut ks = it.next().unwrap_or_default();
                // Rows of a statement that did not generate keys had their keys already.
                ks.resize(count, Value::Null);
                if !returning && !increment {
                    ks.fill(Value::Null);
                }
                keys_by_group[group].extend(ks);
            }
        }
        let mut inserted: Vec<Vec<Snapshot>> = vec![Vec::new(); plan.groups.len()];
        for step in &plan.steps {
            let StepKind::Insert { group, count, .. } = step.kind else {
                continue;
            };
            let props = meta.entity(plan.groups[group].entity)?.props.len();
            let mut params = step.sql.params.iter().cloned();
            for r in 0..count {
                let mut row: Snapshot = vec![None; props];
                if !step.arrays.is_empty() {
                    for (&ci, values) in step.columns.iter().zip(&step.arrays) {
                        row[ci] = values.get(r).cloned();
                    }
                    inserted[group].push(row);
                    continue;
                }
                for (n, &ci) in step.columns.iter().enumerate() {
                    // A column left to its default has no parameter (and no known value).
                    if !step.missing.contains(&(r, n)) {
                        row[ci] = params.next();
                    }
                }
                inserted[group].push(row);
            }
        }
        for step in &plan.steps {
            if let StepKind::ExtraUpdate { group, row, prop } = step.kind {
                if let Some(snap) = inserted[group].get_mut(row) {
                    snap[prop] = step.sql.params.first().cloned();
                }
            }
        }
        let mut out = Vec::with_capacity(plan.groups.len());
        let mut groups: Vec<Option<(GroupPlan, Vec<Value>)>> = plan
            .groups
            .into_iter()
            .zip(keys_by_group)
            .map(Some)
            .collect();
        for gi in plan.commit {
            let Some((g, gen)) = groups[gi].take() else {
                continue;
            };
            let entity = meta.entity(g.entity)?;
            if entity.pivot {
                // Links keep no snapshots: collections know their persisted items.
                out.push((g.entity, gen, Vec::new()));
                continue;
            }
            let auto = entity.autoincrement_pk();
            let table = self.table(g.entity);
            table.reserve(inserted[gi].len());
            for (n, mut row) in std::mem::take(&mut inserted[gi]).into_iter().enumerate() {
                if let (Some(pk), Some(k)) = (auto, gen.get(n)) {
                    if matches!(row[pk], None | Some(Value::Null)) && *k != Value::Null {
                        row[pk] = Some(k.clone());
                    }
                }
                if let Some(v) = entity.version_prop() {
                    row[v].get_or_insert(Value::Int(1));
                }
                if let Some(key) = Key::from_row(entity, &row) {
                    table.insert(key, row);
                }
            }
            let mut updated = Vec::with_capacity(g.updates.len());
            for u in g.updates {
                if let Some(snap) = table.get_mut(&u.key) {
                    for (i, v) in u.changes {
                        snap[i] = Some(v);
                    }
                    if let (Some(v), Some(Value::Int(old))) = (entity.version_prop(), &u.version) {
                        snap[v] = Some(Value::Int(old + 1));
                    }
                }
                updated.push(u.row);
            }
            for key in g.removes {
                table.remove(&key);
            }
            out.push((g.entity, gen, updated));
        }
        Ok(out)
    }
}

/// Takes out of the inserts the references to rows not inserted before them (same type, or a
/// type later in commit order): they are inserted without them and set by an extra update, as
/// MikroORM does. Pivot rows are inserted after every entity and keep theirs. Returns (group,
/// insert row, property, target) for each.
fn defer_forward_refs(
    groups: &mut [GroupPlan],
    commit: &[usize],
    pivots: &[bool],
) -> Vec<(usize, usize, usize, NewRef)> {
    let position = |groups: &[GroupPlan], entity: usize| {
        commit.iter().position(|&gi| groups[gi].entity == entity)
    };
    let mut extra = Vec::new();
    for (pos, &gi) in commit.iter().enumerate() {
        if pivots[gi] || groups[gi].insert_refs.is_empty() {
            continue;
        }
        let entity = groups[gi].entity;
        let mut kept = Vec::new();
        for (row, prop, target) in std::mem::take(&mut groups[gi].insert_refs) {
            let later =
                target.entity == entity || position(groups, target.entity).is_some_and(|p| p > pos);
            if !later {
                kept.push((row, prop, target));
                continue;
            }
            if let Some(r) = groups[gi].inserts.get_mut(row) {
                r[prop] = None;
            }
            extra.push((gi, row, prop, target));
        }
        groups[gi].insert_refs = kept;
    }
    extra
}

/// `update t set fk = ? where pk = ?` for a deferred reference: both values are keys generated
/// by this flush's inserts (the row's own key only when its table generates it).
fn extra_update_step(
    d: &dyn Dialect,
    entity: &EntityMeta,
    group: usize,
    row: usize,
    prop: usize,
    target: NewRef,
    own: std::result::Result<Value, NewRef>,
) -> Step {
    let mut w = Writer::new(d);
    w.push("update ").ident(&entity.table_name).push(" set ");
    w.ident(&entity.props[prop].field_name).push(" = ");
    let mut fixups = vec![Fixup {
        param: w.params.len(),
        target,
        change: None,
        row: None,
    }];
    w.param(Value::Null);
    let pk = entity.pk.first().copied().unwrap_or(0);
    w.push(" where ")
        .ident(&entity.props[pk].field_name)
        .push(" = ");
    match own {
        Ok(key) => {
            w.param(key);
        }
        Err(generated) => {
            fixups.push(Fixup {
                param: w.params.len(),
                target: generated,
                change: None,
                row: None,
            });
            w.param(Value::Null);
        }
    }
    Step {
        sql: w.finish(),
        kind: StepKind::ExtraUpdate { group, row, prop },
        columns: Vec::new(),
        missing: Vec::new(),
        fixups,
        given_keys: Vec::new(),
        arrays: Vec::new(),
        expect: None,
    }
}

/// The order entity types are written in. A type appears where its first new entity was
/// persisted, else where its first changed managed entity sits in the identity map, else where
/// its first entity was removed; visited in that order, referenced types come first (see
/// `order`) and unrelated types end up in the reverse order of appearance, as in MikroORM.
fn commit_order(meta: &Metadata, groups: &[GroupPlan], input: &[EntityChanges]) -> Vec<usize> {
    let key = |gi: usize| -> (u8, u64) {
        let (g, ch) = (&groups[gi], &input[gi]);
        if !g.inserts.is_empty() {
            return (0, ch.insert_at.unwrap_or(gi as u64));
        }
        let first_changed = g
            .updates
            .iter()
            .map(|u| ch.managed_seq.get(u.row).copied().unwrap_or(u.row as u64))
            .min();
        if let Some(seq) = first_changed {
            return (1, seq);
        }
        if !g.removes.is_empty() {
            return (2, ch.remove_at.unwrap_or(gi as u64));
        }
        (3, gi as u64)
    };
    let mut appearance: Vec<usize> = (0..groups.len()).collect();
    appearance.sort_by_key(|&gi| key(gi));
    // Pivot rows are written after every entity, so they take no part in the ordering.
    let is_pivot = |gi: &usize| meta.entity(groups[*gi].entity).is_ok_and(|e| e.pivot);
    let (pivots, entities): (Vec<usize>, Vec<usize>) = appearance.into_iter().partition(is_pivot);
    let entities: Vec<usize> = entities.iter().map(|&gi| groups[gi].entity).collect();
    dependency_order(meta, &entities, true)
        .into_iter()
        .filter_map(|e| groups.iter().position(|g| g.entity == e))
        .chain(pivots)
        .collect()
}

/// How a group's inserts are written.
#[derive(Clone, Copy)]
struct InsertHow {
    batch: usize,
    /// Generated keys may be counted back from the last insert id.
    increment_keys: bool,
    /// `on conflict (pk) do nothing`.
    ignore_conflicts: bool,
    /// All rows in one statement of arrays where they fit (`PlanOptions::bulk`).
    bulk: bool,
}

/// `on conflict (pk) do nothing`: links that may exist already.
fn write_ignore_conflicts(d: &dyn Dialect, w: &mut Writer, entity: &EntityMeta) {
    let pk: Vec<&str> = entity
        .pk
        .iter()
        .map(|&i| entity.props[i].field_name.as_str())
        .collect();
    d.write_on_conflict(w, &pk, &[]);
}

/// A key given to an inserted row, as a number (bigint keys arrive as text); MySQL generates
/// one for a given 0 as for none.
fn given_key(v: &Option<Value>) -> Option<i64> {
    match v {
        Some(Value::Int(i)) => Some(*i),
        Some(Value::Text(t)) => t.parse().ok(),
        _ => None,
    }
    .filter(|k| *k != 0)
}

fn insert_steps(
    (d, meta): (&dyn Dialect, &Metadata),
    (entity_index, entity): (usize, &EntityMeta),
    group: usize,
    rows: Vec<Snapshot>,
    refs: &[(usize, usize, NewRef)],
    how: InsertHow,
    steps: &mut Vec<Step>,
) {
    let InsertHow {
        batch,
        increment_keys,
        ignore_conflicts,
        bulk,
    } = how;
    let mut rows = match bulk && rows.len() > 1 {
        true => match bulk::insert_step(d, meta, entity, group, rows, refs, ignore_conflicts) {
            Ok(step) => {
                steps.push(step);
                return;
            }
            Err(rows) => rows,
        },
        false => rows,
    };
    let auto = entity.autoincrement_pk();
    let refs: HashMap<(usize, usize), NewRef> = refs.iter().map(|&(r, p, t)| ((r, p), t)).collect();
    for (n, chunk) in rows.chunks_mut(batch).enumerate() {
        let first = n * batch;
        let mut fixups = Vec::new();
        let mut missing = Vec::new();
        // Keys come back only when the database generates some of them; when it generates all
        // of them, they may be counted back from the last insert id.
        let generated = |all: bool| {
            auto.is_some_and(|pk| {
                let missing = |r: &Snapshot| r[pk].is_none();
                if all {
                    chunk.iter().all(missing)
                } else {
                    chunk.iter().any(missing)
                }
            })
        };
        // Without `returning`, a batch mixing given and generated keys counts them from the
        // first generated id too.
        let mixed = !d.supports_returning() && !generated(true) && generated(false);
        let increment = increment_keys && (generated(true) || mixed);
        let returning = !increment && d.supports_returning() && generated(false);
        let given_keys = match auto {
            Some(pk) if increment && mixed => chunk.iter().map(|r| given_key(&r[pk])).collect(),
            _ => Vec::new(),
        };
        // Columns: every property defined on some row of the batch, in the order they first
        // appear row after row (each row's in property order), as MikroORM.
        let mut order: Vec<usize> = (0..entity.props.len()).collect();
        if let Some(names) = &entity.insert_order {
            order.sort_by_key(|&i| names.iter().position(|n| *n == entity.props[i].name));
        }
        let mut cols: Vec<usize> = Vec::new();
        for row in chunk.iter() {
            for &i in &order {
                if row[i].is_some() && !cols.contains(&i) {
                    cols.push(i);
                }
            }
        }
        let version_unset = entity.version_prop().filter(|v| !cols.contains(v));
        // Versions are read back by key: each row's key before its values move into the
        // statement (single-column keys).
        let given: Vec<Option<Value>> = match entity.pk[..] {
            [pk] if version_unset.is_some() && !d.supports_returning() => {
                chunk.iter().map(|r| r[pk].clone()).collect()
            }
            _ => Vec::new(),
        };
        let mut w = Writer::new(d);
        w.push(if ignore_conflicts && d.insert_ignore_prefix() {
            "insert ignore into "
        } else {
            "insert into "
        });
        w.ident(&entity.table_name);
        if let (true, Some(pk)) = (cols.is_empty(), auto) {
            // No values: only the generated key, as the dialect writes it.
            w.push(" (").ident(&entity.props[pk].field_name).push(")");
            d.write_key_only_rows(&mut w, &entity.props[pk].field_name, chunk.len());
        } else if cols.is_empty() {
            w.push(" default values");
        } else {
            w.push(" (");
            for (n, &i) in cols.iter().enumerate() {
                if n > 0 {
                    w.push(", ");
                }
                w.ident(&entity.props[i].field_name);
            }
            w.push(") values ");
            for (r, row) in chunk.iter_mut().enumerate() {
                w.push(if r > 0 { ", (" } else { "(" });
                for (n, &i) in cols.iter().enumerate() {
                    if n > 0 {
                        w.push(", ");
                    }
                    if let Some(&target) = refs.get(&(first + r, i)) {
                        fixups.push(Fixup {
                            param: w.params.len(),
                            target,
                            change: None,
                            row: None,
                        });
                    }
                    match row[i].take() {
                        Some(v) => {
                            w.param(v);
                        }
                        // A value no entity of the batch has: the column's default.
                        None if !refs.contains_key(&(first + r, i)) => {
                            let before = w.params.len();
                            d.write_missing_value(&mut w);
                            if w.params.len() == before {
                                missing.push((r, n));
                            }
                        }
                        None => {
                            w.param(Value::Null);
                        }
                    }
                }
                w.push(")");
            }
        }
        if ignore_conflicts {
            write_ignore_conflicts(d, &mut w, entity);
        }
        if returning {
            write_returning_pk(&mut w, entity);
            // A version left to its default comes back too (its value is known: 1).
            if let Some(v) = entity.version_prop().filter(|v| !cols.contains(v)) {
                w.push(", ").ident(&entity.props[v].field_name);
            }
        }
        let count = chunk.len();
        steps.push(Step {
            sql: w.finish(),
            kind: StepKind::Insert {
                group,
                count,
                returning,
                increment,
            },
            columns: cols,
            missing,
            fixups,
            given_keys,
            arrays: Vec::new(),
            expect: None,
        });
        if version_unset.is_some() && !d.supports_returning() {
            let rows = given.into_iter().enumerate().map(|(r, key)| {
                key.ok_or(NewRef {
                    entity: entity_index,
                    row: first + r,
                })
            });
            if let Some(step) = reload_step(d, entity, rows.collect()) {
                steps.push(step);
            }
        }
    }
}

/// `select a0.pk, a0.version from t as a0 where a0.pk in (…)` for rows given by key (`Ok`) or
/// inserted by this flush (`Err`, filled in once generated). Single-column keys only.
fn reload_step(
    d: &dyn Dialect,
    entity: &EntityMeta,
    rows: Vec<std::result::Result<Value, NewRef>>,
) -> Option<Step> {
    let [pk] = entity.pk[..] else {
        return None;
    };
    let version = entity.version_prop()?;
    let alias = crate::meta::alias_of(&entity.name, 0);
    let mut w = Writer::new(d);
    let mut fixups = Vec::new();
    w.push("select ");
    for (n, i) in [pk, version].into_iter().enumerate() {
        if n > 0 {
            w.push(", ");
        }
        w.ident(&alias).push(".").ident(&entity.props[i].field_name);
    }
    w.push(" from ")
        .ident(&entity.table_name)
        .push(" as ")
        .ident(&alias)
        .push(" where ")
        .ident(&alias)
        .push(".")
        .ident(&entity.props[pk].field_name)
        .push(" in (");
    for (n, row) in rows.into_iter().enumerate() {
        if n > 0 {
            w.push(", ");
        }
        match row {
            Ok(v) => {
                w.param(v);
            }
            Err(target) => {
                fixups.push(Fixup {
                    param: w.params.len(),
                    target,
                    change: None,
                    row: None,
                });
                w.param(Value::Null);
            }
        }
    }
    w.push(")");
    Some(Step {
        sql: w.finish(),
        kind: StepKind::Reload,
        columns: Vec::new(),
        missing: Vec::new(),
        fixups,
        given_keys: Vec::new(),
        arrays: Vec::new(),
        expect: None,
    })
}

fn write_pk_match(w: &mut Writer, entity: &EntityMeta, pk: &[Value]) {
    for (n, (&i, v)) in entity.pk.iter().zip(pk).enumerate() {
        if n > 0 {
            w.push(" and ");
        }
        w.ident(&entity.props[i].field_name).push(" = ");
        w.param(v.clone());
    }
}

/// `chunk` holds `group`'s updates from index `at.1` on (`at` = (group, index)).
/// With `returning`, a versioned single row returns its new version and a batch its keys and
/// versions (as MikroORM writes them).
fn update_step(
    d: &dyn Dialect,
    entity: &EntityMeta,
    chunk: &[Update],
    at: (usize, usize),
    returning: bool,
    as_batch: bool,
) -> Step {
    let version = entity
        .version_prop()
        .map(|v| entity.props[v].field_name.as_str());
    let mut expect = None;
    let mut w = Writer::new(d);
    let mut fixups = Vec::new();
    // Notes a fixup when change `c` of update `k` (in `chunk`) points at a new row.
    let mut track = |w: &Writer, k: usize, c: usize| {
        if let Some(&(_, target)) = chunk[k].refs.iter().find(|(rc, _)| *rc == c) {
            fixups.push(Fixup {
                param: w.params.len(),
                target,
                change: Some((at.0, at.1 + k, c)),
                row: None,
            });
        }
    };
    w.push("update ").ident(&entity.table_name).push(" set ");
    if let ([u], false) = (chunk, as_batch) {
        for (n, (i, v)) in u.changes.iter().enumerate() {
            if n > 0 {
                w.push(", ");
            }
            w.ident(&entity.props[*i].field_name).push(" = ");
            track(&w, 0, n);
            w.param(v.clone());
        }
        if let Some(f) = version {
            w.push(", ").ident(f).push(" = ").ident(f).push(" + 1");
        }
        w.push(" where ");
        write_pk_match(&mut w, entity, &u.pk);
        write_discriminator(&mut w, entity, &u.class);
        if let Some(f) = version {
            w.push(" and ").ident(f).push(" = ");
            w.param(u.version.clone().unwrap_or(Value::Null));
            if returning {
                w.push(" returning ").ident(f);
            }
            expect = Some((1, entity.name.clone()));
        }
    } else {
        // Columns in order of first appearance across the change sets.
        let mut cols: Vec<usize> = Vec::new();
        for u in chunk {
            for (i, _) in &u.changes {
                if !cols.contains(i) {
                    cols.push(*i);
                }
            }
        }
        for (n, &i) in cols.iter().enumerate() {
            if n > 0 {
                w.push(", ");
            }
            let field = &entity.props[i].field_name;
            w.ident(field).push(" = case");
            for (k, u) in chunk.iter().enumerate() {
                let Some(c) = u.changes.iter().position(|(p, _)| *p == i) else {
                    continue;
                };
                w.push(" when (");
                write_pk_match(&mut w, entity, &u.pk);
                w.push(") then ");
                track(&w, k, c);
                w.param(u.changes[c].1.clone());
            }
            w.push(" else ").ident(field).push(" end");
        }
        if let Some(f) = version {
            w.push(", ").ident(f).push(" = ").ident(f).push(" + 1");
        }
        w.push(" where ");
        write_pk_in(&mut w, entity, chunk.iter().map(|u| u.pk.iter().cloned()));
        write_discriminator(&mut w, entity, &chunk[0].class);
        if returning {
            write_returning_pk(&mut w, entity);
            if let Some(f) = version {
                w.push(", ").ident(f);
            }
        }
    }
    Step {
        sql: w.finish(),
        kind: StepKind::Update,
        columns: Vec::new(),
        missing: Vec::new(),
        fixups,
        given_keys: Vec::new(),
        arrays: Vec::new(),
        expect,
    }
}

/// Single-row updates; consecutive change sets with the same columns share one statement text.
fn row_update_steps(
    d: &dyn Dialect,
    entity: &EntityMeta,
    group: usize,
    base: usize,
    updates: &[Update],
    steps: &mut Vec<Step>,
) {
    let same_columns = |a: &Update, b: &Update| {
        a.changes.len() == b.changes.len()
            && a.changes.iter().zip(&b.changes).all(|(x, y)| x.0 == y.0)
    };
    let mut first = 0;
    while first < updates.len() {
        let at = (group, base + first);
        let mut step = update_step(d, entity, &updates[first..=first], at, false, false);
        let width = step.sql.params.len();
        let mut end = first + 1;
        while end < updates.len() && same_columns(&updates[first], &updates[end]) {
            let u = &updates[end];
            for &(c, target) in &u.refs {
                step.fixups.push(Fixup {
                    param: (end - first) * width + c,
                    target,
                    change: Some((group, base + end, c)),
                    row: None,
                });
            }
            step.sql
                .params
                .extend(u.changes.iter().map(|(_, v)| v.clone()));
            step.sql.params.extend(u.pk.iter().cloned());
            step.sql
                .params
                .extend(u.class.iter().cloned().map(Value::Text));
            if entity.version_prop().is_some() {
                step.sql
                    .params
                    .push(u.version.clone().unwrap_or(Value::Null));
            }
            end += 1;
        }
        if step.expect.is_some() {
            step.expect = Some(((end - first) as u64, entity.name.clone()));
        }
        step.kind = StepKind::UpdateRows {
            group,
            first: base + first,
            width,
        };
        steps.push(step);
        first = end;
    }
}

/// Before a batched update of versioned rows: `select `d0`.`id` from `doc` as `d0` where
/// ((`d0`.`id` = 1 and `d0`.`version` = 2) or …) order by `d0`.`id` asc`, which must find them all.
fn version_check_step(d: &dyn Dialect, entity: &EntityMeta, chunk: &[Update]) -> Step {
    let alias = entity.alias(0);
    let version = entity.version_prop().map(|v| &entity.props[v].field_name);
    let mut w = Writer::new(d);
    w.push("select ");
    for (n, &i) in entity.pk.iter().enumerate() {
        if n > 0 {
            w.push(", ");
        }
        w.column(Some(&alias), &entity.props[i].field_name);
    }
    w.push(" from ")
        .ident(&entity.table_name)
        .push(" as ")
        .ident(&alias);
    w.push(" where (");
    for (r, u) in chunk.iter().enumerate() {
        if r > 0 {
            w.push(" or ");
        }
        w.push("(");
        for (n, (&i, v)) in entity.pk.iter().zip(&u.pk).enumerate() {
            if n > 0 {
                w.push(" and ");
            }
            w.column(Some(&alias), &entity.props[i].field_name)
                .push(" = ");
            w.param(v.clone());
        }
        if let Some(f) = version {
            w.push(" and ").column(Some(&alias), f).push(" = ");
            w.param(u.version.clone().unwrap_or(Value::Null));
        }
        w.push(")");
    }
    w.push(") order by ");
    for (n, &i) in entity.pk.iter().enumerate() {
        if n > 0 {
            w.push(", ");
        }
        w.column(Some(&alias), &entity.props[i].field_name)
            .push(" asc");
    }
    Step {
        sql: w.finish(),
        kind: StepKind::VersionCheck,
        columns: Vec::new(),
        missing: Vec::new(),
        fixups: Vec::new(),
        given_keys: Vec::new(),
        arrays: Vec::new(),
        expect: Some((chunk.len() as u64, entity.name.clone())),
    }
}

/// `pk in (…)`, or `(a, b) in ((…), (…))` for composite keys; each item yields a key's values.
fn write_pk_in<K: IntoIterator<Item = Value>>(
    w: &mut Writer,
    entity: &EntityMeta,
    keys: impl Iterator<Item = K>,
) {
    let single = entity.pk.len() == 1;
    if !single {
        w.push("(");
    }
    for (n, &i) in entity.pk.iter().enumerate() {
        if n > 0 {
            w.push(", ");
        }
        w.ident(&entity.props[i].field_name);
    }
    w.push(if single { " in (" } else { ") in (" });
    for (r, key) in keys.enumerate() {
        if r > 0 {
            w.push(", ");
        }
        if !single {
            w.push("(");
        }
        for (n, v) in key.into_iter().enumerate() {
            if n > 0 {
                w.push(", ");
            }
            w.param(v);
        }
        if !single {
            w.push(")");
        }
    }
    w.push(")");
}

/// A key's values in `entity.pk` order.
fn key_values(k: &Key) -> impl Iterator<Item = Value> + '_ {
    let parts = match k {
        Key::Composite(parts) => parts.as_slice(),
        single => std::slice::from_ref(single),
    };
    parts.iter().map(|p| match p {
        Key::Int(n) => Value::Int(*n),
        Key::Text(s) => Value::Text(s.clone()),
        Key::Composite(_) => Value::Null,
    })
}

/// `delete from `book_tags` where `tag_id` = 1 and `book_id` = 1`, several links joined by
/// `or`; columns in the pivot's insert order, as MikroORM writes them.
fn pivot_delete_step(d: &dyn Dialect, entity: &EntityMeta, chunk: &[Key]) -> Step {
    let links = entity.removal_key();
    let mut order: Vec<usize> = (0..links.len()).collect();
    if let Some(names) = &entity.insert_order {
        order.sort_by_key(|&k| names.iter().position(|n| *n == entity.props[links[k]].name));
    }
    let mut w = Writer::new(d);
    w.push("delete from ")
        .ident(&entity.table_name)
        .push(" where ");
    let many = chunk.len() > 1;
    if many {
        w.push("(");
    }
    for (n, key) in chunk.iter().enumerate() {
        if n > 0 {
            w.push(" or ");
        }
        if many {
            w.push("(");
        }
        let values: Vec<Value> = key_values(key).collect();
        for (m, &k) in order.iter().enumerate() {
            if m > 0 {
                w.push(" and ");
            }
            w.ident(&entity.props[links[k]].field_name).push(" = ");
            w.param(values.get(k).cloned().unwrap_or(Value::Null));
        }
        if many {
            w.push(")");
        }
    }
    if many {
        w.push(")");
    }
    Step::statement(w, StepKind::Delete)
}

fn delete_step(d: &dyn Dialect, entity: &EntityMeta, chunk: &[Key]) -> Step {
    let mut w = Writer::new(d);
    w.push("delete from ")
        .ident(&entity.table_name)
        .push(" where ");
    write_pk_in(&mut w, entity, chunk.iter().map(key_values));
    if let Some(d) = &entity.discriminator {
        write_discriminator(&mut w, entity, &d.values);
    }
    Step::statement(w, StepKind::Delete)
}

/// The discriminator values of the entity a row of a single-table hierarchy belongs to.
fn row_class(entity: &EntityMeta, snap: &Snapshot) -> Vec<String> {
    let Some(d) = &entity.discriminator else {
        return Vec::new();
    };
    match entity.by_name.get(&d.prop).and_then(|&i| snap[i].as_ref()) {
        Some(Value::Text(v)) => d.classes.get(v).cloned().unwrap_or_else(|| vec![v.clone()]),
        _ => d.values.clone(),
    }
}

/// ` and `type` = ?` (or `in (?, …)`): the rows of one entity of a single-table hierarchy.
fn write_discriminator(w: &mut Writer, entity: &EntityMeta, values: &[String]) {
    let Some(p) = entity
        .discriminator
        .as_ref()
        .and_then(|d| entity.prop(&d.prop))
    else {
        return;
    };
    w.push(" and ").ident(&p.field_name);
    if let [one] = values {
        w.push(" = ").param(Value::Text(one.clone()));
        return;
    }
    w.push(" in (");
    for (n, v) in values.iter().enumerate() {
        if n > 0 {
            w.push(", ");
        }
        w.param(Value::Text(v.clone()));
    }
    w.push(")");
}
