//! Keeps freed memory in the process instead of returning it to the kernel after every tensor.
//!
//! libtorch allocates each intermediate tensor with the C library's `malloc`; glibc serves blocks
//! above its mmap threshold (128 KiB at first) with fresh `mmap`s and trims the heap's top after
//! frees, so a training step that allocates and frees the same few megabytes over and over pays
//! for page faults and page clearing every time: measured, about half the CPU time of a PPO
//! update on 2 cores went to the kernel (BENCHMARKS.md, "Learner throughput"). Raising the mmap
//! threshold to glibc's maximum and never trimming makes those blocks come back from the heap.
//! Nothing else changes: same arithmetic, same results.
//!
//! What it does not do: it never changes an allocation's contents or size, and does nothing on
//! C libraries other than glibc (the options are glibc's).

/// glibc's `mallopt` parameter numbers (malloc.h).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const M_TRIM_THRESHOLD: i32 = -1;
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const M_MMAP_THRESHOLD: i32 = -3;

#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
mod ffi {
    unsafe extern "C" {
        /// glibc's `int mallopt(int param, int value)`; returns 1 on success.
        pub fn mallopt(param: i32, value: i32) -> i32;
    }
}

/// Sets the allocator options once per process (later calls do nothing). Returns whether both
/// options were accepted (always false off glibc).
pub fn keep_freed_memory() -> bool {
    static DONE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *DONE.get_or_init(|| {
        #[cfg(all(target_os = "linux", target_env = "gnu"))]
        {
            // 32 MiB, glibc's largest mmap threshold on 64-bit targets; the heap is never trimmed.
            #[allow(unsafe_code)]
            // SAFETY: mallopt only changes allocator tuning; any value is valid to pass.
            let ok = unsafe {
                ffi::mallopt(M_MMAP_THRESHOLD, 32 << 20) == 1
                    && ffi::mallopt(M_TRIM_THRESHOLD, i32::MAX) == 1
            };
            ok
        }
        #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
        {
            false
        }
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn glibc_accepts_the_options() {
        assert_eq!(
            super::keep_freed_memory(),
            cfg!(all(target_os = "linux", target_env = "gnu"))
        );
    }
}
