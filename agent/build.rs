//! Embeds the run-time search path (rpath) to the libtorch that torch-sys linked against, so the
//! tests and any binary of this package load that exact libtorch without LD_LIBRARY_PATH (and never
//! an older system copy such as Debian's libtorch-dev). torch-sys exports its library folder as
//! `DEP_TCH_LIBTORCH_LIB` because its `links` key is "tch" and it is a direct dependency here.
//! Link arguments only reach the targets of the package whose build script prints them: every
//! other package that links tch into a binary or a test needs the same script (experiments/build.rs).

fn main() {
    println!("cargo:rerun-if-env-changed=DEP_TCH_LIBTORCH_LIB");
    match std::env::var("DEP_TCH_LIBTORCH_LIB") {
        Ok(dir) if !dir.is_empty() => {
            println!("cargo:rustc-link-arg=-Wl,-rpath,{dir}");
            // The linker's --as-needed drops libtorch_cuda (nothing references its symbols
            // directly; it registers the CUDA backend when loaded), and without it libtorch sees
            // no GPU. Keep it when this libtorch has one (the PyPI wheel does; it also loads on
            // machines without a GPU, where torch simply reports no CUDA device).
            if std::path::Path::new(&dir).join("libtorch_cuda.so").exists() {
                println!("cargo:rustc-link-arg=-Wl,--no-as-needed");
                println!("cargo:rustc-link-arg=-ltorch_cuda");
                println!("cargo:rustc-link-arg=-Wl,--as-needed");
            }
            println!("cargo:rustc-env=PRIORS_LIBTORCH_LIB={dir}");
        }
        _ => println!(
            "cargo:warning=DEP_TCH_LIBTORCH_LIB is not set: binaries will need LD_LIBRARY_PATH to find libtorch"
        ),
    }
}
