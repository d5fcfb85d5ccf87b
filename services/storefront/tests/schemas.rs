//! The committed event corpus in `schemas/events/storefront/` matches the codec
//! (regenerate with `GOLMOK_UPDATE_SCHEMAS=1 cargo test -p storefront --test schemas`).

use std::path::Path;

use golmok_kernel::{EventCodec, SchemaCatalog};
use storefront::app::codec::StorefrontCodec;

#[test]
fn committed_schemas_and_samples_match_the_codec() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schemas/events/storefront");
    let checked = SchemaCatalog::new(dir)
        .check::<StorefrontCodec>()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(checked, StorefrontCodec::schemas().len());
}
