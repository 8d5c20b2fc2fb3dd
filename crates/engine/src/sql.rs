//! A SQL text writer that collects bound parameters as it writes, so text and values never drift.

use crate::dialect::Dialect;
use crate::meta::{PropMeta, PropType};
use crate::value::Value;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Sql {
    pub text: String,
    pub params: Vec<Value>,
    /// Indices of parameters bound to `datetime` properties (JS shows them as `Date`s).
    pub dates: Vec<usize>,
}

pub struct Writer<'d> {
    pub dialect: &'d dyn Dialect,
    pub text: String,
    pub params: Vec<Value>,
    pub dates: Vec<usize>,
    /// The alias of the select being written: raw SQL's `[::alias::]` (from
    /// `raw(alias => …)`) stands for it.
    pub alias: Option<String>,
}

/// Whether a condition's value for `prop` is shown as a `Date` by `getParams()`: the values of
/// `datetime` and `date` properties, except a date given as a date-only string.
pub fn is_condition_date(prop: &PropMeta, v: &Value) -> bool {
    let date_only = matches!(v, Value::Text(t) if prop.ty == PropType::Date && t.len() <= 10);
    matches!(prop.ty, PropType::Datetime | PropType::Date) && *v != Value::Null && !date_only
}

/// What `raw(alias => …)` gives for the alias (MikroORM's marker).
pub const ALIAS_MARKER: &str = "[::alias::]";

impl<'d> Writer<'d> {
    pub fn new(dialect: &'d dyn Dialect) -> Self {
        Writer {
            dialect,
            text: String::with_capacity(128),
            params: Vec::new(),
            dates: Vec::new(),
            alias: None,
        }
    }

    pub fn push(&mut self, s: &str) -> &mut Self {
        self.text.push_str(s);
        self
    }

    pub fn ident(&mut self, name: &str) -> &mut Self {
        self.dialect.quote_ident(&mut self.text, name);
        self
    }

    /// Identifiers quoted one by one, `sep` between them.
    pub fn idents<S: AsRef<str>>(&mut self, names: &[S], sep: &str) -> &mut Self {
        for (n, name) in names.iter().enumerate() {
            if n > 0 {
                self.push(sep);
            }
            self.ident(name.as_ref());
        }
        self
    }

    /// `alias`.`column`
    pub fn column(&mut self, alias: Option<&str>, name: &str) -> &mut Self {
        if let Some(a) = alias {
            self.ident(a);
            self.text.push('.');
        }
        if name == "*" {
            self.push("*")
        } else {
            self.ident(name)
        }
    }

    pub fn param(&mut self, v: Value) -> &mut Self {
        self.params.push(v);
        self.dialect.placeholder(&mut self.text, self.params.len());
        self
    }

    /// A parameter bound to `prop`'s column.
    pub fn prop_param(&mut self, prop: &PropMeta, v: Value) -> &mut Self {
        if matches!(prop.ty, PropType::Datetime | PropType::Date) && v != Value::Null {
            self.dates.push(self.params.len());
        }
        self.param(v)
    }

    /// A condition's value for `prop`: like `prop_param`, but a `date` compared with a
    /// date-only string keeps the string for `getParams()`, as MikroORM.
    pub fn condition_param(&mut self, prop: &PropMeta, v: Value) -> &mut Self {
        if is_condition_date(prop, &v) {
            self.dates.push(self.params.len());
        }
        self.param(v)
    }

    /// User SQL (`qb.where('name = ?', ['x'])`): `?` (outside quotes) binds the next parameter,
    /// `??` writes it as a quoted identifier (`b.title` → `b`.`title`); quoted text is copied
    /// as it is. (JS spreads array parameters first: `ts/raw.ts` `rawWithParams`.)
    pub fn raw(&mut self, sql: &str, params: &[Value]) -> &mut Self {
        if sql.contains(ALIAS_MARKER) {
            let alias = self.alias.clone().unwrap_or_default();
            return self.raw(&sql.replace(ALIAS_MARKER, &alias), params);
        }
        let mut next = 0usize;
        let mut quote: Option<char> = None;
        let mut chars = sql.chars().peekable();
        while let Some(c) = chars.next() {
            if let Some(q) = quote {
                self.text.push(c);
                if c == q {
                    quote = None;
                }
                continue;
            }
            match c {
                '\'' | '"' | '`' => {
                    quote = Some(c);
                    self.text.push(c);
                }
                '?' if next < params.len() && chars.peek() == Some(&'?') => {
                    chars.next();
                    if let Value::Text(name) = &params[next] {
                        for (n, part) in name.split('.').enumerate() {
                            if n > 0 {
                                self.text.push('.');
                            }
                            self.ident(part);
                        }
                    }
                    next += 1;
                }
                '?' if next < params.len() => {
                    self.param(params[next].clone());
                    next += 1;
                }
                _ => self.text.push(c),
            }
        }
        self
    }

    pub fn finish(self) -> Sql {
        Sql {
            text: self.text,
            params: self.params,
            dates: self.dates,
        }
    }
}

/// Inlines parameters into SQL text for logs and `getFormattedQuery()`. Placeholders inside
/// quoted strings and identifiers are left alone.
pub fn format_sql(dialect: &dyn Dialect, sql: &str, params: &[Value]) -> String {
    let mut out = String::with_capacity(sql.len() + params.len() * 8);
    let mut next = 0usize;
    let mut quote: Option<char> = None;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if let Some(q) = quote {
            out.push(c);
            if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '\'' | '"' | '`' => {
                quote = Some(c);
                out.push(c);
            }
            // `\?`: the `?` operator (`$hasKey`), not a placeholder.
            '\\' if chars.peek() == Some(&'?') => {
                out.push(c);
                out.push('?');
                chars.next();
            }
            '?' if next < params.len() => {
                dialect.inline_value(&mut out, &params[next]);
                next += 1;
            }
            _ => out.push(c),
        }
    }
    out
}
