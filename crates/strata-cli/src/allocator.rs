//! The process's allocator: mimalloc, told to keep freed memory, in
//! ordinary pages.
//!
//! The analysis allocates and frees many small values (YAML documents, Nix
//! thunks) from several threads, where mimalloc beats the system allocator
//! (`scripts/perf`: 0.55–0.66× the wall time and 0.7–0.8× the peak memory
//! on generated hosts). Not freeing the analysis before exit was measured
//! too and did not pay with it.

/// The global allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in mimalloc's `mi_option_e` (`mimalloc.h`, v2
/// and v3 alike); `libmimalloc-sys` names no constant for it.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Stops mimalloc from returning freed memory to the system while strata
/// runs. Host evaluation frees each batch's values and allocates the next
/// batch's at once: purged pages came back as fresh pages the kernel had to
/// zero again (`lint` of 10,000 generated hosts: 0.9× the wall time, 0.6×
/// the system time, the same peak memory). A command-line run is short, so
/// keeping the freed pages costs nothing.
pub fn keep_freed_memory() {
    // SAFETY: `mi_option_set` only stores an integer option, is safe to call
    // at any time from any thread, and `MI_OPTION_PURGE_DELAY` is a valid
    // option; -1 means "never purge".
    #[allow(unsafe_code)]
    unsafe {
        libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1);
    }
}

/// Turns transparent huge pages off for this process (Linux). mimalloc
/// asks for huge pages for its arenas; the kernel then zeroes 2 MiB at the
/// first touch of each, however little of it is used. Measured on the
/// training corpus (xunholy, 984 YAML files): peak memory 88 → 43 MiB and
/// system time 0.09–0.15 → 0.01 s; on 10,000 hosts 0.9× the wall time.
pub fn no_transparent_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: `prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0)` only sets a flag of
    // the calling process; it takes no pointers. Its result does not matter:
    // on a kernel without it, nothing changes.
    #[allow(unsafe_code)]
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}
