//! [`Binary`]: bytes that travel as MessagePack `bin` and are not copied on the way in.

use std::cell::RefCell;
use std::fmt;
use std::ops::Deref;

use bytes::Bytes;
use serde::de::{Deserialize, Deserializer, Error, SeqAccess, Visitor};
use serde::{Serialize, Serializer};

/// A byte buffer argument or result that travels as MessagePack `bin` (a `Uint8Array` in the
/// page) without being copied on the way in.
///
/// An argument of this type (or a field of this type in an argument) is a [`Bytes`] slice of
/// the request frame the bridge received: a 16 MiB upload reaches the handler without a
/// copy, where `serde_bytes::ByteBuf` or `Vec<u8>` copy it once more. As a result, it is
/// written straight into the response frame (one copy, the one the frame needs). Decoded
/// outside a call (for example by [`payload::from_slice`](crate::protocol::payload::from_slice)),
/// it copies like `ByteBuf`. It also accepts an array of integers 0-255, as `ByteBuf` does.
///
/// ```
/// use switchboard::{App, Binary};
///
/// /// Echo the bytes: neither the argument nor the answer copies them again.
/// #[switchboard::command]
/// fn echo(data: Binary) -> Binary {
///     data
/// }
///
/// /// The first `n` bytes, still a slice of the request frame.
/// #[switchboard::command]
/// fn head(data: Binary, n: usize) -> Binary {
///     let n = n.min(data.len());
///     Binary::from(data.into_bytes().slice(..n))
/// }
///
/// let app = App::builder().commands(switchboard::commands![echo, head]).build().unwrap();
/// # drop(app);
/// let data = Binary::from(vec![1, 2, 3]);
/// assert_eq!(&data[..], [1, 2, 3]);
/// ```
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Binary(Bytes);

impl Binary {
    /// The bytes as [`Bytes`] (a cheap, reference-counted handle).
    pub fn as_bytes(&self) -> &Bytes {
        &self.0
    }

    /// The bytes as [`Bytes`].
    pub fn into_bytes(self) -> Bytes {
        self.0
    }
}

impl fmt::Debug for Binary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Binary({} bytes)", self.0.len())
    }
}

impl Deref for Binary {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.0
    }
}

impl AsRef<[u8]> for Binary {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl From<Bytes> for Binary {
    fn from(bytes: Bytes) -> Self {
        Binary(bytes)
    }
}

impl From<Vec<u8>> for Binary {
    fn from(bytes: Vec<u8>) -> Self {
        Binary(bytes.into())
    }
}

impl From<&'static [u8]> for Binary {
    fn from(bytes: &'static [u8]) -> Self {
        Binary(Bytes::from_static(bytes))
    }
}

impl From<Binary> for Bytes {
    fn from(binary: Binary) -> Self {
        binary.0
    }
}

impl From<Binary> for Vec<u8> {
    fn from(binary: Binary) -> Self {
        binary.0.into()
    }
}

impl Serialize for Binary {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(&self.0)
    }
}

impl<'de> Deserialize<'de> for Binary {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_byte_buf(BinaryVisitor)
    }
}

struct BinaryVisitor;

impl<'de> Visitor<'de> for BinaryVisitor {
    type Value = Binary;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("bytes")
    }

    fn visit_borrowed_bytes<E: Error>(self, v: &'de [u8]) -> Result<Binary, E> {
        Ok(Binary(slice_of_source(v)))
    }

    fn visit_bytes<E: Error>(self, v: &[u8]) -> Result<Binary, E> {
        Ok(Binary(Bytes::copy_from_slice(v)))
    }

    fn visit_byte_buf<E: Error>(self, v: Vec<u8>) -> Result<Binary, E> {
        Ok(Binary(v.into()))
    }

    fn visit_borrowed_str<E: Error>(self, v: &'de str) -> Result<Binary, E> {
        Ok(Binary(slice_of_source(v.as_bytes())))
    }

    fn visit_str<E: Error>(self, v: &str) -> Result<Binary, E> {
        Ok(Binary(Bytes::copy_from_slice(v.as_bytes())))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Binary, A::Error> {
        // `size_hint` comes from the input: bound what it may reserve
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(byte) = seq.next_element::<u8>()? {
            out.push(byte);
        }
        Ok(Binary(out.into()))
    }
}

thread_local! {
    /// The buffer being decoded on this thread, whose slices [`Binary`] borrows.
    static SOURCE: RefCell<Option<Bytes>> = const { RefCell::new(None) };
}

/// `bytes` as a slice of the buffer being decoded when it lies inside it, else a copy.
fn slice_of_source(bytes: &[u8]) -> Bytes {
    SOURCE.with(|source| match &*source.borrow() {
        Some(source) if contains(source, bytes) => source.slice_ref(bytes),
        _ => Bytes::copy_from_slice(bytes),
    })
}

/// Whether `part` lies inside `whole` (by address).
fn contains(whole: &[u8], part: &[u8]) -> bool {
    let start = whole.as_ptr() as usize;
    let at = part.as_ptr() as usize;
    at >= start && at + part.len() <= start + whole.len()
}

/// Runs `decode` with `source` as the buffer [`Binary`] values borrow from: a `Binary`
/// decoded from bytes inside `source` is a slice of it. Nests (the previous source is back
/// afterwards, also when `decode` panics).
pub(crate) fn borrowing_from<R>(source: &Bytes, decode: impl FnOnce() -> R) -> R {
    struct Restore(Option<Bytes>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let previous = self.0.take();
            SOURCE.with(|source| *source.borrow_mut() = previous);
        }
    }
    let previous = SOURCE.with(|slot| slot.borrow_mut().replace(source.clone()));
    let _restore = Restore(previous);
    decode()
}

impl specta::Type for Binary {
    fn inline(
        types: &mut specta::TypeCollection,
        generics: specta::Generics<'_>,
    ) -> specta::DataType {
        <Vec<u8> as specta::Type>::inline(types, generics)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize)]
    struct Upload {
        name: String,
        data: Binary,
    }

    fn encode(v: &impl Serialize) -> Bytes {
        Bytes::from(rmp_serde::to_vec_named(v).unwrap())
    }

    #[test]
    fn decoded_binary_is_a_slice_of_the_source() {
        let data = serde_bytes::ByteBuf::from(vec![7u8; 100_000]);
        let source = encode(&data);
        let binary: Binary = borrowing_from(&source, || rmp_serde::from_slice(&source).unwrap());
        assert_eq!(binary.len(), 100_000);
        assert!(contains(&source, &binary));
        assert!(binary.iter().all(|b| *b == 7));
    }

    #[test]
    fn nested_binary_fields_are_slices_too() {
        #[derive(Serialize)]
        struct Out<'a> {
            name: &'a str,
            #[serde(with = "serde_bytes")]
            data: &'a [u8],
        }
        let source = encode(&Out {
            name: "a",
            data: &[1, 2, 3],
        });
        let upload: Upload = borrowing_from(&source, || rmp_serde::from_slice(&source).unwrap());
        assert_eq!(upload.name, "a");
        assert_eq!(&upload.data[..], [1, 2, 3]);
        assert!(contains(&source, &upload.data));
    }

    #[test]
    fn without_a_source_it_copies() {
        let source = encode(&serde_bytes::ByteBuf::from(vec![1u8, 2]));
        let binary: Binary = rmp_serde::from_slice(&source).unwrap();
        assert_eq!(&binary[..], [1, 2]);
        assert!(!contains(&source, &binary));
        // a source that does not hold the bytes is not sliced either
        let other = Bytes::from_static(b"elsewhere");
        let binary: Binary = borrowing_from(&other, || rmp_serde::from_slice(&source).unwrap());
        assert_eq!(&binary[..], [1, 2]);
    }

    #[test]
    fn the_source_is_restored_after_nesting_and_panics() {
        let outer = Bytes::from_static(b"outer");
        let inner = Bytes::from_static(b"inner");
        borrowing_from(&outer, || {
            let _ = std::panic::catch_unwind(|| borrowing_from(&inner, || panic!("inside")));
            SOURCE.with(|s| assert_eq!(s.borrow().as_deref(), Some(&b"outer"[..])));
        });
        SOURCE.with(|s| assert!(s.borrow().is_none()));
    }

    /// Where the last `echo` argument's bytes were.
    static SEEN: std::sync::Mutex<Option<(usize, usize)>> = std::sync::Mutex::new(None);

    #[crate::command]
    fn echo(data: Binary) -> Binary {
        *SEEN.lock().unwrap() = Some((data.as_ptr() as usize, data.len()));
        data
    }

    #[tokio::test]
    async fn a_binary_argument_is_a_slice_of_the_request_frame_and_comes_back_framed() {
        use switchboard_protocol::{Address, Frame, Hello, Limits, Request, RequestId, Response};
        struct Discard;
        impl crate::Outbound for Discard {
            fn send(&self, _frame: Bytes) -> Result<(), crate::Closed> {
                Ok(())
            }
        }
        let app = crate::App::builder()
            .commands(crate::commands![echo])
            .capability(
                crate::Capability::new("t")
                    .windows(["main"])
                    .allow(["cmd:echo"]),
            )
            .build()
            .unwrap();
        let session = app.session(
            crate::Caller::new("main", "app://localhost"),
            std::sync::Arc::new(Discard),
        );
        let hello = Frame::Hello(Hello {
            versions: vec![2, 1],
            client: "t".into(),
            name: "t".into(),
        });
        session.handle(hello.encode().into()).await.unwrap();
        for (id, len) in [(1, 3), (300, 70_000), (1 << 40, 1 << 20)] {
            let data: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
            #[derive(Serialize)]
            struct Args<'a> {
                #[serde(with = "serde_bytes")]
                data: &'a [u8],
            }
            let id = RequestId::new(id).unwrap();
            let frame = Bytes::from(
                Frame::Request(Request {
                    id,
                    to: Address::parse("cmd:echo").unwrap(),
                    method: String::new(),
                    payload: encode(&Args { data: &data }),
                    deadline_ms: None,
                    credit: None,
                })
                .encode(),
            );
            let answer = session.handle(frame.clone()).await.unwrap();
            let (at, seen_len) = SEEN.lock().unwrap().take().unwrap();
            let start = frame.as_ptr() as usize;
            assert_eq!(seen_len, len);
            assert!(
                at > start && at + len <= start + frame.len(),
                "{len} bytes copied"
            );
            let expected = Frame::Response(Response {
                id,
                result: Ok(encode(&serde_bytes::Bytes::new(&data))),
            });
            assert_eq!(answer, Bytes::from(expected.encode()), "{len} bytes");
            assert!(Frame::decode(&answer, &Limits::default()).is_ok());
        }
    }

    #[test]
    fn binary_encodes_as_bin_and_reads_arrays_and_json() {
        let binary = Binary::from(vec![1u8, 2, 3]);
        assert_eq!(&encode(&binary)[..], [0xc4, 3, 1, 2, 3]);
        // an array of small integers, as `ByteBuf` accepts
        let array = encode(&[1u8, 2, 3]);
        assert_eq!(rmp_serde::from_slice::<Binary>(&array).unwrap(), binary);
        let json: Binary = serde_json::from_str("[1,2,3]").unwrap();
        assert_eq!(json, binary);
        assert!(rmp_serde::from_slice::<Binary>(&encode(&[256u32])).is_err());
    }
}
