//! The order entity types are written in (and tables created in): every type after the types
//! its foreign keys reference. Cycles are broken where a nullable reference allows it.
//!
//! The walk: a depth-first visit from each type, in the given order, to the types that
//! reference it; a type is listed once everything it reaches is listed, and the reverse of that
//! list is the result. Each reference is an edge weighted 1 when its column is required and 0
//! when nullable (in a flush, the items of a bidirectional many-to-many's owner count as a
//! nullable reference); one
//! edge per pair of types, the last reference seen wins. Reaching a type that
//! is still being visited (a cycle) lists that type right away when the edge back to it is
//! weaker than the edge being followed. This is the order MikroORM's commit order calculator
//! produces, for flushes and for schema DDL alike.

use crate::meta::Metadata;

/// `nodes`: entity indices in visiting order. Returns them in dependency order. With
/// `many_to_many` (flushes, not DDL), a bidirectional many-to-many's owner also comes after its items.
pub fn dependency_order(meta: &Metadata, nodes: &[usize], many_to_many: bool) -> Vec<usize> {
    let n = nodes.len();
    let pos = |entity: usize| nodes.iter().position(|&e| e == entity);
    // edges[i]: (j, weight) meaning nodes[j] references nodes[i] (so i comes before j).
    let mut edges: Vec<Vec<(usize, u8)>> = vec![Vec::new(); n];
    for (j, &entity) in nodes.iter().enumerate() {
        let Some(e) = meta.entities.get(entity) else {
            continue;
        };
        for p in &e.props {
            let Some(i) = p
                .reference
                .as_ref()
                .and_then(|r| pos(meta.table_owner(r.entity)))
            else {
                continue;
            };
            let weight = u8::from(!p.nullable);
            match edges[i].iter_mut().find(|(to, _)| *to == j) {
                Some(edge) => edge.1 = weight,
                None => edges[i].push((j, weight)),
            }
        }
        // The owner of a many-to-many comes after its items, as through a nullable reference.
        let owned = e
            .collections
            .iter()
            .filter(|c| many_to_many && c.many_to_many && c.owner);
        for c in owned {
            if let Some(i) = pos(meta.table_owner(c.entity)).filter(|&i| i != j) {
                if !edges[i].iter().any(|(to, _)| *to == j) {
                    edges[i].push((j, 0));
                }
            }
        }
    }
    let mut walk = Walk {
        edges: &edges,
        state: vec![State::New; n],
        sorted: Vec::with_capacity(n),
    };
    for i in 0..n {
        if walk.state[i] == State::New {
            walk.visit(i);
        }
    }
    walk.sorted.reverse();
    walk.sorted.into_iter().map(|i| nodes[i]).collect()
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    New,
    InProgress,
    Done,
}

struct Walk<'a> {
    edges: &'a [Vec<(usize, u8)>],
    state: Vec<State>,
    sorted: Vec<usize>,
}

impl Walk<'_> {
    fn weight(&self, from: usize, to: usize) -> Option<u8> {
        self.edges[from]
            .iter()
            .find(|(t, _)| *t == to)
            .map(|(_, w)| *w)
    }

    fn visit(&mut self, v: usize) {
        self.state[v] = State::InProgress;
        for k in 0..self.edges[v].len() {
            let (to, weight) = self.edges[v][k];
            match self.state[to] {
                State::Done => {}
                State::New => self.visit(to),
                State::InProgress => {
                    if self.weight(to, v).is_some_and(|back| back < weight) {
                        for m in 0..self.edges[to].len() {
                            let next = self.edges[to][m].0;
                            if self.state[next] == State::New {
                                self.visit(next);
                            }
                        }
                        self.state[to] = State::Done;
                        self.sorted.push(to);
                    }
                }
            }
        }
        if self.state[v] != State::Done {
            self.state[v] = State::Done;
            self.sorted.push(v);
        }
    }
}
