//! Typed telemetry events of the voucher service's application layer.

/// A read-model row that cannot be decoded: a bug or a damaged row. Readers
/// skip it (a list) or name it (a single read) instead of failing wholesale.
pub(crate) struct BadRow<'a> {
    pub table: &'a str,
    pub partition: &'a str,
    pub clustering: &'a str,
    pub error: &'a dyn std::error::Error,
}

impl BadRow<'_> {
    /// Logs the row's table, partition and clustering key and counts it in
    /// `golmok_read_model_bad_rows_total{table}`.
    pub fn emit(&self) {
        tracing::error!(
            table = self.table,
            partition = self.partition,
            clustering = self.clustering,
            error = %self.error,
            "read-model row cannot be decoded; skipped"
        );
        metrics::counter!("golmok_read_model_bad_rows_total", "table" => self.table.to_owned())
            .increment(1);
    }
}

#[cfg(test)]
mod tests {
    use metrics_exporter_prometheus::PrometheusBuilder;

    use super::*;

    #[test]
    fn a_bad_row_is_counted_by_table() {
        let recorder = PrometheusBuilder::new().build_recorder();
        let handle = recorder.handle();
        let error = serde_json::from_slice::<u8>(b"{").unwrap_err();
        metrics::with_local_recorder(&recorder, || {
            for _ in 0..2 {
                BadRow {
                    table: "some_table",
                    partition: "p",
                    clustering: "c",
                    error: &error,
                }
                .emit();
            }
        });
        let rendered = handle.render();
        assert!(
            rendered.contains("golmok_read_model_bad_rows_total{table=\"some_table\"} 2"),
            "{rendered}"
        );
    }
}
