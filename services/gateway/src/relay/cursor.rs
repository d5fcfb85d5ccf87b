use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

const VERSION: &str = "c1";

/// A position in a service's list: resume the service's list at `resume`
/// (its own opaque cursor, `None` for the start) and skip `skip` items.
/// Opaque to clients.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Cursor {
    pub(crate) resume: Option<String>,
    pub(crate) skip: usize,
}

impl Cursor {
    pub(crate) fn encode(&self) -> String {
        let resume = self.resume.as_deref().unwrap_or("");
        URL_SAFE_NO_PAD.encode(format!("{VERSION}|{}|{resume}", self.skip))
    }

    pub(crate) fn decode(text: &str) -> Option<Cursor> {
        let plain = String::from_utf8(URL_SAFE_NO_PAD.decode(text).ok()?).ok()?;
        let mut parts = plain.splitn(3, '|');
        if parts.next()? != VERSION {
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
            assert_eq!(Cursor::decode(&cursor.encode()), Some(cursor));
        }
    }

    #[test]
    fn foreign_text_is_not_a_cursor() {
        for text in [
            "",
            "abc",
            &URL_SAFE_NO_PAD.encode("c2|0|x"),
            &URL_SAFE_NO_PAD.encode("c1|-1|x"),
        ] {
            assert_eq!(Cursor::decode(text), None, "{text:?}");
        }
    }
}
