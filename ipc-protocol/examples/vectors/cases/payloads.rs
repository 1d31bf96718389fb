//! Payload values (PROTOCOL.md §8), encoded from Rust values with `payload::to_bytes`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use switchboard_protocol::*;

use super::*;

#[derive(Serialize, Deserialize, PartialEq, Debug)]
struct User {
    name: String,
    age: u32,
    email: Option<String>,
    #[serde(with = "serde_bytes")]
    avatar: Vec<u8>,
    tags: Vec<String>,
}

#[derive(Serialize, Deserialize, PartialEq, Debug)]
enum Shape {
    Circle { r: f64 },
    Square(u32),
    Empty,
}

#[derive(Serialize, Deserialize, PartialEq, Debug)]
struct Outer {
    inner: Vec<BTreeMap<String, Vec<i32>>>,
    flag: bool,
}

#[derive(Serialize, Deserialize, PartialEq, Debug)]
struct BigId {
    #[serde(with = "switchboard_protocol::payload::u64_string")]
    id: u64,
}

fn case<T>(name: &'static str, note: &'static str, value: T, js: &'static str) -> PayloadCase
where
    T: Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let bytes = payload::to_bytes(&value)
        .expect("vector payloads encode")
        .to_vec();
    let back: Result<T, _> = payload::from_slice(&bytes, &Limits::default());
    PayloadCase {
        name,
        note,
        round_trips: back.as_ref() == Ok(&value),
        bytes,
        js,
    }
}

pub fn payloads() -> Vec<PayloadCase> {
    vec![
        case(
            "struct_as_map",
            "a struct is a map of field names (to_vec_named); bytes as bin; None as nil",
            User {
                name: "Ada".into(),
                age: 36,
                email: None,
                avatar: vec![0, 1, 254, 255],
                tags: vec!["admin".into(), "ops".into()],
            },
            "accept",
        ),
        case(
            "option_some",
            "Some(x) is x",
            Some("ada@example.com".to_owned()),
            "accept",
        ),
        case("option_none", "None is nil", None::<u8>, "accept"),
        case(
            "bytes_bin",
            "serde_bytes buffers are bin",
            serde_bytes::ByteBuf::from(vec![0xde, 0xad, 0xbe, 0xef]),
            "accept",
        ),
        case("u64_0", "", 0u64, "accept"),
        case("u64_127", "positive fixint", 127u64, "accept"),
        case("u64_128", "uint8", 128u64, "accept"),
        case("u64_255", "uint8", 255u64, "accept"),
        case("u64_256", "uint16", 256u64, "accept"),
        case("u64_2_32", "uint64", 1u64 << 32, "accept"),
        case(
            "u64_max_safe",
            "2^53 - 1, the largest exact integer in JS",
            MAX_SAFE_INTEGER,
            "accept",
        ),
        case(
            "u64_2_53",
            "2^53: the JS client rejects it rather than round",
            1u64 << 53,
            "reject",
        ),
        case("u64_max", "2^64 - 1", u64::MAX, "reject"),
        case("i64_min", "-2^63", i64::MIN, "reject"),
        case(
            "i64_min_safe",
            "-(2^53 - 1), the most negative exact integer in JS",
            -(MAX_SAFE_INTEGER as i64),
            "accept",
        ),
        case("i64_below_min_safe", "-2^53", -(1i64 << 53), "reject"),
        case("neg_1", "negative fixint", -1i64, "accept"),
        case("neg_32", "negative fixint", -32i64, "accept"),
        case("neg_33", "int8", -33i64, "accept"),
        case("neg_129", "int16", -129i64, "accept"),
        case("neg_40000", "int32", -40_000i64, "accept"),
        case(
            "i64_positive",
            "a non-negative i64 is written as an unsigned integer",
            200i64,
            "accept",
        ),
        case("f64", "a float64", 1.5f64, "accept"),
        case("f64_integral", "1.0 stays a float64", 1.0f64, "accept"),
        case("f64_negative", "", -0.25f64, "accept"),
        case("string_emoji", "4-byte UTF-8", "🦀🚀".to_owned(), "accept"),
        case("string_cjk", "", "你好，世界".to_owned(), "accept"),
        case(
            "string_nul",
            "a NUL inside a string",
            "a\u{0}b".to_owned(),
            "accept",
        ),
        case("string_empty", "", String::new(), "accept"),
        case(
            "string_str8",
            "32 bytes take str8",
            "x".repeat(32),
            "accept",
        ),
        case(
            "nested",
            "maps in arrays in a struct",
            Outer {
                inner: vec![
                    BTreeMap::from([("a".to_owned(), vec![1, -2]), ("b".to_owned(), vec![])]),
                    BTreeMap::new(),
                ],
                flag: true,
            },
            "accept",
        ),
        case(
            "enum_unit",
            "a unit variant is its name",
            Shape::Empty,
            "accept",
        ),
        case(
            "enum_newtype",
            "externally tagged: {variant: value}",
            Shape::Square(4),
            "accept",
        ),
        case(
            "enum_struct",
            "externally tagged: {variant: {fields}}",
            Shape::Circle { r: 2.5 },
            "accept",
        ),
        case(
            "u64_as_string",
            "payload::u64_string: a full-range u64 as decimal text",
            BigId { id: u64::MAX },
            "accept",
        ),
        case(
            "tuple",
            "a tuple is an array",
            (1u8, "two".to_owned(), false),
            "accept",
        ),
        case("unit", "() is nil", (), "accept"),
    ]
}
