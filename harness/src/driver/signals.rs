//! SIGINT, SIGTERM and SIGHUP (Ctrl-C, `kill`, a closed terminal) do not kill the harness
//! outright: they are recorded, and the run stops at the next wait, stops the SUT's process
//! group and writes its partial reports (see [`crate::driver::interruption`]).
//!
//! Also: on Linux the harness makes itself a child subreaper, so a SUT's descendant that
//! leaves its process group (`setsid`, a double fork) becomes the harness's child when its
//! parent dies, and can be found and stopped at shutdown instead of being left running.

use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};

/// The last signal received, or 0.
static RECEIVED: AtomicI32 = AtomicI32::new(0);

/// True once [`become_subreaper`] succeeded in this process.
static SUBREAPER: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(signal: libc::c_int) {
    // Only an atomic store: async-signal-safe.
    RECEIVED.store(signal, Ordering::SeqCst);
}

/// The signals a run stops on.
pub const STOP_SIGNALS: [libc::c_int; 3] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP];

/// Installs the handlers for [`STOP_SIGNALS`]. System calls interrupted by them restart, so
/// the reader threads never see a spurious error.
pub fn install() -> std::io::Result<()> {
    for signal in STOP_SIGNALS {
        // SAFETY: a zeroed sigaction is a valid "no flags, empty mask" value; the handler
        // only stores into an atomic, which is async-signal-safe.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
            action.sa_flags = libc::SA_RESTART;
            libc::sigemptyset(&mut action.sa_mask);
            if libc::sigaction(signal, &action, std::ptr::null_mut()) != 0 {
                return Err(std::io::Error::last_os_error());
            }
        }
    }
    Ok(())
}

/// The stop signal received so far, if any.
pub fn received() -> Option<libc::c_int> {
    match RECEIVED.load(Ordering::SeqCst) {
        0 => None,
        signal => Some(signal),
    }
}

/// The conventional name of a stop signal.
pub fn name(signal: libc::c_int) -> &'static str {
    match signal {
        libc::SIGINT => "SIGINT",
        libc::SIGTERM => "SIGTERM",
        libc::SIGHUP => "SIGHUP",
        _ => "a signal",
    }
}

/// Makes orphaned descendants of this process its children (Linux: PR_SET_CHILD_SUBREAPER).
/// Returns false where the platform has no such thing. Call it only in a process whose
/// every child is a SUT (the `run` command), since [`stop_orphans`] stops them all.
pub fn become_subreaper() -> bool {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: prctl with PR_SET_CHILD_SUBREAPER takes an integer and touches no memory.
        let ok = unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) } == 0;
        SUBREAPER.store(ok, Ordering::SeqCst);
        ok
    }
    #[cfg(not(target_os = "linux"))]
    {
        false
    }
}

/// True when this process is a subreaper (see [`become_subreaper`]).
pub fn is_subreaper() -> bool {
    SUBREAPER.load(Ordering::SeqCst)
}

/// Our child processes as the kernel lists them (Linux `/proc`), excluding `except`.
#[cfg(target_os = "linux")]
fn children(except: &[u32]) -> Vec<i32> {
    let me = std::process::id().to_string();
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return found;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(|n| n.parse::<i32>().ok()) else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after
        // the last ')'.
        let Some((_, rest)) = stat.rsplit_once(')') else {
            continue;
        };
        let mut fields = rest.split_whitespace();
        let (_state, ppid) = (fields.next(), fields.next());
        if ppid == Some(me.as_str()) && !except.iter().any(|&e| e as i32 == pid) {
            found.push(pid);
        }
    }
    found
}

/// Stops every child of this subreaper except `except` (the SUTs still in use): they are
/// descendants of a SUT that left its process group and were orphaned. Returns how many
/// were stopped; None when this process is not a subreaper (they cannot be found).
pub fn stop_orphans(except: &[u32]) -> Option<usize> {
    if !is_subreaper() {
        return None;
    }
    #[cfg(target_os = "linux")]
    {
        let mut stopped = 0;
        // An orphan's own children are orphaned in turn once it dies: a few rounds.
        for _ in 0..20 {
            let found = children(except);
            if found.is_empty() {
                break;
            }
            for pid in found {
                // SAFETY: kill(2) and waitpid(2) on a child of ours; no memory is shared.
                unsafe {
                    libc::kill(pid, libc::SIGKILL);
                    let mut status = 0;
                    libc::waitpid(pid, &mut status, 0);
                }
                stopped += 1;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        Some(stopped)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = except;
        None
    }
}
