//! What crosses the wire: SQL values ([`SqlValue`]), rows ([`Row`]) and what `execute`
//! answers ([`Executed`]).
//!
//! SQLite's five storage classes map to MessagePack as pages expect them: `NULL` → `nil`,
//! `INTEGER` → an integer, `REAL` → a float, `TEXT` → a string, `BLOB` → `bin` (a
//! `Uint8Array`). An integer outside ±(2^53 − 1), which a JavaScript `number` cannot hold
//! exactly, travels as `{ int64: "<decimal>" }` (PROTOCOL.md §8: a 64-bit value that needs
//! its full range travels as a string), so it is never rounded and never mistaken for text.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use specta::datatype::DataType;
use specta::{Generics, TypeCollection};

/// The largest integer a JavaScript `number` holds exactly (2^53 − 1).
pub const MAX_SAFE_INTEGER: i64 = 9_007_199_254_740_991;

/// One SQL value, as a parameter or in a row.
///
/// ```
/// use switchboard_plugin_sql::SqlValue;
/// let big = SqlValue::Integer(i64::MAX);
/// let bytes = rmp_serde::to_vec_named(&big).unwrap();
/// // a map { int64: "9223372036854775807" }, not an integer a page would round
/// let back: SqlValue = rmp_serde::from_slice(&bytes).unwrap();
/// assert_eq!(back, big);
/// let small: SqlValue = rmp_serde::from_slice(&rmp_serde::to_vec(&42).unwrap()).unwrap();
/// assert_eq!(small, SqlValue::Integer(42));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum SqlValue {
    /// `NULL`.
    Null,
    /// A 64-bit integer.
    Integer(i64),
    /// A 64-bit float.
    Real(f64),
    /// UTF-8 text.
    Text(String),
    /// Bytes.
    Blob(Vec<u8>),
}

impl Serialize for SqlValue {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            SqlValue::Null => s.serialize_unit(),
            SqlValue::Integer(n) if (-MAX_SAFE_INTEGER..=MAX_SAFE_INTEGER).contains(n) => {
                s.serialize_i64(*n)
            }
            SqlValue::Integer(n) => {
                let mut map = s.serialize_map(Some(1))?;
                map.serialize_entry("int64", &n.to_string())?;
                map.end()
            }
            SqlValue::Real(f) => s.serialize_f64(*f),
            SqlValue::Text(t) => s.serialize_str(t),
            SqlValue::Blob(b) => s.serialize_bytes(b),
        }
    }
}

impl<'de> Deserialize<'de> for SqlValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = SqlValue;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("null, a boolean, a number, a string, bytes or { int64: \"<decimal>\" }")
    }

    fn visit_unit<E>(self) -> Result<SqlValue, E> {
        Ok(SqlValue::Null)
    }
    fn visit_none<E>(self) -> Result<SqlValue, E> {
        Ok(SqlValue::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<SqlValue, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_bool<E>(self, v: bool) -> Result<SqlValue, E> {
        Ok(SqlValue::Integer(i64::from(v)))
    }
    fn visit_i64<E>(self, v: i64) -> Result<SqlValue, E> {
        Ok(SqlValue::Integer(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<SqlValue, E> {
        i64::try_from(v)
            .map(SqlValue::Integer)
            .map_err(|_| E::custom(format!("{v} does not fit a 64-bit signed integer")))
    }
    fn visit_f64<E>(self, v: f64) -> Result<SqlValue, E> {
        Ok(SqlValue::Real(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<SqlValue, E> {
        Ok(SqlValue::Text(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<SqlValue, E> {
        Ok(SqlValue::Text(v))
    }
    fn visit_bytes<E>(self, v: &[u8]) -> Result<SqlValue, E> {
        Ok(SqlValue::Blob(v.to_vec()))
    }
    fn visit_byte_buf<E>(self, v: Vec<u8>) -> Result<SqlValue, E> {
        Ok(SqlValue::Blob(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, _seq: A) -> Result<SqlValue, A::Error> {
        Err(de::Error::custom(
            "an array is not an SQL value (bytes travel as a Uint8Array)",
        ))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<SqlValue, A::Error> {
        let mut out = None;
        while let Some(key) = map.next_key::<String>()? {
            if key != "int64" || out.is_some() {
                return Err(de::Error::custom(format!(
                    "`{key}`: the only map an SQL value can be is {{ int64: \"<decimal>\" }}"
                )));
            }
            let text: String = map.next_value()?;
            let n = text.trim().parse::<i64>().map_err(|e| {
                de::Error::custom(format!("int64 `{text}` is not a 64-bit integer: {e}"))
            })?;
            out = Some(SqlValue::Integer(n));
        }
        out.ok_or_else(|| de::Error::custom("an empty map is not an SQL value"))
    }
}

impl rusqlite::ToSql for SqlValue {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(ToSqlOutput::Borrowed(match self {
            SqlValue::Null => ValueRef::Null,
            SqlValue::Integer(n) => ValueRef::Integer(*n),
            SqlValue::Real(f) => ValueRef::Real(*f),
            SqlValue::Text(t) => ValueRef::Text(t.as_bytes()),
            SqlValue::Blob(b) => ValueRef::Blob(b),
        }))
    }
}

impl From<rusqlite::types::ValueRef<'_>> for SqlValue {
    fn from(v: rusqlite::types::ValueRef<'_>) -> Self {
        use rusqlite::types::ValueRef;
        match v {
            ValueRef::Null => SqlValue::Null,
            ValueRef::Integer(n) => SqlValue::Integer(n),
            ValueRef::Real(f) => SqlValue::Real(f),
            // SQLite may hold text that is not UTF-8 (written through a blob cast): keep it
            // readable rather than failing the whole query
            ValueRef::Text(t) => SqlValue::Text(String::from_utf8_lossy(t).into_owned()),
            ValueRef::Blob(b) => SqlValue::Blob(b.to_vec()),
        }
    }
}

/// `Uint8Array` in the bindings (a MessagePack `bin` decodes to one).
pub(crate) struct Uint8ArrayTs;

impl specta::Type for Uint8ArrayTs {
    fn inline(_: &mut TypeCollection, _: Generics) -> DataType {
        DataType::Generic(Cow::Borrowed("Uint8Array").into())
    }
}

/// One SQL value: `null`, a number, text, bytes, or an integer past 2^53 − 1 as
/// `{ int64: "<decimal>" }` (exact; never rounded).
#[allow(dead_code)] // a description for the bindings, never built
#[derive(specta::Type)]
#[specta(rename = "SqlValue")]
#[serde(untagged)]
enum SqlValueTs {
    Null,
    Number(f64),
    Text(String),
    Blob(Uint8ArrayTs),
    Int64 { int64: String },
}

impl specta::Type for SqlValue {
    fn inline(types: &mut TypeCollection, generics: Generics) -> DataType {
        SqlValueTs::inline(types, generics)
    }
    fn reference(
        types: &mut TypeCollection,
        generics: &[DataType],
    ) -> specta::datatype::reference::Reference {
        SqlValueTs::reference(types, generics)
    }
}

/// One row of a `select`: column name → value, in the statement's column order (a map on
/// the wire, an object on the page). Name duplicate columns apart with `AS`: a later column
/// of the same name replaces an earlier one on the page.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Row(pub Vec<(String, SqlValue)>);

impl Row {
    /// The value of column `name`.
    pub fn get(&self, name: &str) -> Option<&SqlValue> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }
}

impl Serialize for Row {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (name, value) in &self.0 {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Row {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct RowVisitor;
        impl<'de> Visitor<'de> for RowVisitor {
            type Value = Row;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map of column name to value")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Row, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, SqlValue>()? {
                    out.push((k, v));
                }
                Ok(Row(out))
            }
        }
        d.deserialize_map(RowVisitor)
    }
}

impl specta::Type for Row {
    fn inline(types: &mut TypeCollection, generics: Generics) -> DataType {
        <std::collections::HashMap<String, SqlValue> as specta::Type>::inline(types, generics)
    }
}

/// What `execute` answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct Executed {
    /// Rows the statement inserted, changed or deleted.
    pub rows_affected: u64,
    /// The rowid of the last row inserted through this connection (a [`SqlValue`] integer:
    /// `{ int64 }` past 2^53 − 1).
    pub last_insert_id: SqlValue,
}
