//! Names, addresses and topics (PROTOCOL.md §3): parsed at the edge, trusted inside.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

/// Longest [`Name`] in bytes.
pub const MAX_NAME_LEN: usize = 64;
/// Longest [`Topic`] in bytes.
pub const MAX_TOPIC_LEN: usize = 128;

/// Why a name, address or topic did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NameError {
    /// The text was empty.
    #[error("empty name")]
    Empty,
    /// The text was longer than allowed.
    #[error("name `{name}` is {len} bytes long, the limit is {max}")]
    TooLong {
        /// The offending text (cut to the limit).
        name: String,
        /// Its length in bytes.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The text held a character not allowed there.
    #[error("name `{name}` holds {ch:?}, allowed are A-Z a-z 0-9 _ -{extra}")]
    BadChar {
        /// The offending text.
        name: String,
        /// The first bad character.
        ch: char,
        /// Characters allowed beyond the name characters, for the message.
        extra: &'static str,
    },
    /// An address with an unknown `prefix:`.
    #[error(
        "address `{0}` has an unknown prefix: expected cmd:, plugin:, window: or a bare actor name"
    )]
    UnknownPrefix(String),
}

fn check(text: &str, max: usize, extra: &'static str) -> Result<(), NameError> {
    if text.is_empty() {
        return Err(NameError::Empty);
    }
    if text.len() > max {
        let mut cut = max;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        return Err(NameError::TooLong {
            name: text[..cut].to_owned(),
            len: text.len(),
            max,
        });
    }
    if let Some(ch) = text
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '-' || extra.contains(*c)))
    {
        return Err(NameError::BadChar {
            name: text.to_owned(),
            ch,
            extra,
        });
    }
    Ok(())
}

/// A name: 1 to 64 bytes of `A-Z a-z 0-9 _ -`. Cheap to clone.
///
/// ```
/// use switchboard_protocol::Name;
/// let name: Name = "greet".parse().unwrap();
/// assert_eq!(name.as_str(), "greet");
/// assert!("no spaces".parse::<Name>().is_err());
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Name(Arc<str>);

impl Name {
    /// Parse a name.
    pub fn new(text: &str) -> Result<Self, NameError> {
        check(text, MAX_NAME_LEN, "")?;
        Ok(Self(Arc::from(text)))
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for Name {
    type Err = NameError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

/// A topic: 1 to 128 bytes of name characters and `. : /`.
///
/// ```
/// use switchboard_protocol::Topic;
/// let topic: Topic = "download/progress".parse().unwrap();
/// assert_eq!(topic.to_string(), "download/progress");
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Topic(Arc<str>);

impl Topic {
    /// Parse a topic.
    pub fn new(text: &str) -> Result<Self, NameError> {
        check(text, MAX_TOPIC_LEN, ".:/")?;
        Ok(Self(Arc::from(text)))
    }

    /// The topic as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for Topic {
    type Err = NameError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

impl fmt::Display for Topic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Topic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

/// The address of an actor on the bus.
///
/// ```
/// use switchboard_protocol::Address;
/// let a: Address = "cmd:greet".parse().unwrap();
/// assert!(matches!(a, Address::Command(_)));
/// assert_eq!(a.to_string(), "cmd:greet");
/// let b: Address = "counter".parse().unwrap();
/// assert!(matches!(b, Address::Actor(_)));
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Address {
    /// `cmd:<name>`: a command.
    Command(Name),
    /// `<name>`: a user actor.
    Actor(Name),
    /// `plugin:<name>`: a plugin's actor.
    Plugin(Name),
    /// `window:<label>`: a window's actor.
    Window(Name),
}

impl Address {
    /// Parse an address.
    pub fn parse(text: &str) -> Result<Self, NameError> {
        match text.split_once(':') {
            Some(("cmd", rest)) => Ok(Address::Command(Name::new(rest)?)),
            Some(("plugin", rest)) => Ok(Address::Plugin(Name::new(rest)?)),
            Some(("window", rest)) => Ok(Address::Window(Name::new(rest)?)),
            Some(_) => Err(NameError::UnknownPrefix(text.to_owned())),
            None => Ok(Address::Actor(Name::new(text)?)),
        }
    }

    /// The name after the prefix.
    pub fn name(&self) -> &Name {
        match self {
            Address::Command(n) | Address::Actor(n) | Address::Plugin(n) | Address::Window(n) => n,
        }
    }

    /// A command's address.
    pub fn command(name: &str) -> Result<Self, NameError> {
        Ok(Address::Command(Name::new(name)?))
    }

    /// A window's address.
    pub fn window(label: &str) -> Result<Self, NameError> {
        Ok(Address::Window(Name::new(label)?))
    }
}

impl FromStr for Address {
    type Err = NameError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Address::Command(n) => write!(f, "cmd:{n}"),
            Address::Actor(n) => write!(f, "{n}"),
            Address::Plugin(n) => write!(f, "plugin:{n}"),
            Address::Window(n) => write!(f, "window:{n}"),
        }
    }
}

impl fmt::Debug for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Address({self})")
    }
}
