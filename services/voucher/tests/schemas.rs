//! The committed event corpus in `schemas/events/voucher/` matches the codec
//! (regenerate with `GOLMOK_UPDATE_SCHEMAS=1 cargo test -p voucher --test schemas`).

use std::path::Path;

use golmok_kernel::{EventCodec, SchemaCatalog};
use voucher::app::codec::VoucherCodec;

#[test]
fn committed_schemas_and_samples_match_the_codec() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schemas/events/voucher");
    let checked = SchemaCatalog::new(dir)
        .check::<VoucherCodec>()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(checked, VoucherCodec::schemas().len());
}
