use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

const VERSION: &str = "c2";

/// Which list a cursor walks: the connection's name and what scopes it
/// (`"merchantOrders"` and the merchant's id, …). A cursor carries only a
/// digest of it, so it stays opaque and is refused by every other list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ListId(u64);

impl ListId {
    /// The list `name` narrowed by `scope` (empty when the list is global).
    pub(crate) fn new(name: &str, scope: &str) -> ListId {
        // FNV-1a: stable across builds and processes, unlike `DefaultHasher`.
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in name.bytes().chain([0]).chain(scope.bytes()) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        ListId(hash)
    }
}

/// A position in a service's list: resume the service's list at `resume`
/// (its own opaque cursor, `None` for the start) and skip `skip` items.
/// Opaque to clients.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Cursor {
    pub(crate) resume: Option<String>,
    pub(crate) skip: usize,
}

impl Cursor {
    pub(crate) fn encode(&self, list: &ListId) -> String {
        let resume = self.resume.as_deref().unwrap_or("");
        URL_SAFE_NO_PAD.encode(format!("{VERSION}|{:016x}|{}|{resume}", list.0, self.skip))
    }

    /// The cursor in `text` if it is one of `list`'s.
    pub(crate) fn decode(text: &str, list: &ListId) -> Option<Cursor> {
        let plain = String::from_utf8(URL_SAFE_NO_PAD.decode(text).ok()?).ok()?;
        let mut parts = plain.splitn(4, '|');
        if parts.next()? != VERSION || parts.next()? != format!("{:016x}", list.0) {
            return None;
        }
        let skip = parts.next()?.parse().ok()?;
        let resume = parts.next()?;
        Some(Cursor {
            resume: (!resume.is_empty()).then(|| resume.to_owned()),
            skip,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip() {
        let list = ListId::new("merchants", "");
        for cursor in [
            Cursor::default(),
            Cursor {
                resume: Some("opaque|with|bars".into()),
                skip: 0,
            },
            Cursor {
                resume: None,
                skip: 17,
            },
        ] {
            assert_eq!(Cursor::decode(&cursor.encode(&list), &list), Some(cursor));
        }
    }

    #[test]
    fn a_cursor_belongs_to_its_list_only() {
        let cursor = Cursor {
            resume: Some("x".into()),
            skip: 1,
        };
        let orders_of_a = ListId::new("merchantOrders", "a");
        let text = cursor.encode(&orders_of_a);
        for other in [
            ListId::new("merchantOrders", "b"),
            ListId::new("myOrders", "a"),
            ListId::new("merchants", ""),
            ListId::new("merchantOrdersa", ""),
        ] {
            assert_eq!(Cursor::decode(&text, &other), None, "{other:?}");
        }
        assert!(!text.contains("merchantOrders"));
    }

    #[test]
    fn foreign_text_is_not_a_cursor() {
        let list = ListId::new("merchants", "");
        let tag = format!("{:016x}", list.0);
        for text in [
            "",
            "abc",
            &URL_SAFE_NO_PAD.encode("c1|0|x"),
            &URL_SAFE_NO_PAD.encode(format!("c3|{tag}|0|x")),
            &URL_SAFE_NO_PAD.encode(format!("c2|{tag}|-1|x")),
        ] {
            assert_eq!(Cursor::decode(text, &list), None, "{text:?}");
        }
    }
}
