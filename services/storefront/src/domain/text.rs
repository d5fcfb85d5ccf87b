/// Why a text input was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextProblem {
    Blank,
    TooLong {
        max: usize,
    },
    /// A NUL or another control character (C0, DEL or C1); multi-line text
    /// may hold line feeds, carriage returns and tabs, nothing else.
    ControlCharacter,
}

impl TextProblem {
    pub fn code(self) -> &'static str {
        match self {
            TextProblem::Blank => "FIELD_REQUIRED",
            TextProblem::TooLong { .. } => "FIELD_TOO_LONG",
            TextProblem::ControlCharacter => "INVALID_TEXT",
        }
    }
}

impl std::fmt::Display for TextProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TextProblem::Blank => f.write_str("must not be blank"),
            TextProblem::TooLong { max } => write!(f, "must be at most {max} characters"),
            TextProblem::ControlCharacter => {
                f.write_str("must not contain NUL or other control characters")
            }
        }
    }
}

/// Whether text may span lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lines {
    /// Names, labels, reasons: no control character at all.
    Single,
    /// Descriptions and notes: line feeds, carriage returns and tabs allowed.
    Multi,
}

/// The trimmed one-line text, refused when blank, longer than `max`
/// characters or holding a control character.
pub(crate) fn required(value: &str, max: usize) -> Result<String, TextProblem> {
    let text = optional(value, max, Lines::Single)?;
    if text.is_empty() {
        return Err(TextProblem::Blank);
    }
    Ok(text)
}

/// The trimmed text, which may be empty, refused when longer than `max`
/// characters or holding a control character `lines` does not allow.
pub(crate) fn optional(value: &str, max: usize, lines: Lines) -> Result<String, TextProblem> {
    let text = value.trim();
    if text.chars().count() > max {
        return Err(TextProblem::TooLong { max });
    }
    let allowed = |c: char| lines == Lines::Multi && matches!(c, '\n' | '\r' | '\t');
    if text.chars().any(|c| c.is_control() && !allowed(c)) {
        return Err(TextProblem::ControlCharacter);
    }
    Ok(text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_text_is_trimmed_and_bounded() {
        assert_eq!(required("  골목  ", 5), Ok("골목".to_owned()));
        assert_eq!(required("   ", 5), Err(TextProblem::Blank));
        assert_eq!(required("\u{3000}\t ", 5), Err(TextProblem::Blank));
        assert_eq!(
            required("가나다라마바", 5),
            Err(TextProblem::TooLong { max: 5 })
        );
        assert_eq!(optional("", 5, Lines::Single), Ok(String::new()));
    }

    #[test]
    fn control_characters_are_refused() {
        for bad in [
            "a\0b",
            "a\u{7}b",
            "a\u{1b}[31mb",
            "a\u{7f}b",
            "a\u{85}b",
            "a\u{9b}b",
        ] {
            assert_eq!(
                required(bad, 50),
                Err(TextProblem::ControlCharacter),
                "{bad:?}"
            );
            assert_eq!(
                optional(bad, 50, Lines::Multi),
                Err(TextProblem::ControlCharacter),
                "{bad:?}"
            );
        }
        assert_eq!(required("a\nb", 50), Err(TextProblem::ControlCharacter));
        assert_eq!(required("a\tb", 50), Err(TextProblem::ControlCharacter));
        assert_eq!(
            optional("첫 줄\r\n둘째\t줄", 50, Lines::Multi),
            Ok("첫 줄\r\n둘째\t줄".to_owned())
        );
    }
}
