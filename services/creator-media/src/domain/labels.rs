use super::{Refusal, TextRule};

/// A label of a filter or of what a promotion is about (a tag, a category,
/// a region): trimmed, lower case, at most 40 characters.
const LABEL: TextRule = TextRule { max: 40 };

/// Why a list of labels was refused: the entry (`tags[2]`) or the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LabelsRefused {
    Entry { field: String, problem: Refusal },
    TooMany { field: &'static str, max: usize },
}

/// One label, normalised: trimmed and lower case.
pub fn label(field: &str, value: &str) -> Result<String, LabelsRefused> {
    LABEL
        .check(value)
        .map(|text| text.to_lowercase())
        .map_err(|problem| LabelsRefused::Entry {
            field: field.to_owned(),
            problem,
        })
}

/// At most `max` labels, each normalised; entries that are the same once
/// normalised are kept once, in first-seen order.
pub fn labels(
    field: &'static str,
    values: &[String],
    max: usize,
) -> Result<Vec<String>, LabelsRefused> {
    if values.len() > max {
        return Err(LabelsRefused::TooMany { field, max });
    }
    let mut kept: Vec<String> = Vec::with_capacity(values.len());
    for (i, value) in values.iter().enumerate() {
        let value = label(&format!("{field}[{i}]"), value)?;
        if !kept.contains(&value) {
            kept.push(value);
        }
    }
    Ok(kept)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_lower_case_and_kept_once() {
        let values = vec![" K-Pop ".to_owned(), "k-pop".to_owned(), "Snack".to_owned()];
        assert_eq!(labels("tags", &values, 20).unwrap(), ["k-pop", "snack"]);
        assert_eq!(
            labels("tags", &["a".to_owned(), " ".to_owned()], 20),
            Err(LabelsRefused::Entry {
                field: "tags[1]".into(),
                problem: Refusal::Blank
            })
        );
        assert_eq!(
            labels("tags", &["a".to_owned(), "b".to_owned()], 1),
            Err(LabelsRefused::TooMany {
                field: "tags",
                max: 1
            })
        );
    }
}
