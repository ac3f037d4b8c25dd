//! With the `agent` feature, embeds the run-time search path (rpath) to the libtorch that
//! torch-sys linked, so `priors train` runs without LD_LIBRARY_PATH and never picks up an older
//! system libtorch, and keeps libtorch_cuda linked so `--device cuda` finds the GPU. Link
//! arguments only reach the targets of the package whose build script prints them, so this
//! package needs its own copy of agent/build.rs's logic. Without the feature it does nothing.

fn main() {
    println!("cargo:rerun-if-env-changed=DEP_TCH_LIBTORCH_LIB");
    if std::env::var_os("CARGO_FEATURE_AGENT").is_none() {
        return;
    }
    match std::env::var("DEP_TCH_LIBTORCH_LIB") {
        Ok(dir) if !dir.is_empty() => {
            println!("cargo:rustc-link-arg=-Wl,-rpath,{dir}");
            // See agent/build.rs: --as-needed would drop libtorch_cuda and hide the GPU.
            if std::path::Path::new(&dir).join("libtorch_cuda.so").exists() {
                println!("cargo:rustc-link-arg=-Wl,--no-as-needed");
                println!("cargo:rustc-link-arg=-ltorch_cuda");
                println!("cargo:rustc-link-arg=-Wl,--as-needed");
            }
        }
        _ => println!(
            "cargo:warning=DEP_TCH_LIBTORCH_LIB is not set: `priors` will need LD_LIBRARY_PATH to find libtorch"
        ),
    }
}
