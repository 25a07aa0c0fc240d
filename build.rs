//! Generates the C header of the FFI (`mpy_glue/vencoder_ffi.h`) with cbindgen. The header
//! is checked in; CI regenerates it and fails when the checked-in copy drifts.

use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-changed=src/ffi");
    println!("cargo:rerun-if-changed=src/venc/mod.rs");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    let crate_dir =
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml"))
        .expect("cbindgen.toml is valid");
    let out = crate_dir.join("mpy_glue").join("vencoder_ffi.h");
    match cbindgen::Builder::new()
        .with_crate(&crate_dir)
        .with_config(config)
        .generate()
    {
        // write_to_file leaves the file untouched when the content is the same.
        Ok(bindings) => {
            bindings.write_to_file(out);
        }
        // A half-edited tree must still build for `cargo check`; the drift check catches it.
        Err(e) => println!("cargo:warning=cbindgen could not generate the header: {e}"),
    }
}
